// The exchange at the heart of a refresh (refresh.ts): the request to the provider, retried once when
// another process rotated the refresh token meanwhile, and its answer turned into the held token
// (clock skew, expiry, the JWT's claims). The caller holds the token's lock and decides what to keep.
import { describeAccessToken } from '../base/jwtInfo';
import type { SecretStore } from '../store/secretStore';
import type { RefreshCoordinator } from './coordinator';
import type { RefreshContext } from './engineTypes';
import { expiryOf } from './expiry';
import { GrantError } from './grants';
import { type Obtained, obtainToken } from './obtain';
import { noteRejected, refuseRejected } from './refreshGuards';
import { type FailedExchange, refuseIfMayHaveRotated } from './rotationMark';
import { estimateSkewMs } from './skew';
import type { HeldToken, TokenSlot } from './tokenSlot';

/**
 * `invalid_grant` may only mean that another process rotated the refresh token between our read
 * and our request: if the store now holds a different one, try once more with it.
 */
export async function obtainWithReuseCheck(
  context: RefreshContext,
  slot: TokenSlot,
  store: SecretStore,
  onRotated: (refreshToken: string) => Promise<void>,
  attempt: FailedExchange,
  team: RefreshCoordinator | undefined,
): Promise<Obtained> {
  const send = context.fetch ?? fetch;
  // Tells a request the provider saw from one that never left (rotationRisk.ts): the token request is
  // the only POST; discovery and key sets are GETs.
  const tracked: typeof fetch = (input, init) => {
    if (!attempt.posted && init?.method?.toUpperCase() === 'POST') {
      attempt.posted = true;
      attempt.postedAt = context.now();
    }
    return send(input, init);
  };
  const obtainContext = {
    store,
    onRotated,
    discovered: context.discovered,
    grant: { timeoutMs: context.grantTimeoutMs, now: context.now, fetch: tracked },
  };
  // A kept (unsaved) refresh token is the live one: the stored one was retired when it was issued.
  const kept = slot.pending?.values.refresh_token;
  const usedRefreshToken =
    slot.definition.type === 'oauth2-refresh-token'
      ? (kept ?? (await store.get(slot.name, 'refresh_token')))
      : undefined;
  if (usedRefreshToken !== undefined) attempt.presented = usedRefreshToken;
  const rejected = async (error: unknown, refreshToken: string | undefined) => {
    if (refreshToken !== undefined && isInvalidGrant(error)) await noteRejected(context, slot, refreshToken);
    return error;
  };
  try {
    return await obtainToken(
      slot.definition,
      usedRefreshToken ? { ...obtainContext, refreshToken: usedRefreshToken } : obtainContext,
    );
  } catch (error) {
    if (!isInvalidGrant(error)) throw error;
    // Never fall back from a kept token to the older stored one: that is the reuse that revokes a grant.
    if (kept !== undefined) throw await rejected(error, kept);
    const latest = await store.get(slot.name, 'refresh_token');
    if (latest === undefined || latest === usedRefreshToken) throw await rejected(error, usedRefreshToken);
    // The newer token passes the same guards as the first: it may be one the provider already refused,
    // or one whose refresh was lost in flight elsewhere (sending it again would be the reuse).
    await refuseRejected(slot, store, team, context.now());
    await refuseIfMayHaveRotated(context, slot, store);
    context.log(
      'info',
      `token '${slot.name}': refresh token was rotated elsewhere; retrying once with the new one`,
    );
    Object.assign(attempt, { posted: false, presented: latest });
    return obtainToken(slot.definition, { ...obtainContext, refreshToken: latest }).catch(
      async (again: unknown) => {
        throw await rejected(again, latest);
      },
    );
  }
}

function isInvalidGrant(error: unknown): boolean {
  return error instanceof GrantError && error.details.oauthError === 'invalid_grant';
}

export function accept(context: RefreshContext, slot: TokenSlot, obtained: Obtained): HeldToken {
  // Decoded once, through the cache, for both the skew estimate and the expiry.
  const jwtIat = context.jwtInfo.read(obtained.accessToken)?.issuedAtMs;
  slot.skewMs = estimateSkewMs({
    ...(obtained.dateHeader ? { dateHeader: obtained.dateHeader } : {}),
    ...(jwtIat !== undefined ? { issuedAtSeconds: jwtIat / 1000 } : {}),
    requestStartMs: obtained.requestStartedAt,
    requestEndMs: obtained.responseReceivedAt,
  });
  const description = describeAccessToken(obtained.accessToken, {
    nowMs: obtained.requestStartedAt,
    skewMs: slot.skewMs,
    readJwt: context.jwtInfo.read,
    ...(obtained.expiresInSeconds !== undefined ? { expiresInSeconds: obtained.expiresInSeconds } : {}),
  });
  const { expiresAt, expiryAssumed, expiryUnknown } = expiryOf(
    slot.definition,
    description.expiresAtMs,
    obtained.requestStartedAt,
  );
  const issuedAt =
    description.jwt?.issuedAtMs !== undefined
      ? description.jwt.issuedAtMs - slot.skewMs
      : obtained.requestStartedAt;
  return {
    accessToken: obtained.accessToken,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(expiryAssumed ? { expiryAssumed } : {}),
    ...(expiryUnknown ? { expiryUnknown } : {}),
    issuedAt,
    ...(description.jwt ? { jwt: description.jwt } : {}),
  };
}
