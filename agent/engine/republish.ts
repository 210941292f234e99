// When Redis comes back after an outage (#16 item 5), the machine that refreshed alone meanwhile, or
// that wrote last when Redis lost its data, shares its token and refresh token at once, without a
// refresh: the other machines take them on their next look instead of waiting for its next refresh,
// which for hour-long tokens could be most of an hour (refreshRight.ts keeps them from refreshing
// with their own stale copies). A machine with nothing newer lets the lock go untouched.

import { codes } from '../base/errors';
import { adoptStored } from './adopt';
import type { TeamLease } from './coordinator';
import { TeamUnavailableError } from './coordinator';
import { takeLock } from './dataFolder';
import type { RefreshContext } from './engineTypes';
import { shareable, toCoded, usable } from './refresh';
import type { SlotRunner } from './slotRunner';
import type { TokenSlot } from './tokenSlot';

/** Resolves true when this machine published its token; never throws. */
export async function republishUnderLock(context: RefreshContext, slot: TokenSlot): Promise<boolean> {
  const team = context.coordinator;
  if (!team?.shares(slot.definition) || slot.definition.type !== 'oauth2-refresh-token') return false;
  let lease: TeamLease | undefined;
  let lock: Awaited<ReturnType<typeof takeLock>> | undefined;
  try {
    lock = await takeLock(context, slot.name);
    // Another process of this machine may hold a newer token than this one.
    await adoptStored(context, slot);
    const held = slot.current;
    // Nothing worth sharing: the next refresh publishes the refresh token instead.
    if (!usable(held, 1, context.now())) return false;
    const got = await team.acquire(slot.definition, () => false);
    if (!('commit' in got)) return false;
    lease = got;
    if (!lease.newerHere) return false;
    const result = await lease.commit(shareable(held), undefined);
    if (result.outcome === 'committed')
      context.log('info', `token '${slot.name}': shared again with the team after Redis came back`);
    return result.outcome === 'committed';
  } catch (error) {
    if (!(error instanceof TeamUnavailableError))
      context.log('debug', `token '${slot.name}': not shared again: ${toCoded(error).message}`);
    return false;
  } finally {
    await lease?.release();
    await lock?.release().catch(() => undefined);
  }
}

/**
 * Team mode is back: a token that could not be refreshed while it was away (ERR_TEAM_UNAVAILABLE)
 * takes the team's newest state now, instead of at the end of its backoff; any other shares what
 * this machine holds, if it is newer than the team's (republishUnderLock above). `track` keeps each
 * republish for the engine's idle().
 */
export function rejoinTeam(
  context: RefreshContext,
  runner: SlotRunner,
  slots: Iterable<TokenSlot>,
  hooks: { emit: () => void; track: (work: Promise<unknown>) => void },
): void {
  const team = context.coordinator;
  for (const slot of slots) {
    if (slot.lastError?.code === codes.teamUnavailable)
      void runner.refresh(slot, { minValidMs: 0, force: false, scheduled: true });
    else if (!slot.inFlight && team?.shares(slot.definition)) {
      // Best effort: a failed republish leaves the token as it was, and the next refresh shares it.
      hooks.track(
        republishUnderLock(context, slot)
          .then(() => hooks.emit())
          .catch(() => undefined),
      );
    }
  }
}
