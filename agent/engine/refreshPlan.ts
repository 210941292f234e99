// When a slot's next background refresh is due: after a failure, the backoff (or the server's
// Retry-After, or the end of a spent budget); with nothing held, now; otherwise the schedule's point
// ahead of expiry. Pure apart from reading the slot: the engine arms the timer (timer.ts).

import { codes } from '../base/errors';
import { backoffDelay, retryAfterApplies, retryAfterMs } from './backoff';
import { GrantError } from './grants';
import { nextRefreshAt } from './schedule';
import type { TokenSlot } from './tokenSlot';

/** Undefined when nothing is to be scheduled (a static token, or one without a known expiry). */
export function plannedRefreshAt(slot: TokenSlot, now: number, random: () => number): number | undefined {
  if (slot.definition.type === 'static') return undefined;
  const error = slot.lastError;
  if (error && slot.failures > 0) {
    if (error.code === codes.refreshBudgetExhausted) return slot.budget.resetsAt(now);
    const backoff = backoffDelay({ attempt: slot.failures, random });
    const details = error instanceof GrantError ? error.details : {};
    const serverWait =
      details.status !== undefined && retryAfterApplies(details.status)
        ? retryAfterMs(details.retryAfter, now)
        : undefined;
    return now + Math.max(backoff, serverWait ?? 0);
  }
  // A backoff that outlived the process (budget.json): wait it out before the first try.
  const notBefore = slot.backoffUntil !== undefined && slot.backoffUntil > now ? slot.backoffUntil : now;
  // Nothing held yet (first start, or only a refresh token stored): fetch one now.
  if (!slot.current) return notBefore;
  if (slot.current.expiresAt === undefined) return undefined;
  const at = nextRefreshAt({
    expiresAtMs: slot.current.expiresAt,
    nowMs: now,
    refreshBeforeSeconds: slot.definition.refreshBeforeSeconds,
    jitter: random,
    ...(slot.current.issuedAt !== undefined ? { issuedAtMs: slot.current.issuedAt } : {}),
  });
  return Math.max(at, notBefore);
}
