// Which token a get or a forced refresh hands over: the held one when it is good enough, a refresh
// first when that helps, and an error only when no valid token can be had. The engine
// (tokenEngine.ts) finds and loads the slot; these rules decide from the slot and the clock alone.

import { codes, TokenAgentError } from '../base/errors';
import { forcedRefreshCoalesceMs, type IssuedToken, issued } from './engineTypes';
import { usable } from './refresh';
import type { SlotRunner } from './slotRunner';
import type { RefreshOutcome, TokenSlot } from './tokenSlot';

/** A token of `slot` valid for at least `askedMs` more, as TokenEngine.get documents. */
export async function validToken(
  runner: SlotRunner,
  slot: TokenSlot,
  askedMs: number,
  now: () => number,
): Promise<IssuedToken> {
  let outcome: RefreshOutcome = { ok: true };
  if (!usable(slot.current, slot.effectiveMinValidMs(askedMs), now()) && !justObtained(slot, now))
    outcome = await runner.refresh(slot, { minValidMs: askedMs, force: false });
  const held = slot.current;
  // Nothing dates it: the command's fresh answer (or one of the last 10 s) is the best there is.
  if (held?.expiryUnknown) {
    if (outcome.ok) return issued(held);
    throw outcome.error;
  }
  if (usable(held, askedMs, now())) return issued(held);
  const lifetime = slot.lifetimeMs();
  // An assumed lifetime proves nothing unattainable: past it, a refresh or an error, never the same
  // token as if it were known to last.
  const unattainable = !slot.current?.expiryAssumed && lifetime !== undefined && lifetime <= askedMs;
  if (usable(held, 1, now()) && (outcome.ok || unattainable)) return issued(held, true);
  if (!outcome.ok) throw outcome.error;
  throw (
    slot.lastError ??
    new TokenAgentError(
      codes.tokenExpired,
      `Token '${slot.name}' could not be made valid for ${askedMs / 1000}s.`,
    )
  );
}

/** A freshly refreshed token of `slot`, or the one of a refresh less than 10 s ago (TokenEngine.refresh). */
export async function refreshedToken(
  runner: SlotRunner,
  slot: TokenSlot,
  now: () => number,
): Promise<IssuedToken> {
  const held = slot.current;
  const last = slot.lastRefreshAt;
  if (
    held !== undefined &&
    last !== undefined &&
    now() - last < forcedRefreshCoalesceMs &&
    (held.expiryUnknown || usable(held, 1, now()))
  )
    return issued(held);
  const outcome = await runner.refresh(slot, { minValidMs: 0, force: true });
  if (!outcome.ok) throw outcome.error;
  if (!slot.current)
    throw new TokenAgentError(
      codes.refreshFailed,
      `Token '${slot.name}' has no access token after refreshing.`,
    );
  return issued(slot.current);
}

/**
 * A token of assumed or unknown expiry obtained in the last 10 s is the freshest there is: a burst
 * of gets asking more than it is known to last shares it rather than refreshing once each.
 */
function justObtained(slot: TokenSlot, now: () => number): boolean {
  const last = slot.lastRefreshAt;
  return (
    (slot.current?.expiryAssumed === true || slot.current?.expiryUnknown === true) &&
    last !== undefined &&
    now() - last < forcedRefreshCoalesceMs
  );
}
