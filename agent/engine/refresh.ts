// One refresh of one token, with everything that makes it happen once: the machine-local lock file,
// a re-read of the secret store under it (another process may have refreshed meanwhile), and in team
// mode the team's token and lock as well (coordinator.ts). The rotated refresh token is persisted
// before the new access token is handed out. The engine (tokenEngine.ts) calls this from its
// in-process single flight, so at most one call per token runs in a process at a time.
import { codes, isTokenAgentError, TokenAgentError } from '../base/errors';
import { redactError } from '../base/redact';
import type { LockHandle } from '../store/lockFile';
import { adoptShared, adoptStored } from './adopt';
import type { SharedToken, TeamLease } from './coordinator';
import { TeamUnavailableError } from './coordinator';
import { probeDataDir, takeLock } from './dataFolder';
import type { Obtained } from './obtain';
import { saveOrKeep } from './pendingSave';
import { checkBeforeSending, checkDataDir } from './preflight';
import { accept, obtainWithReuseCheck } from './refreshExchange';
import { mayRefreshAlone, refuseRejected } from './refreshGuards';
import { keepRefreshed, recordFailure } from './refreshOutcome';
import { afterFailedExchange, type FailedExchange, refuseIfMayHaveRotated } from './rotationMark';
import type { HeldToken, RefreshOutcome, TokenSlot } from './tokenSlot';

export type { LogLevel, RefreshContext } from './engineTypes';

import type { RefreshContext } from './engineTypes';

export interface RefreshWant {
  /** The validity asked for; an impossible one counts as the token's own lead (effectiveMinValidMs). */
  minValidMs: number;
  /** Refresh even when the held token is fine (a user's "refresh now", a new refresh token). */
  force: boolean;
  /** A background refresh, due from the token's refresh point on. */
  scheduled?: boolean;
  /**
   * Never join a refresh already in flight: it started before a new secret was stored (a refresh
   * token set or signed in), so its outcome says nothing about the new one. Wait for it, then refresh.
   */
  afterInFlight?: boolean;
}

/** Whether the held token is known to stay valid this long; one of unknown expiry never is. */
export function usable(held: HeldToken | undefined, minValidMs: number, now: number): held is HeldToken {
  if (held === undefined || held.expiryUnknown) return false;
  return held.expiresAt === undefined || held.expiresAt - now >= minValidMs;
}

export async function refreshUnderLock(
  context: RefreshContext,
  slot: TokenSlot,
  want: RefreshWant,
  tokenBefore: string | undefined,
): Promise<RefreshOutcome> {
  let lock: LockHandle | undefined;
  let lease: TeamLease | undefined;
  const team = context.coordinator?.shares(slot.definition) ? context.coordinator : undefined;
  try {
    const store = context.store();
    // Checked before anything is written: the lock file itself goes in this folder (preflight.ts).
    await checkDataDir(slot.name, context.dataDir, () => probeDataDir(context.dataDir));
    lock = await takeLock(context, slot.name);
    const ownLock = lock;
    // Another process may have refreshed while we waited for the lock: on this machine (the store)
    // or, in team mode, anywhere in the team.
    let adopted = await adoptUnlessUnreadable(context, slot);
    /** Why the team could not be reached (or used) during this refresh, if it could not. */
    let teamDown: string | undefined;
    const teamCall = <T>(call: Promise<T>) =>
      orUnavailable(call, (reason) => {
        teamDown = reason;
      });
    if (team) {
      const shared = await teamCall(team.latest(slot.definition));
      if (shared !== unavailable && shared && adoptShared(context, slot, shared)) adopted = true;
    }
    if (reused(context, slot, want, adopted, tokenBefore)) return { ok: true };
    const refreshDue = want.scheduled && (slot.earliestRefreshAt() ?? 0) <= context.now();
    if (
      !want.force &&
      !refreshDue &&
      usable(slot.current, slot.effectiveMinValidMs(want.minValidMs), context.now())
    )
      return { ok: true };
    // A refresh token the provider refused is not sent again: only a sign-in (a new one) helps.
    await refuseRejected(slot, store, team, context.now());

    if (team && teamDown === undefined) {
      const minValidMs = slot.effectiveMinValidMs(want.minValidMs);
      const wanted = (shared: SharedToken) =>
        shared.accessToken !== tokenBefore && usable(shared, minValidMs, context.now());
      const got = await teamCall(team.acquire(slot.definition, wanted));
      if (got !== unavailable && !('commit' in got)) {
        // Another member refreshed meanwhile: its token is ours too.
        adoptShared(context, slot, got);
        context.log('debug', `token '${slot.name}': another member of the team refreshed it`);
        slot.markSucceeded();
        return { ok: true };
      }
      if (got !== unavailable) lease = got;
    }
    if (team && teamDown !== undefined) await mayRefreshAlone(context, slot, team, want, teamDown);

    // Never the refresh token a failed refresh may have retired: only a sign-in helps (rotationMark.ts).
    await refuseIfMayHaveRotated(context, slot, store);
    // The last moment to find that the answer could not be kept: the refresh token is not spent yet.
    await checkBeforeSending(
      slot.name,
      {
        lockHeld: () => ownLock.isHeld(),
        ...(slot.definition.type === 'oauth2-refresh-token' && store.probe
          ? { store: () => store.probe?.() ?? Promise.resolve() }
          : {}),
      },
      { keptRefreshToken: slot.pending?.values.refresh_token !== undefined },
    );
    // Refreshes another process on this machine spent count too (we hold the token's lock here).
    await context.budget?.sync();
    const now = context.now();
    if (!slot.budget.canSpend(now)) {
      throw new TokenAgentError(
        codes.refreshBudgetExhausted,
        `Token '${slot.name}' was refreshed ${slot.budget.limit} times in the last hour; the next refresh is allowed at ${new Date(slot.budget.resetsAt(now)).toISOString()}.`,
      );
    }
    slot.budget.spend(now);
    // Saved before the request goes out: a process that dies during it has still spent the refresh.
    await context.budget?.spent();
    // Rotation first: the provider retired the presented refresh token when it answered, so the new
    // one is stored the moment it is read, before the rest of the answer is (and perhaps refused).
    let rotatedEarly: string | undefined;
    const onRotated = async (token: string) => {
      rotatedEarly = token;
      // With a team lease its commit stores it (the team first, then here); a refused answer below.
      if (!lease) await saveOrKeep(slot, store, 'refresh_token', token, context.now);
    };
    let obtained: Obtained;
    const attempt: FailedExchange = { posted: false, rotationKept: false };
    try {
      obtained = await obtainWithReuseCheck(context, slot, store, onRotated, attempt, team);
    } catch (error) {
      // No commit follows: this machine keeps the new refresh token, and the team's replica publishes
      // it with the next token (a local copy changed since the last exchange wins, replica.ts).
      if (lease && rotatedEarly !== undefined)
        await saveOrKeep(slot, store, 'refresh_token', rotatedEarly, context.now);
      // Sent and no readable answer: the provider may have rotated; said with the time, and from now
      // on a sign-in is asked for instead of presenting this refresh token again (rotationMark.ts).
      attempt.rotationKept = rotatedEarly !== undefined;
      throw await afterFailedExchange(context, slot, attempt, toCoded(error));
    }
    const held = accept(context, slot, obtained);
    if (lease) {
      // The lease persists the rotated refresh token: to the team, then to this machine's store.
      const result = await commitOrKeep(context, slot, lease, held, obtained.rotatedRefreshToken);
      if (result.outcome === 'superseded') {
        context.log('warn', `token '${slot.name}': a newer holder wrote first; taking the team's token`);
        if (result.latest) adoptShared(context, slot, result.latest);
        if (!usable(slot.current, slot.effectiveMinValidMs(want.minValidMs), context.now()))
          throw new TokenAgentError(codes.refreshFailed, `Token '${slot.name}' was superseded by the team.`);
        slot.markSucceeded();
        return { ok: true };
      }
    } else if (obtained.rotatedRefreshToken && obtained.rotatedRefreshToken !== rotatedEarly) {
      // Rotation (when the grant did not hand it over early): the new refresh token is stored before
      // anything else, so that a crash from here on leaves the store holding the only refresh token
      // the server still accepts. A store that refuses it does not lose it: the slot keeps it and the
      // engine writes it again later.
      await saveOrKeep(slot, store, 'refresh_token', obtained.rotatedRefreshToken, context.now);
    }
    await keepRefreshed(context, slot, store, held, obtained);
    return { ok: true };
  } catch (error) {
    // Redacted once here: the status, the log line and every caller joined to this refresh see it.
    return await recordFailure(context, slot, redactError(toCoded(error), context.redact));
  } finally {
    await lease?.release();
    await lock?.release().catch(() => undefined);
  }
}

/**
 * adoptStored, except that a store that cannot be read does not stop a refresh while the slot keeps
 * unsaved secrets: the kept refresh token is the newest there is, and refreshing with it is what keeps
 * the grant alive until the store takes it.
 */
async function adoptUnlessUnreadable(context: RefreshContext, slot: TokenSlot): Promise<boolean> {
  try {
    return await adoptStored(context, slot);
  } catch (error) {
    if (slot.pending?.values.refresh_token === undefined) throw error;
    context.log('debug', `token '${slot.name}': the store cannot be read; refreshing with the kept token`);
    return false;
  }
}

/**
 * The lease's commit, keeping the rotated refresh token in the slot when this machine's store refuses
 * it: the team may already hold it, but the provider has retired the stored one either way.
 */
async function commitOrKeep(
  context: RefreshContext,
  slot: TokenSlot,
  lease: TeamLease,
  held: HeldToken,
  rotated: string | undefined,
): Promise<Awaited<ReturnType<TeamLease['commit']>>> {
  try {
    return await lease.commit(shareable(held), rotated);
  } catch (error) {
    if (rotated === undefined) throw error;
    context.log(
      'warn',
      `token '${slot.name}': ${toCoded(error).code} while committing; keeping the new refresh token`,
    );
    await saveOrKeep(slot, context.store(), 'refresh_token', rotated, context.now);
    return { outcome: 'local' };
  }
}

/** Whether a token adopted from elsewhere answers the call, which then ends there. */
function reused(
  context: RefreshContext,
  slot: TokenSlot,
  want: RefreshWant,
  adopted: boolean,
  tokenBefore: string | undefined,
): boolean {
  if (!adopted || slot.current?.accessToken === tokenBefore) return false;
  if (!usable(slot.current, slot.effectiveMinValidMs(want.minValidMs), context.now())) return false;
  context.log('debug', `token '${slot.name}': another process refreshed it; reusing that token`);
  slot.markSucceeded();
  return true;
}

const unavailable = Symbol('unavailable');

/** The team's answer, or `unavailable` when it cannot be reached (the coordinator logs that). */
async function orUnavailable<T>(
  call: Promise<T>,
  because: (reason: string) => void,
): Promise<T | typeof unavailable> {
  try {
    return await call;
  } catch (error) {
    if (!(error instanceof TeamUnavailableError)) throw error;
    because(error.message);
    return unavailable;
  }
}

export function shareable(held: HeldToken): Omit<SharedToken, 'fence'> {
  return {
    accessToken: held.accessToken,
    ...(held.expiresAt !== undefined ? { expiresAt: held.expiresAt } : {}),
    ...(held.expiryAssumed ? { expiryAssumed: true } : {}),
    ...(held.issuedAt !== undefined ? { issuedAt: held.issuedAt } : {}),
  };
}

export function toCoded(error: unknown): TokenAgentError {
  if (isTokenAgentError(error)) return error;
  return new TokenAgentError(
    codes.refreshFailed,
    `Refresh failed: ${(error as Error)?.message ?? String(error)}`,
    { cause: error },
  );
}
