// When to refresh a token. Pure: the caller passes the clock and the randomness, so tests can pin both.
// All times are Unix milliseconds; durations given in seconds say so in their names.

/** Jitter never exceeds this, however long the refresh lead is. */
export const maxJitterMs = 30_000;
/** Jitter is at most this share of the lead time, so a refresh never slides far from its target. */
export const jitterShare = 0.1;

export interface RefreshScheduleInput {
  /** When the token was issued (`iat`), if known. */
  issuedAtMs?: number;
  expiresAtMs: number;
  nowMs: number;
  refreshBeforeSeconds: number;
  /** Returns a number in [0, 1), like Math.random. */
  jitter: () => number;
}

/**
 * When to refresh: `refreshBeforeSeconds` ahead of expiry, minus a small random jitter so that many
 * agents (or many tokens of one agent) do not hit the identity provider in the same second. A token
 * whose whole lifetime is no longer than the lead would be refreshed as soon as it arrives, so such a
 * token is refreshed at two thirds of its lifetime instead. Never earlier than now.
 */
export function nextRefreshAt(input: RefreshScheduleInput): number {
  const { expiresAtMs, nowMs, refreshBeforeSeconds } = input;
  if (!Number.isFinite(refreshBeforeSeconds) || refreshBeforeSeconds < 0)
    throw new TypeError(`refreshBeforeSeconds must be a non-negative number, got ${refreshBeforeSeconds}`);
  const random = input.jitter();
  if (!(random >= 0 && random < 1))
    throw new TypeError(`jitter() must return a number in [0, 1), got ${random}`);

  if (expiresAtMs <= nowMs) return nowMs;

  // An `iat` at or after `exp` is nonsense; reading the lifetime from it would schedule past expiry.
  const issuedAtMs =
    input.issuedAtMs !== undefined && input.issuedAtMs < expiresAtMs ? input.issuedAtMs : undefined;
  const lifetimeStartMs = issuedAtMs ?? nowMs;
  const lifetimeMs = expiresAtMs - lifetimeStartMs;
  const refreshBeforeMs = refreshBeforeSeconds * 1000;

  const leadMs = lifetimeMs <= refreshBeforeMs ? lifetimeMs / 3 : refreshBeforeMs;
  const jitterMs = random * Math.min(maxJitterMs, jitterShare * leadMs);
  const targetMs = Math.floor(expiresAtMs - leadMs - jitterMs);
  return Math.max(nowMs, targetMs);
}

/** Whether a token must be refreshed before use: it will not stay valid for `minValidSeconds` more. */
export function needsRefresh(input: {
  expiresAtMs: number;
  nowMs: number;
  minValidSeconds: number;
}): boolean {
  return input.expiresAtMs - input.nowMs < input.minValidSeconds * 1000;
}
