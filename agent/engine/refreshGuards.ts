// Two refusals made before a refresh spends anything (#16 item 5):
// - a shared token while the team is unreachable: only the machine that wrote the newest refresh
//   token may refresh (refreshRight.ts); the others say so with ERR_TEAM_UNAVAILABLE;
// - a refresh token the provider already refused (invalid_grant): sending it again cannot work and
//   would spend the refresh budget, so every later call says "sign in again" instead.
import { createHash } from 'node:crypto';
import { codes, TokenAgentError } from '../base/errors';
import type { SecretStore } from '../store/secretStore';
import type { RefreshCoordinator } from './coordinator';
import type { RefreshContext } from './engineTypes';
import { refreshRight } from './refreshRight';
import type { TokenSlot } from './tokenSlot';

/** Failures said once while they repeat: the log and the audit log do not get one line per request. */
export const quietWhenRepeated: ReadonlySet<string> = new Set([codes.teamUnavailable, codes.needsSignIn]);

/** Throws ERR_TEAM_UNAVAILABLE unless refreshRight allows a refresh without the team. */
export async function mayRefreshAlone(
  context: RefreshContext,
  slot: TokenSlot,
  team: RefreshCoordinator,
  want: { minValidMs: number },
  teamDown: string,
): Promise<void> {
  const now = context.now();
  const right = refreshRight({
    team: 'down',
    spendsRefreshToken: slot.definition.type === 'oauth2-refresh-token',
    writer: team.writer ? await team.writer(slot.definition) : undefined,
    held: slot.current,
    minValidMs: slot.effectiveMinValidMs(want.minValidMs),
    now,
  });
  if (right.action === 'refresh') {
    context.log('debug', `token '${slot.name}': refreshing without the team (this machine wrote last)`);
    return;
  }
  const held =
    right.action === 'serve-held'
      ? `The held token stays in use${right.until === undefined ? '' : ` until ${new Date(right.until).toISOString()}`}.`
      : 'No valid token is held.';
  throw new TokenAgentError(
    codes.teamUnavailable,
    `Token '${slot.name}' cannot be refreshed on this machine: ${teamDown}. Another machine wrote the team's newest refresh token, and refreshing with this machine's copy could get the grant revoked. ${held} Fix: bring Redis back (the agent rejoins by itself), or use the machine that refreshed last.`,
  );
}

function digestOf(refreshToken: string): string {
  return createHash('sha256').update(refreshToken).digest('hex');
}

/** The provider refused this refresh token (invalid_grant): remembered here, and told the team. */
export async function noteRejected(
  context: RefreshContext,
  slot: TokenSlot,
  refreshToken: string,
): Promise<void> {
  slot.rejected = { digest: digestOf(refreshToken), at: context.now() };
  const team = context.coordinator;
  if (!team?.shares(slot.definition) || !team.refusedHere) return;
  try {
    await team.refusedHere(slot.definition, refreshToken);
  } catch {
    // The team is out of reach: each member then learns it from the provider, once.
  }
}

/**
 * Throws ERR_NEEDS_SIGN_IN, without a request, when the refresh token at hand is the one the provider
 * refused: only a new one (a sign-in, `secret set`, the team's) can work.
 */
export async function refuseRejected(
  slot: TokenSlot,
  store: SecretStore,
  team: RefreshCoordinator | undefined,
  now: number,
): Promise<void> {
  if (slot.definition.type !== 'oauth2-refresh-token') return;
  if (slot.rejected === undefined && !team?.refused) return;
  const current = slot.pending?.values.refresh_token ?? (await store.get(slot.name, 'refresh_token'));
  if (current === undefined) return;
  // Another member of the team was refused this very refresh token (the team shares it).
  if (slot.rejected?.digest !== digestOf(current) && team?.refused?.(slot.definition, current))
    slot.rejected = { digest: digestOf(current), at: now };
  const rejected = slot.rejected;
  if (rejected === undefined || digestOf(current) !== rejected.digest) return;
  throw new TokenAgentError(
    codes.needsSignIn,
    `Token '${slot.name}': the provider refused its refresh token (invalid_grant) at ${new Date(rejected.at).toISOString()}; it is not sent again. Sign in again (\`token-agent login ${slot.name}\`, or the editor's Sign In).`,
  );
}
