// What Add Token says once the agent took a definition: "Added" only when the token works; otherwise
// what failed, with the buttons that fix it. Pure (no `vscode`): unit-tested with a fixed clock.
import { ErrorCode, type TokenState, type TokenType } from '../agent/protocol';
import { formatTimeLeft } from './countdown';

export type Fix =
  | { label: 'Sign In…'; command: 'tokenAgent.signIn' }
  | { label: 'Set Secret…'; command: 'tokenAgent.setSecret' }
  | { label: 'Show Log'; command: 'tokenAgent.showLog' };

const signIn: Fix = { label: 'Sign In…', command: 'tokenAgent.signIn' };
const setSecret: Fix = { label: 'Set Secret…', command: 'tokenAgent.setSecret' };
const showLog: Fix = { label: 'Show Log', command: 'tokenAgent.showLog' };

export type Outcome = { ok: true; message: string } | { ok: false; message: string; fixes: Fix[] };

export interface NewToken {
  name: string;
  type: TokenType;
  /** How the first token was to be had: signed in, secrets stored, nothing (a command). */
  via: 'sign-in' | 'secrets' | 'command';
}

/**
 * Judges the new token from its state (from the agent's status or a refresh) or from the error of the
 * step that failed (storing a secret, the sign-in, the first refresh).
 */
export function judgeNewToken(
  token: NewToken,
  seen: { state?: TokenState; failure?: { code: string; message: string } },
  now: number,
): Outcome {
  const { name, type } = token;
  // Short: a toast shows one line. Where the definition went is in the log.
  const added = `'${name}' was added, but`;
  const refreshable = type === 'oauth2-refresh-token';
  const secretFix = type === 'command' ? [] : [setSecret];
  const failure = seen.failure ?? seen.state?.lastError;
  const state = seen.state;
  if (failure?.code === ErrorCode.needsSignIn || state?.phase === 'needs-sign-in')
    return {
      ok: false,
      message: `${added} it needs a sign-in: ${failure?.message ?? 'the agent has no refresh token for it'}`,
      fixes: refreshable ? [signIn, setSecret, showLog] : [...secretFix, showLog],
    };
  if (
    failure?.code === ErrorCode.storeUnavailable ||
    failure?.code === ErrorCode.storeLocked ||
    failure?.code === ErrorCode.agentDown
  )
    return { ok: false, message: `${added} ${failure.message}`, fixes: [...secretFix, showLog] };
  if (seen.failure !== undefined) {
    const what =
      token.via === 'sign-in'
        ? 'the sign-in did not finish'
        : type === 'command'
          ? 'its command did not give a token'
          : 'its first refresh failed';
    return {
      ok: false,
      message: `${added} ${what}: ${seen.failure.message}`,
      fixes: refreshable ? [signIn, setSecret, showLog] : [...secretFix, showLog],
    };
  }
  if (state === undefined)
    return {
      ok: false,
      message: `${added} the agent does not show it yet; the log says why.`,
      fixes: [showLog],
    };
  if (state.expiresAt !== undefined && state.expiresAt <= now)
    return {
      ok: false,
      message:
        type === 'static'
          ? `${added} the token pasted has expired: paste a current one.`
          : `${added} it has no valid token yet${state.lastError ? `: ${state.lastError.message}` : '.'}`,
      fixes: refreshable ? [signIn, setSecret, showLog] : [...secretFix, showLog],
    };
  // A static token without expiry is fine once held, and so is a command's token nothing dates;
  // 'expired' without an expiry means nothing is held.
  const heldUndated = type === 'static' || state.expiryUnknown === true;
  if (
    state.phase === 'error' ||
    (state.expiresAt === undefined && (!heldUndated || state.phase === 'expired'))
  )
    return {
      ok: false,
      message: `${added} it has no token yet${state.lastError ? `: ${state.lastError.message}` : '.'}`,
      fixes: refreshable ? [signIn, setSecret, showLog] : [...secretFix, showLog],
    };
  const left =
    state.expiresAt === undefined
      ? state.expiryUnknown
        ? 'expiry unknown (its command does not say)'
        : 'no expiry known'
      : `valid for ${formatTimeLeft(state.expiresAt - now)}`;
  const how = token.via === 'sign-in' ? ' and signed in' : '';
  return { ok: true, message: `Added '${name}'${how}: ${left}.` };
}
