// Team mode over Redis (docs/team-mode.md): the engine's RefreshCoordinator (engine/coordinator.ts)
// for agents on many machines that share one token. Per token:
// - the access token is cached, sealed, with a time-to-live a little shorter than its life;
// - one member refreshes at a time: `SET lock owner NX PX ttl` with a random owner, released by
//   compare-and-delete, and extended by the holder while its refresh runs; the lock outlives the
//   token endpoint's timeout;
// - every lock comes with a fence (INCR), and a write whose fence is not newer than the last accepted
//   one is refused, so a holder paused past its lock cannot overwrite a newer token;
// - waiters learn of the new token through pub/sub, and take the lock themselves when it expires;
// - the rotating refresh token is shared too, sealed with AES-256-GCM (seal.ts).
// Any Redis failure makes the operation throw TeamUnavailableError, the health says "degraded", and
// ioredis keeps reconnecting. The engine then refreshes with its machine-local lock alone only if
// this machine wrote the team's newest refresh token (outage.ts, engine/refreshRight.ts).
// Health follows the last write, not the last read (health.ts).
import { randomUUID } from 'node:crypto';
import { codes, TokenAgentError } from '../base/errors';
import type { RedisConfig, TokenDefinition } from '../config/types';
import type { RefreshCoordinator, SharedToken, TeamHealth, TeamLease } from '../engine/coordinator';
import type { LogLevel } from '../engine/refresh';
import type { WriterRecord } from '../engine/refreshRight';
import type { SecretStore } from '../store/secretStore';
import { connectTeam, type TeamClient, type TeamConnection } from './connect';
import { HealthTracker } from './health';
import { TeamHolder } from './holder';
import { Inboxes, type Message } from './inbox';
import { defaultPrefix, type TokenKeys, tokenKeys } from './keys';
import { WriterBook } from './outage';
import { type Snapshot, TeamRecords } from './records';
import { LocalReplica } from './replica';
import type { TeamKey } from './seal';

export interface RedisCoordinatorOptions {
  config: RedisConfig;
  /** The team key, or why there is none (team mode then stays degraded, and says why). */
  key: TeamKey | { problem: string };
  /** This machine's secret store, which keeps a copy of the refresh token for when Redis is down. */
  store: SecretStore | undefined;
  dataDir: string;
  /** The engine's token-endpoint timeout: the lock must outlive it. */
  grantTimeoutMs: number;
  log?: (level: LogLevel, message: string) => void;
  now?: () => number;
  /** Tests shorten the lock; by default the token-endpoint timeout plus 5 s. */
  lockTtlMs?: number;
  /** How long a call waits for the first connection before working alone. */
  connectTimeoutMs?: number;
  /** A connection to use instead of one made from `config` (tests). */
  connection?: TeamConnection;
}

export class RedisCoordinator implements RefreshCoordinator {
  readonly #commands: TeamClient;
  readonly #subscriber: TeamConnection['subscriber'];
  readonly #prefix: string;
  readonly #key: TeamKey | undefined;
  readonly #keyProblem: string | undefined;
  readonly #store: SecretStore | undefined;
  readonly #replica: LocalReplica | undefined;
  readonly #book: WriterBook;
  /** Per token (state key): the refused refresh token's digest as last read, '' if none. */
  readonly #refused = new Map<string, string>();
  readonly #lockTtlMs: number;
  readonly #waitMs: number;
  readonly #now: () => number;
  readonly #log: (level: LogLevel, message: string) => void;
  readonly #inboxes = new Inboxes();
  readonly #records: TeamRecords;
  readonly #holder: TeamHolder;
  readonly #health: HealthTracker;
  #closed = false;

  constructor(options: RedisCoordinatorOptions) {
    const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
    const connection = options.connection ?? connectTeam(options.config, { connectTimeoutMs });
    this.#commands = connection.commands;
    this.#subscriber = connection.subscriber;
    this.#prefix = (typeof options.config === 'object' && options.config.prefix) || defaultPrefix;
    if ('problem' in options.key) this.#keyProblem = options.key.problem;
    else this.#key = options.key;
    this.#store = options.store;
    this.#replica =
      this.#key && options.store
        ? new LocalReplica({ dataDir: options.dataDir, store: options.store, key: this.#key })
        : undefined;
    this.#book = new WriterBook(options.dataDir);
    this.#lockTtlMs = options.lockTtlMs ?? options.grantTimeoutMs + 5_000;
    this.#waitMs = this.#lockTtlMs + options.grantTimeoutMs;
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? (() => undefined);
    this.#health = new HealthTracker({
      commands: this.#commands,
      describe: connection.describe,
      prefix: this.#prefix,
      keyProblem: this.#keyProblem,
      log: this.#log,
    });

    this.#records = new TeamRecords({
      commands: this.#commands,
      key: this.#key,
      keyProblem: this.#keyProblem,
      health: this.#health,
      connectTimeoutMs,
      closed: () => this.#closed,
      now: this.#now,
      log: this.#log,
    });
    this.#holder = new TeamHolder({
      commands: this.#commands,
      records: this.#records,
      health: this.#health,
      book: this.#book,
      replica: this.#replica,
      store: this.#store,
      lockTtlMs: this.#lockTtlMs,
      waitMs: this.#waitMs,
      now: this.#now,
      log: this.#log,
      readSeen: (definition, keys) => this.#readSeen(definition, keys),
      mirror: (definition, keys, snapshot) => this.#mirror(definition, keys, snapshot),
    });
    // ioredis emits connection errors as events; without a listener they would crash the process.
    this.#health.onChange(() => {
      if (this.#health.problem() !== undefined) this.#book.away();
      else this.#book.back(this.#now() + this.#waitMs);
    });
    this.#commands.on('error', (error: Error) => this.#health.connectionError(error));
    this.#commands.on('ready', () => this.#health.connected());
    this.#commands.on('close', () => {
      this.#health.report();
      // Waiters stop waiting for a message that may never come, and fall back at once.
      this.#inboxes.pushAll({ t: 'down' });
    });
    this.#subscriber.on('error', () => undefined);
    this.#subscriber.on('ready', () => {
      this.#subscriber.psubscribe(`${this.#prefix}:*:events`).catch(() => undefined);
    });
    this.#subscriber.on('pmessage', (_pattern: string, channel: string, text: string) =>
      this.#deliver(channel, text),
    );
  }

  onHealthChange(listener: () => void): () => void {
    return this.#health.onChange(listener);
  }

  health(): TeamHealth {
    return this.#health.health();
  }

  shares(definition: TokenDefinition): boolean {
    return definition.type === 'oauth2-refresh-token' || definition.type === 'oauth2-client-credentials';
  }

  async latest(definition: TokenDefinition): Promise<SharedToken | undefined> {
    const keys = this.#keys(definition);
    const snapshot = await this.#readSeen(definition, keys);
    await this.#mirror(definition, keys, snapshot);
    return snapshot.token;
  }

  /** Whether a member told the team that the provider refused this refresh token (last read). */
  refused(definition: TokenDefinition, refreshToken: string): boolean {
    const digest = this.#refused.get(this.#keys(definition).state);
    return !!digest && !!this.#key && digest === this.#key.digest(refreshToken);
  }

  /** Tells the team the provider refused this refresh token: the others will not send it again. */
  async refusedHere(definition: TokenDefinition, refreshToken: string): Promise<void> {
    const keys = this.#keys(definition);
    const digest = this.#records.requireKey().digest(refreshToken);
    await this.#records.call(() => this.#commands.hset(keys.state, 'refused', digest), 'write');
    this.#refused.set(keys.state, digest);
  }

  /** What this machine knows of who wrote the token last; needs no Redis (outage.ts). */
  writer(definition: TokenDefinition): Promise<WriterRecord | undefined> {
    return this.#book.record(definition.name, this.#keys(definition).state);
  }

  async acquire(
    definition: TokenDefinition,
    wanted: (token: SharedToken) => boolean,
  ): Promise<TeamLease | SharedToken> {
    const keys = this.#keys(definition);
    const owner = randomUUID();
    const deadline = this.#now() + this.#waitMs;
    const inbox = this.#inboxes.listen(keys.channel);
    try {
      for (;;) {
        const answer = await this.#records.call(
          () => this.#commands.teamAcquire(keys.lock, keys.counter, owner, this.#lockTtlMs, keys.channel),
          'write',
        );
        if (answer > 0) return await this.#holder.take(definition, keys, owner, answer, wanted);
        const left = deadline - this.#now();
        if (left <= 0) {
          throw new TokenAgentError(
            codes.lockTimeout,
            `Timed out after ${this.#waitMs} ms waiting for the team's refresh of '${definition.name}'.`,
          );
        }
        // Wait for the holder's news, or for its lock to expire (then take it), whichever is first.
        const message = await inbox.next(Math.min(-answer + 5, left));
        if (message?.t === 'token') {
          const snapshot = await this.#readSeen(definition, keys);
          if (snapshot.token && wanted(snapshot.token)) {
            await this.#mirror(definition, keys, snapshot);
            return snapshot.token;
          }
        }
      }
    } finally {
      inbox.close();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#health.close();
    this.#subscriber.disconnect();
    this.#commands.disconnect();
  }

  /**
   * Whenever this machine takes the team's token, its store takes the team's refresh token too (when
   * the team moved on), so that a refresh while Redis is down starts from the live one.
   */
  async #mirror(definition: TokenDefinition, keys: TokenKeys, snapshot: Snapshot): Promise<void> {
    const replica = this.#replica;
    if (
      replica &&
      definition.type === 'oauth2-refresh-token' &&
      snapshot.sealedRefresh !== '' &&
      (await replica.behind(definition.name, keys.state, snapshot.fence))
    ) {
      await replica.mirror(definition.name, {
        base: keys.state,
        fence: snapshot.fence,
        refreshToken: this.#records.openRefresh(snapshot.sealedRefresh, keys),
      });
    }
  }

  /** #read, noting the team's fence as seen (outage.ts). Call holding the machine-local lock. */
  async #readSeen(definition: TokenDefinition, keys: TokenKeys): Promise<Snapshot> {
    const snapshot = await this.#records.read(keys);
    this.#refused.set(keys.state, snapshot.refused);
    if (snapshot.fence > 0) await this.#book.saw(definition.name, keys.state, snapshot.fence);
    return snapshot;
  }

  #keys(definition: TokenDefinition): TokenKeys {
    return tokenKeys(this.#prefix, definition);
  }

  #deliver(channel: string, text: string): void {
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      return;
    }
    this.#book.observe(channel.replace(/:events$/, ':state'), message);
    this.#inboxes.deliver(channel, message);
  }
}
