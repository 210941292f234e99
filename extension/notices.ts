// What Copy Fresh Token and Refresh Now say in their toasts. Pure (no `vscode`): unit-tested with a
// fixed clock. A toast without buttons shows one line and cuts the rest off ("The clipboard is cl…",
// issue #14), so those stay within `toastLineChars` for a name of up to `shortNameChars`; a toast with
// buttons is shown expanded and wraps, so it may say more.
import { ErrorCode, type TokenState } from '../agent/protocol';
import { formatTimeLeft, tokenSummary } from './countdown';

/**
 * What a collapsed toast's one line holds: about 65 characters of such a message in code-server
 * (test/e2e/demo-browser.test.ts reports it), less a little for wide digits.
 */
export const toastLineChars = 64;
/** The names the line is sized for ('demo', 'github', 'api-prod'); a longer one may push the end off. */
export const shortNameChars = 8;

/** The parts of a handed-over token the notice speaks of (protocol.GetTokenResult has them). */
export interface CopiedToken {
  expiresAt?: number;
  expiryUnknown?: boolean;
  expiryAssumed?: boolean;
  shortOfMinValid?: boolean;
}

export interface Notice {
  message: string;
  buttons: string[];
}

/**
 * "Copied 'api', valid for 4:59. Clipboard clears in 45s." The provider's tokens may live less than
 * asked: the freshest there is, then, with how long it lasts and the setting that asks for more.
 */
export function copiedNotice(
  name: string,
  token: CopiedToken,
  options: { minValidSeconds: number; clearAfterSeconds: number; now: number },
): Notice {
  const clears = options.clearAfterSeconds > 0 ? ` Clipboard clears in ${options.clearAfterSeconds}s.` : '';
  if (token.expiresAt === undefined) {
    // The details (its command just printed it; nothing dates it) are in the status item's tooltip.
    return {
      message: `Copied '${name}', ${token.expiryUnknown ? 'expiry unknown' : 'no expiry'}.${clears}`,
      buttons: [],
    };
  }
  const left = formatTimeLeft(token.expiresAt - options.now);
  if (token.shortOfMinValid)
    return {
      message: `Copied '${name}', valid for ${left}, less than the ${formatTimeLeft(options.minValidSeconds * 1000)} asked.${clears}`,
      buttons: ['Open Settings'],
    };
  // "~" says the provider gave no expiry, as in the status bar; the tooltip says so in full.
  return {
    message: `Copied '${name}', valid for ${token.expiryAssumed ? '~' : ''}${left}.${clears}`,
    buttons: [],
  };
}

/** Refresh Now on a pasted token: nothing was refreshed, so never "Refreshed"; Set Secret replaces it. */
export function staticRefreshNotice(name: string): Notice {
  return { message: `'${name}' is a pasted token and cannot be refreshed.`, buttons: ['Set Secret…'] };
}

/** "Refreshed 'api': 59m left." — "left" only after a time ("expiry unknown", "no expiry"). */
export function refreshedNotice(state: TokenState, now: number): Notice {
  const summary = tokenSummary(state, now);
  return {
    message: `Refreshed '${state.name}': ${summary}${state.expiresAt === undefined ? '' : ' left'}.`,
    buttons: [],
  };
}

/**
 * The button an error message gets, so it always leads to the fix: by the agent's code, else (for
 * errors from elsewhere) any message that points at the log gets Show Log ("see the log", #14 item 4).
 */
export function remedyFor(
  code: string | undefined,
  message: string,
): { label: string; command: string } | undefined {
  switch (code) {
    case ErrorCode.needsSignIn:
      return { label: 'Sign In…', command: 'tokenAgent.signIn' };
    case ErrorCode.storeUnavailable:
    case ErrorCode.storeLocked:
    case ErrorCode.agentDown:
      return showLog;
  }
  return /\blog\b/i.test(message) ? showLog : undefined;
}

const showLog = { label: 'Show Log', command: 'tokenAgent.showLog' };
