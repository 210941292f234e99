// Countdown text, thresholds and colours for tokens. Pure (no `vscode`): unit-tested with a fixed clock.
import type { TokenState } from '../agent/protocol';

export type Severity = 'ok' | 'warning' | 'error';

/** `3h 12m`, `42m`, under ten minutes `9:58`, and `expired` at or past zero. */
export function formatTimeLeft(ms: number): string {
  if (ms <= 0) return 'expired';
  const totalSeconds = Math.floor(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (totalSeconds >= 600) return `${minutes}m`;
  return `${minutes}:${String(totalSeconds % 60).padStart(2, '0')}`;
}

/** How long before expiry the agent refreshes: the lead, or a third of the life of a short token. */
export function refreshLeadMs(token: TokenState): number {
  const leadMs = token.refreshBeforeSeconds * 1000;
  if (token.expiresAt !== undefined && token.issuedAt !== undefined) {
    const lifetimeMs = token.expiresAt - token.issuedAt;
    if (lifetimeMs <= leadMs) return lifetimeMs / 3;
  }
  return leadMs;
}

/**
 * Error when the token is unusable (expired, or only a new sign-in helps); warning when it is past
 * the point where the agent should have refreshed it, a refresh failed, or, for a token the agent
 * cannot refresh (static), when less than `warnBeforeSeconds` is left.
 */
export function tokenSeverity(token: TokenState, now: number, warnBeforeSeconds: number): Severity {
  const left = token.expiresAt === undefined ? undefined : token.expiresAt - now;
  if (token.phase === 'needs-sign-in' || (left !== undefined && left <= 0)) return 'error';
  if (token.phase === 'error' && left === undefined) return 'error';
  if (token.lastError || token.phase === 'expiring') return 'warning';
  if (left === undefined) return 'ok';
  const threshold = token.type === 'static' ? warnBeforeSeconds * 1000 : refreshLeadMs(token);
  return left < threshold ? 'warning' : 'ok';
}

const severityRank: Record<Severity, number> = { error: 0, warning: 1, ok: 2 };

/** Worst off first, then the one expiring soonest; tokens with no expiry last. Returns a new array. */
export function sortByUrgency(
  tokens: readonly TokenState[],
  now: number,
  warnBeforeSeconds: number,
): TokenState[] {
  const rank = new Map(tokens.map((t) => [t, severityRank[tokenSeverity(t, now, warnBeforeSeconds)]]));
  return [...tokens].sort((a, b) => {
    const bySeverity = (rank.get(a) ?? 2) - (rank.get(b) ?? 2);
    if (bySeverity !== 0) return bySeverity;
    return (a.expiresAt ?? Number.POSITIVE_INFINITY) - (b.expiresAt ?? Number.POSITIVE_INFINITY);
  });
}

/** The token the status bar shows when none is pinned: the worst off, then the one expiring soonest. */
export function mostUrgent(
  tokens: readonly TokenState[],
  now: number,
  warnBeforeSeconds: number,
): TokenState | undefined {
  return sortByUrgency(tokens, now, warnBeforeSeconds)[0];
}

/**
 * The short text after the token's name: time left (`~59m` when the provider did not say and the
 * agent assumed a lifetime), `expiry unknown` for a command's token that nothing dates (never a
 * countdown to zero), or what is wrong.
 */
export function tokenSummary(token: TokenState, now: number): string {
  if (token.phase === 'needs-sign-in') return 'sign in needed';
  if (token.expiresAt === undefined && token.expiryUnknown && token.phase !== 'error')
    return 'expiry unknown';
  if (token.expiresAt === undefined)
    return token.phase === 'error' ? 'error' : token.type === 'static' ? 'no expiry' : 'no token yet';
  const left = formatTimeLeft(token.expiresAt - now);
  return token.expiryAssumed && left !== 'expired' ? `~${left}` : left;
}

/** When the token expires, in words: `expires 14:05`, or `expires ~14:05, assumed`. */
export function expiryText(token: TokenState, formatTime: (ms: number) => string): string {
  if (token.expiresAt === undefined && token.expiryUnknown) return 'expiry unknown: its command does not say';
  if (token.expiresAt === undefined) return token.type === 'static' ? 'no expiry' : 'no known expiry';
  return token.expiryAssumed
    ? `expires ~${formatTime(token.expiresAt)}, assumed`
    : `expires ${formatTime(token.expiresAt)}`;
}
