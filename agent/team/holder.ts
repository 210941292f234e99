// The holder's side of the team's refresh lock (redisCoordinator.ts): once the lock is ours, one
// more look at the team's token, the refresh tokens brought in line (replica.ts, outage.ts), and the
// lease's commit: the fenced write, then this machine's copy.
import type { TokenDefinition } from '../config/types';
import {
  type CommitResult,
  type SharedToken,
  type TeamLease,
  TeamUnavailableError,
} from '../engine/coordinator';
import type { LogLevel } from '../engine/refresh';
import { isLastWriter } from '../engine/refreshRight';
import type { SecretStore } from '../store/secretStore';
import type { TeamClient } from './connect';
import type { HealthTracker } from './health';
import type { Message } from './inbox';
import type { TokenKeys } from './keys';
import { RedisLease } from './lease';
import type { WriterBook } from './outage';
import type { Snapshot, TeamRecords } from './records';
import type { LocalReplica } from './replica';

export interface TeamHolderOptions {
  commands: TeamClient;
  records: TeamRecords;
  health: HealthTracker;
  book: WriterBook;
  replica: LocalReplica | undefined;
  /** This machine's secret store, which keeps a copy of the refresh token for when Redis is down. */
  store: SecretStore | undefined;
  lockTtlMs: number;
  /** How long a member waits for the team's refresh before giving up. */
  waitMs: number;
  now: () => number;
  log: (level: LogLevel, message: string) => void;
  /** The coordinator's read of the records, noting the team's fence as seen. */
  readSeen: (definition: TokenDefinition, keys: TokenKeys) => Promise<Snapshot>;
  /** The coordinator's copy of the team's refresh token into this machine's store. */
  mirror: (definition: TokenDefinition, keys: TokenKeys, snapshot: Snapshot) => Promise<void>;
}

export class TeamHolder {
  readonly #o: TeamHolderOptions;

  constructor(options: TeamHolderOptions) {
    this.#o = options;
  }

  /** The lock is ours: look once more, then bring the refresh tokens in line. */
  async take(
    definition: TokenDefinition,
    keys: TokenKeys,
    owner: string,
    fence: number,
    wanted: (token: SharedToken) => boolean,
  ): Promise<TeamLease | SharedToken> {
    const lease = new RedisLease({
      commit: (holder, token, rotated) => this.#commit(holder, token, rotated),
      wrote: (error) => this.#o.health.wrote(error),
      commands: this.#o.commands,
      keys,
      owner,
      fence,
      lockTtlMs: this.#o.lockTtlMs,
      log: this.#o.log,
      name: definition.name,
      ended: () => this.#o.book.ended(keys.state, fence),
    });
    try {
      // A holder may have finished between our last look and our lock.
      const snapshot = await this.#o.readSeen(definition, keys);
      if (snapshot.token && wanted(snapshot.token)) {
        await lease.release();
        await this.#o.mirror(definition, keys, snapshot);
        return snapshot.token;
      }
      if (this.#o.replica && definition.type === 'oauth2-refresh-token') {
        // Redis lost the team's refresh token (restarted empty, flushed): only the machine that
        // wrote it last may bring in its own; any other copy may be one the provider has retired.
        const lastWriter = isLastWriter(await this.#o.book.record(definition.name, keys.state, fence));
        if (snapshot.sealedRefresh === '' && !lastWriter)
          throw new TeamUnavailableError(
            `the team holds no refresh token for '${definition.name}' (Redis lost its data?) and another machine wrote the newest one: waiting for that machine to share it again`,
          );
        // After an outage the last writer may have refreshed alone: its word first (republish.ts).
        if (!lastWriter && this.#o.book.waitingForWriter(keys.state, snapshot.fence, this.#o.now()))
          throw new TeamUnavailableError(
            `Redis was out of reach, and the machine that wrote '${definition.name}' last has not yet shared what it may have refreshed meanwhile: waiting for it (${Math.round(this.#o.waitMs / 1000)} s at most)`,
          );
        lease.announce = lastWriter && this.#o.book.wasAway(keys.state);
        lease.publishRefreshToken = await this.#o.replica.reconcile(definition.name, {
          base: keys.state,
          fence: snapshot.fence,
          refreshToken:
            snapshot.sealedRefresh === ''
              ? undefined
              : this.#o.records.openRefresh(snapshot.sealedRefresh, keys),
        });
      }
      return lease;
    } catch (error) {
      await lease.release();
      throw error;
    }
  }

  /** A lease's commit: the fenced write, then this machine's copy. */
  async #commit(
    lease: RedisLease,
    token: Omit<SharedToken, 'fence'>,
    rotated: string | undefined,
  ): Promise<CommitResult> {
    const { keys, fence, name } = lease;
    const refreshToken = rotated ?? lease.publishRefreshToken;
    let accepted: number;
    try {
      const key = this.#o.records.requireKey();
      const shared: SharedToken = { ...token, fence };
      accepted = await this.#o.records.call(
        () =>
          this.#o.commands.teamCommit(
            keys.state,
            keys.access,
            String(fence),
            key.seal(JSON.stringify(shared), keys.access),
            this.#o.records.cacheTtlMs(token),
            refreshToken === undefined ? '' : key.seal(refreshToken, keys.state),
            keys.channel,
            JSON.stringify({ t: 'token', fence } satisfies Message),
          ),
        'write',
      );
    } catch (error) {
      if (!(error instanceof TeamUnavailableError)) throw error;
      // The team is out of reach: this machine keeps the live refresh token, and publishes it with
      // its next refresh once the team is back (replica.ts tells the newer copy).
      if (rotated !== undefined) {
        await this.#o.store?.set(name, 'refresh_token', rotated);
        // This machine alone holds the refresh token that lease obtained: the newest.
        await this.#o.book.wrote(name, keys.state, fence);
      }
      return { outcome: 'local' };
    }
    if (accepted !== 1) {
      const latest = await this.#o.records.read(keys).then(
        (snapshot) => snapshot.token,
        () => undefined,
      );
      if (latest) await this.#o.book.saw(name, keys.state, latest.fence);
      return { outcome: 'superseded', latest };
    }
    if (rotated !== undefined) await this.#o.store?.set(name, 'refresh_token', rotated);
    await this.#o.book.wrote(name, keys.state, fence);
    await this.#o.replica?.committed(name, keys.state, fence, refreshToken);
    return { outcome: 'committed' };
  }
}
