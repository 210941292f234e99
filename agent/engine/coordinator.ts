// The seam between the token engine and team mode (agent/team/, docs/team-mode.md). The engine knows
// only this interface, never Redis: with a coordinator, its refresh path first looks for the team's
// token, then takes the team's refresh lock (or receives the token a member just published), and
// hands its new token to the team before anyone else sees it. Every method may throw
// TeamUnavailableError; the engine then carries on alone, with its machine-local lock, as if there
// were no team.

import type { TokenDefinition } from '../config/types';
import type { TeamHealth } from '../protocol';
import type { WriterRecord } from './refreshRight';

export type { TeamHealth };

/** An access token as the team shares it. Times are Unix milliseconds on the writer's clock. */
export interface SharedToken {
  accessToken: string;
  expiresAt?: number;
  /** `expiresAt` is an assumed lifetime: the provider did not say (expiry.ts). */
  expiryAssumed?: boolean;
  issuedAt?: number;
  /** The fencing number of the lease that wrote it: larger is newer. */
  fence: number;
}

export type CommitResult =
  /** The team has our token, and this machine's store has the rotated refresh token. */
  | { outcome: 'committed' }
  /**
   * Our fence is older than the one stored: a newer holder wrote while we were paused. Our token is
   * dropped, and so is our rotated refresh token (the team's is the live one); `latest` is the team's.
   */
  | { outcome: 'superseded'; latest: SharedToken | undefined }
  /** The team could not be reached; the rotated refresh token is in this machine's store only. */
  | { outcome: 'local' };

export interface TeamLease {
  readonly fence: number;
  /**
   * This machine's copy is to be shared, even without a refresh (republish.ts): its refresh token is
   * newer than the team's, the team has none (Redis came back empty), or it wrote last and Redis was
   * away since (the others wait for its word before refreshing from the team's state).
   */
  readonly newerHere?: boolean;
  /**
   * Publishes a new token with this lease's fence: to the team first (the rotated refresh token
   * encrypted), then the rotated refresh token into this machine's store, so that a crash at any
   * point leaves the live refresh token somewhere. Never throws for the team being unreachable.
   */
  commit(token: Omit<SharedToken, 'fence'>, rotatedRefreshToken: string | undefined): Promise<CommitResult>;
  /** Releases the team lock if it is still ours. Idempotent; never throws. */
  release(): Promise<void>;
}

export interface RefreshCoordinator {
  health(): TeamHealth;
  /** Calls `listener` whenever health() changes (the status shows it); returns the unsubscribe. */
  onHealthChange?(listener: () => void): () => void;
  /** Whether tokens of this definition are shared (OAuth 2 grants are; commands and pasted tokens are not). */
  shares(definition: TokenDefinition): boolean;
  /**
   * The team's current token, if it has one. Call it holding the machine-local lock: when the team
   * has moved on, it also brings this machine's store up to date, so that a later refresh without
   * the team starts from the live refresh token.
   */
  latest(definition: TokenDefinition): Promise<SharedToken | undefined>;
  /**
   * Takes the team's refresh lock, or returns a token that answers the call (`wanted`): one the
   * holder published while we waited, or one that arrived between our last look and our lock.
   * Before returning a lease it puts the team's refresh token into this machine's store, unless the
   * local one changed since the last exchange (a sign-in, or a refresh while Redis was down): then
   * the local one wins and is published with the new token. Call it holding the machine-local lock.
   * Throws ERR_LOCK_TIMEOUT when the holder neither publishes nor lets go in time.
   */
  acquire(
    definition: TokenDefinition,
    wanted: (token: SharedToken) => boolean,
  ): Promise<TeamLease | SharedToken>;
  /**
   * What this machine knows of who wrote the token's newest refresh token (refreshRight.ts), read
   * without the team: undefined when it never exchanged this token with the team.
   */
  writer?(definition: TokenDefinition): Promise<WriterRecord | undefined>;
  /** Whether a member reported this refresh token refused by the provider (as of the last read). */
  refused?(definition: TokenDefinition, refreshToken: string): boolean;
  /** Reports this refresh token refused by the provider (invalid_grant), for the other members. */
  refusedHere?(definition: TokenDefinition, refreshToken: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Thrown by a coordinator that cannot reach the team (or may not use what it holds); the engine then
 * refreshes alone only where refreshRight.ts allows it. The message says why, for the user.
 */
export class TeamUnavailableError extends Error {
  override readonly name = 'TeamUnavailableError';
}
