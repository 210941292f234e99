// Taking a token from elsewhere instead of refreshing: the store (another process on this machine
// refreshed, or a sign-in stored one) or the team (another machine refreshed). A token is taken only
// when it is not the one held and lives at least as long.

import { describeAccessToken, type JwtInfoCache } from '../base/jwtInfo';
import type { SharedToken } from './coordinator';
import type { RefreshContext } from './engineTypes';
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
  return adoptIfNewer(context, slot, stored);
}

/** Takes the team's token when it is not the one held and lives at least as long. */
export function adoptShared(context: AdoptContext, slot: TokenSlot, shared: SharedToken): boolean {
  return adoptIfNewer(context, slot, shared);
}

function adoptIfNewer(
  context: AdoptContext,
  slot: TokenSlot,
  candidate: { accessToken: string; expiresAt?: number; issuedAt?: number },
): boolean {
  if (candidate.accessToken === slot.current?.accessToken) return false;
  if ((candidate.expiresAt ?? Number.POSITIVE_INFINITY) < (slot.current?.expiresAt ?? 0)) return false;
  slot.current = holdToken(
    candidate.accessToken,
    {
      ...(candidate.expiresAt !== undefined ? { expiresAt: candidate.expiresAt } : {}),
      ...(candidate.issuedAt !== undefined ? { issuedAt: candidate.issuedAt } : {}),
    },
    context.now(),
    context.jwtInfo,
  );
  return true;
}

export function holdToken(
  accessToken: string,
  known: { expiresAt?: number; issuedAt?: number },
  now: number,
  jwtInfo?: JwtInfoCache,
): HeldToken {
  const description = describeAccessToken(accessToken, {
    nowMs: now,
    ...(jwtInfo ? { readJwt: jwtInfo.read } : {}),
  });
  const expiresAt = known.expiresAt ?? description.expiresAtMs;
  const issuedAt = known.issuedAt ?? description.jwt?.issuedAtMs;
  return {
    accessToken,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(issuedAt !== undefined ? { issuedAt } : {}),
    ...(description.jwt ? { jwt: description.jwt } : {}),
  };
}
