// What the end of a refresh leaves behind (refresh.ts): on success the new access token in the store
// and the slot, the rotation mark cleared, an audit entry and a log line; on failure the coded error in
// the slot, said once when it repeats, and an audit entry.
import { codes, type TokenAgentError } from '../base/errors';
import { appendAudit } from '../store/auditLog';
import type { SecretStore } from '../store/secretStore';
import type { RefreshContext } from './engineTypes';
import type { Obtained } from './obtain';
import { saveOrKeep } from './pendingSave';
import { quietWhenRepeated } from './refreshGuards';
import { clearMark, MayHaveRotatedError } from './rotationMark';
import type { HeldToken, RefreshOutcome, StoredAccessToken, TokenSlot } from './tokenSlot';

/** Keeps what a refresh obtained, its rotated refresh token already persisted. */
export async function keepRefreshed(
  context: RefreshContext,
  slot: TokenSlot,
  store: SecretStore,
  held: HeldToken,
  obtained: Obtained,
): Promise<void> {
  if (slot.definition.type !== 'static') {
    const stored: StoredAccessToken = {
      accessToken: held.accessToken,
      obtainedAt: obtained.responseReceivedAt,
      ...(held.expiresAt !== undefined ? { expiresAt: held.expiresAt } : {}),
      ...(held.expiryAssumed ? { expiryAssumed: true } : {}),
      ...(held.expiryUnknown ? { expiryUnknown: true } : {}),
      ...(held.issuedAt !== undefined ? { issuedAt: held.issuedAt } : {}),
    };
    await saveOrKeep(slot, store, 'access_token', JSON.stringify(stored), context.now);
  }
  slot.current = held;
  slot.lastRefreshAt = obtained.responseReceivedAt;
  slot.markSucceeded();
  await clearMark(context.dataDir, slot.name);
  await audit(context, {
    token: slot.name,
    outcome: 'refreshed',
    ...(held.jwt?.jti ? { jti: held.jwt.jti } : {}),
    ...(held.expiresAt !== undefined ? { exp: Math.floor(held.expiresAt / 1000) } : {}),
    // The timeline's clock-skew warning: the drift is only known at the refresh that measured it.
    ...(slot.skewMs !== 0 ? { skewMs: Math.round(slot.skewMs) } : {}),
  });
  context.log(
    'info',
    `token '${slot.name}' refreshed; expires ${held.expiresAt ? new Date(held.expiresAt).toISOString() : held.expiryUnknown ? 'at an unknown time (the command did not say)' : 'never'}${held.expiryAssumed ? ' (assumed: the provider did not say)' : ''}`,
  );
}

/** Records a failed refresh, its error coded and redacted by the caller. */
export async function recordFailure(
  context: RefreshContext,
  slot: TokenSlot,
  coded: TokenAgentError,
): Promise<RefreshOutcome> {
  // The same refusal again (every request of a load while the team is away, or the grant is
  // revoked) is said once, not once per request.
  const repeated = slot.lastError?.code === coded.code && quietWhenRepeated.has(coded.code);
  slot.lastError = coded;
  slot.failures += 1;
  if (coded.code === codes.needsSignIn) slot.needsSignIn = true;
  context.log(
    repeated ? 'debug' : 'warn',
    `token '${slot.name}': refresh failed: ${coded.code}: ${coded.message}`,
  );
  const rotated = coded instanceof MayHaveRotatedError && coded.fresh;
  if (!repeated || rotated)
    await audit(context, {
      token: slot.name,
      outcome: rotated ? 'may-have-rotated' : slot.needsSignIn ? 'needs-sign-in' : 'failed',
      error: coded.code,
      ...(rotated ? { sentAt: new Date(coded.at).toISOString() } : {}),
    });
  return { ok: false, error: coded };
}

async function audit(context: RefreshContext, entry: Parameters<typeof appendAudit>[1]): Promise<void> {
  try {
    await appendAudit(context.dataDir, entry);
  } catch (error) {
    context.log('warn', `could not write the audit log: ${(error as Error).message}`);
  }
}
