// The rows of the Tokens view and which token the status bar shows, from the agent's status.
// Pure (no `vscode`): unit-tested with plain data and a fixed clock; tokensView.ts only draws these.
import type { AgentStatus, TokenState, TokenType } from '../agent/protocol';
import { formatTimeLeft, mostUrgent, tokenSeverity, tokenSummary } from './countdown';

/** What a row shows of a token; also the middle part of its contextValue, which menus match on. */
export type RowState = 'fresh' | 'refreshing' | 'expiring' | 'expired' | 'error' | 'needsSignIn';

export interface TokenRow {
  kind: 'token';
  /** Stable across statuses: the tree keeps one element per key, so only changed rows redraw. */
  key: string;
  name: string;
  label: string;
  description: string;
  tooltip: string;
  state: RowState;
  /** A codicon id, e.g. `pass` or `sync~spin`. */
  icon: string;
  /** A theme colour id, or undefined for the default foreground. */
  color: string | undefined;
  /** `token.<type>.<state>`, with `.pinned` when the status bar is pinned to it. */
  contextValue: string;
  pinned: boolean;
}

export interface ProblemRow {
  kind: 'problem';
  key: string;
  label: string;
  description: string;
  tooltip: string;
  icon: string;
  color: string;
  contextValue: 'configProblem';
  /** The file to open from the row, when the agent said which one it reads. */
  configPath: string | undefined;
}

export type Row = TokenRow | ProblemRow;

export interface RowOptions {
  now: number;
  warnBeforeSeconds: number;
  /** The token the user pinned to the status bar, if any (it may no longer exist). */
  pinned: string | undefined;
  /** Local wall-clock time of a Unix ms instant; injected so tests do not depend on the time zone. */
  formatTime: (ms: number) => string;
}

const typeLabels: Record<TokenType, string> = {
  'oauth2-refresh-token': 'OAuth 2 refresh token',
  'oauth2-client-credentials': 'OAuth 2 client credentials',
  command: 'command',
  static: 'pasted (static) token',
};

const looks: Record<RowState, { icon: string; color: string | undefined }> = {
  fresh: { icon: 'pass', color: 'testing.iconPassed' },
  refreshing: { icon: 'sync~spin', color: undefined },
  expiring: { icon: 'watch', color: 'list.warningForeground' },
  expired: { icon: 'error', color: 'list.errorForeground' },
  error: { icon: 'warning', color: 'list.warningForeground' },
  needsSignIn: { icon: 'sign-in', color: 'list.errorForeground' },
};

export function rowState(token: TokenState, now: number, warnBeforeSeconds: number): RowState {
  const left = token.expiresAt === undefined ? undefined : token.expiresAt - now;
  if (token.phase === 'needs-sign-in') return 'needsSignIn';
  if (token.phase === 'expired' || (left !== undefined && left <= 0)) return 'expired';
  if (token.phase === 'refreshing') return 'refreshing';
  if (token.phase === 'error' || token.lastError) return 'error';
  return tokenSeverity(token, now, warnBeforeSeconds) === 'ok' ? 'fresh' : 'expiring';
}

/** One row per token, in the agent's (config file) order, then one per config problem. */
export function tokenRows(status: AgentStatus, options: RowOptions): Row[] {
  // Config order, not urgency: rows that swap places as their times cross would move under the
  // pointer just as the user aims at an inline button. The status bar tooltip sorts by urgency.
  const tokens = status.tokens.map((token) => tokenRow(token, options));
  const problems = status.problems.map((problem, index) => problemRow(problem, index, status.configPath));
  return [...tokens, ...problems];
}

function tokenRow(token: TokenState, options: RowOptions): TokenRow {
  const { now, formatTime } = options;
  const state = rowState(token, now, options.warnBeforeSeconds);
  const pinned = options.pinned === token.name;
  const { icon, color } =
    state === 'error' && tokenSeverity(token, now, 0) === 'error' ? looks.expired : looks[state];
  const live = token.expiresAt !== undefined && state !== 'expired' && state !== 'needsSignIn';
  const parts = [live ? `${formatTimeLeft((token.expiresAt ?? now) - now)} left` : tokenSummary(token, now)];
  if (state === 'refreshing') parts.push('refreshing');
  if (state === 'error' && live) parts.push('refresh failed');
  if (pinned) parts.push('pinned');
  const tooltip = [`${token.name} — ${typeLabels[token.type]}, ${token.phase}`];
  const times: string[] = [];
  if (token.expiresAt !== undefined) times.push(`Expires ${formatTime(token.expiresAt)}`);
  else if (token.expiryUnknown) times.push('Expiry unknown: its command does not say');
  if (token.lastRefreshAt !== undefined) times.push(`last refresh ${formatTime(token.lastRefreshAt)}`);
  if (token.nextRefreshAt !== undefined) times.push(`next refresh ${formatTime(token.nextRefreshAt)}`);
  if (times.length) tooltip.push(times.join(' · '));
  if (token.verification)
    tooltip.push(
      token.verification.verified
        ? `Signature verified (${token.verification.algorithm})`
        : `Signature not verified: ${token.verification.reason}`,
    );
  if (token.lastError) tooltip.push(token.lastError.message);
  if (token.pendingSave) tooltip.push(token.pendingSave.message);
  if (pinned) tooltip.push('Shown in the status bar (pinned)');
  return {
    kind: 'token',
    key: `token:${token.name}`,
    name: token.name,
    label: token.name,
    description: parts.join(' · '),
    tooltip: tooltip.join('\n'),
    state,
    icon,
    color,
    contextValue: `token.${token.type}.${state}${pinned ? '.pinned' : ''}`,
    pinned,
  };
}

function problemRow(problem: string, index: number, configPath: string | undefined): ProblemRow {
  // The agent sends `severity: message` (agent/daemon/statusModel.ts).
  const match = /^(error|warning): (.*)$/s.exec(problem);
  const severity = match?.[1] === 'warning' ? 'warning' : 'error';
  const message = match?.[2] ?? problem;
  return {
    kind: 'problem',
    key: `problem:${index}:${message}`,
    label: severity === 'error' ? 'Config problem' : 'Config warning',
    description: message,
    tooltip: `${message}${configPath ? `\n\nIn ${configPath}: click to open it.` : ''}`,
    icon: severity,
    color: severity === 'error' ? 'list.errorForeground' : 'list.warningForeground',
    contextValue: 'configProblem',
    configPath,
  };
}

/** The token the status bar shows: the pinned one while it exists, else the most urgent. */
export function shownToken(
  tokens: readonly TokenState[],
  pinned: string | undefined,
  now: number,
  warnBeforeSeconds: number,
): { token: TokenState; pinned: boolean } | undefined {
  const pin = pinned === undefined ? undefined : tokens.find((t) => t.name === pinned);
  if (pin) return { token: pin, pinned: true };
  const urgent = mostUrgent(tokens, now, warnBeforeSeconds);
  return urgent && { token: urgent, pinned: false };
}

/**
 * The keys of rows that must redraw going from `before` to `after`, or 'all' when rows were added,
 * removed or reordered (the tree then rebuilds). A countdown over ten minutes changes once a minute.
 */
export function changedRows(before: readonly Row[], after: readonly Row[]): 'all' | string[] {
  if (before.length !== after.length || before.some((row, i) => row.key !== after[i]?.key)) return 'all';
  return after
    .filter((row, i) => {
      const old = before[i];
      return (
        old === undefined ||
        old.label !== row.label ||
        old.description !== row.description ||
        old.tooltip !== row.tooltip ||
        old.icon !== row.icon ||
        old.color !== row.color ||
        old.contextValue !== row.contextValue
      );
    })
    .map((row) => row.key);
}

/**
 * The token name a command got: a string from a tooltip link or another command, or the Tokens view's
 * element when run from a row's inline or context menu.
 */
export function tokenArgument(given: unknown): unknown {
  if (typeof given === 'object' && given !== null && 'tokenName' in given) {
    const name = (given as { tokenName: unknown }).tokenName;
    if (typeof name === 'string') return name;
  }
  return given;
}
