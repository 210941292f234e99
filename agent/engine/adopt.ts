// Taking a token from elsewhere instead of refreshing: the store (another process on this machine
// refreshed, or a sign-in stored one) or the team (another machine refreshed). A token is taken only
// when it is not the one held and lives at least as long.

import { describeAccessToken, type JwtInfoCache } from '../base/jwtInfo';
import type { SharedToken } from './coordinator';
import type { RefreshContext } from './engineTypes';
import { assumedLifetimeMs } from './expiry';
import type { HeldToken, StoredAccessToken, TokenSlot } from './tokenSlot';

type AdoptContext = Pick<RefreshContext, 'store' | 'now' | 'jwtInfo' | 'log'>;

/** Takes the stored token when it is not the one held and lives at least as long. */
export async function adoptStored(context: AdoptContext, slot: TokenSlot): Promise<boolean> {
  const store = context.store();
  if (slot.definition.type === 'static') {
    const token = await store.get(slot.name, 'static_token');
    if (!token || token === slot.current?.accessToken) return false;
    slot.current = holdToken(token, {}, context.now(), context.jwtInfo);
    return true;
  }
  const raw = await store.get(slot.name, 'access_token');
  if (!raw) return false;
  let stored: StoredAccessToken;
  try {
    stored = JSON.parse(raw) as StoredAccessToken;
  } catch {
    context.log('warn', `token '${slot.name}': the stored access token is unreadable; it will be replaced`);
    return false;
  }
  if (typeof stored.accessToken !== 'string') return false;
  // Obtained under a grant this name no longer has (its definition changed): not a token of this one.
  if (slot.ignoreStoredBefore !== undefined && !(stored.obtainedAt > slot.ignoreStoredBefore)) return false;
  // Stored without an expiry (by an agent from before expiry.ts): assumed from when it was obtained.
  const lifetime = assumedLifetimeMs(slot.definition);
  const assumed =
    lifetime !== undefined && typeof stored.obtainedAt === 'number'
      ? { expiresAt: stored.obtainedAt + lifetime, issuedAt: stored.obtainedAt }
      : undefined;
  // A command token stored without any expiry is one nothing dated (or one from before expiry.ts
  // gave command tokens five assumed minutes): either way, unknown.
  const unknown =
    slot.definition.type === 'command' && assumed === undefined && stored.expiresAt === undefined;
  return adoptIfNewer(context, slot, unknown ? { ...stored, expiryUnknown: true } : stored, assumed);
}

/** Takes the team's token when it is not the one held and lives at least as long. */
export function adoptShared(context: AdoptContext, slot: TokenSlot, shared: SharedToken): boolean {
  return adoptIfNewer(context, slot, shared);
}

function adoptIfNewer(
  context: AdoptContext,
  slot: TokenSlot,
  candidate: {
    accessToken: string;
    expiresAt?: number;
    expiryAssumed?: boolean;
    expiryUnknown?: boolean;
    issuedAt?: number;
  },
  assumed?: Assumed,
): boolean {
  if (candidate.accessToken === slot.current?.accessToken) return false;
  const held = holdToken(
    candidate.accessToken,
    {
      ...(candidate.expiresAt !== undefined ? { expiresAt: candidate.expiresAt } : {}),
      ...(candidate.expiryAssumed ? { expiryAssumed: true } : {}),
      ...(candidate.expiryUnknown ? { expiryUnknown: true } : {}),
      ...(candidate.issuedAt !== undefined ? { issuedAt: candidate.issuedAt } : {}),
    },
    context.now(),
    context.jwtInfo,
    assumed,
  );
  if ((held.expiresAt ?? Number.POSITIVE_INFINITY) < (slot.current?.expiresAt ?? 0)) return false;
  slot.current = held;
  return true;
}

/** The expiry to assume when neither the record nor the token says (expiry.ts). */
type Assumed = { expiresAt: number; issuedAt: number };

export function holdToken(
  accessToken: string,
  known: { expiresAt?: number; expiryAssumed?: boolean; expiryUnknown?: boolean; issuedAt?: number },
  now: number,
  jwtInfo?: JwtInfoCache,
  assumed?: Assumed,
): HeldToken {
  const description = describeAccessToken(accessToken, {
    nowMs: now,
    ...(jwtInfo ? { readJwt: jwtInfo.read } : {}),
  });
  const told = known.expiresAt ?? description.expiresAtMs;
  const expiresAt = told ?? assumed?.expiresAt;
  const expiryAssumed =
    told === undefined ? assumed !== undefined : known.expiresAt !== undefined && known.expiryAssumed;
  const issuedAt =
    known.issuedAt ?? description.jwt?.issuedAtMs ?? (expiryAssumed ? assumed?.issuedAt : undefined);
  // Unknown stays unknown only while nothing dates it: a JWT `exp` read here does.
  const expiryUnknown = expiresAt === undefined && known.expiryUnknown === true;
  return {
    accessToken,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(expiryAssumed ? { expiryAssumed: true } : {}),
    ...(expiryUnknown ? { expiryUnknown: true } : {}),
    ...(issuedAt !== undefined ? { issuedAt } : {}),
    ...(description.jwt ? { jwt: description.jwt } : {}),
  };
}
