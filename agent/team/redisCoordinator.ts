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
import {
  type CommitResult,
  type RefreshCoordinator,
  type SharedToken,
  type TeamHealth,
  type TeamLease,
  TeamUnavailableError,
} from '../engine/coordinator';
import type { LogLevel } from '../engine/refresh';
import { isLastWriter, type WriterRecord } from '../engine/refreshRight';
import type { SecretStore } from '../store/secretStore';
import { connectTeam, type TeamClient, type TeamConnection } from './connect';
import { HealthTracker } from './health';
import { Inbox, type Message } from './inbox';
import { defaultPrefix, type TokenKeys, tokenKeys } from './keys';
import { RedisLease } from './lease';
import { WriterBook } from './outage';
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

/** One consistent read of a token's records. */
interface Snapshot {
  token: SharedToken | undefined;
  fence: number;
  sealedRefresh: string;
  /** The keyed digest of the refresh token the provider refused, '' if none. */
  refused: string;
}

/** The cache's safety margin: a tenth of the token's life, at most 30 s. */
const maxCacheMarginMs = 30_000;

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
  readonly #inboxes = new Map<string, Set<Inbox>>();
  readonly #firstReady: Promise<void>;
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

    // The first call waits for the first connection attempt (a one-shot CLI call starts with it),
    // but no longer than it takes to connect or to fail.
    this.#firstReady = new Promise<void>((resolve) => {
      const timer = setTimeout(settled, connectTimeoutMs);
      timer.unref();
      const commands = this.#commands;
      function settled() {
        clearTimeout(timer);
        commands.off('ready', settled).off('error', settled).off('end', settled);
        resolve();
      }
      commands.once('ready', settled).once('error', settled).once('end', settled);
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
      for (const inboxes of this.#inboxes.values()) for (const inbox of inboxes) inbox.push({ t: 'down' });
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
    const digest = this.#requireKey().digest(refreshToken);
    await this.#call(() => this.#commands.hset(keys.state, 'refused', digest), 'write');
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
    const inbox = this.#listen(keys.channel);
    try {
      for (;;) {
        const answer = await this.#call(
          () => this.#commands.teamAcquire(keys.lock, keys.counter, owner, this.#lockTtlMs, keys.channel),
          'write',
        );
        if (answer > 0) return await this.#lease(definition, keys, owner, answer, wanted);
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

  /** The lock is ours: look once more, then bring the refresh tokens in line. */
  async #lease(
    definition: TokenDefinition,
    keys: TokenKeys,
    owner: string,
    fence: number,
    wanted: (token: SharedToken) => boolean,
  ): Promise<TeamLease | SharedToken> {
    const lease = new RedisLease({
      commit: (holder, token, rotated) => this.#commit(holder, token, rotated),
      wrote: (error) => this.#health.wrote(error),
      commands: this.#commands,
      keys,
      owner,
      fence,
      lockTtlMs: this.#lockTtlMs,
      log: this.#log,
      name: definition.name,
      ended: () => this.#book.ended(keys.state, fence),
    });
    try {
      // A holder may have finished between our last look and our lock.
      const snapshot = await this.#readSeen(definition, keys);
      if (snapshot.token && wanted(snapshot.token)) {
        await lease.release();
        await this.#mirror(definition, keys, snapshot);
        return snapshot.token;
      }
      if (this.#replica && definition.type === 'oauth2-refresh-token') {
        // Redis lost the team's refresh token (restarted empty, flushed): only the machine that
        // wrote it last may bring in its own; any other copy may be one the provider has retired.
        const lastWriter = isLastWriter(await this.#book.record(definition.name, keys.state, fence));
        if (snapshot.sealedRefresh === '' && !lastWriter)
          throw new TeamUnavailableError(
            `the team holds no refresh token for '${definition.name}' (Redis lost its data?) and another machine wrote the newest one: waiting for that machine to share it again`,
          );
        // After an outage the last writer may have refreshed alone: its word first (republish.ts).
        if (!lastWriter && this.#book.waitingForWriter(keys.state, snapshot.fence, this.#now()))
          throw new TeamUnavailableError(
            `Redis was out of reach, and the machine that wrote '${definition.name}' last has not yet shared what it may have refreshed meanwhile: waiting for it (${Math.round(this.#waitMs / 1000)} s at most)`,
          );
        lease.announce = lastWriter && this.#book.wasAway(keys.state);
        lease.publishRefreshToken = await this.#replica.reconcile(definition.name, {
          base: keys.state,
          fence: snapshot.fence,
          refreshToken:
            snapshot.sealedRefresh === '' ? undefined : this.#openRefresh(snapshot.sealedRefresh, keys),
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
      const key = this.#requireKey();
      const shared: SharedToken = { ...token, fence };
      accepted = await this.#call(
        () =>
          this.#commands.teamCommit(
            keys.state,
            keys.access,
            String(fence),
            key.seal(JSON.stringify(shared), keys.access),
            this.#cacheTtlMs(token),
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
        await this.#store?.set(name, 'refresh_token', rotated);
        // This machine alone holds the refresh token that lease obtained: the newest.
        await this.#book.wrote(name, keys.state, fence);
      }
      return { outcome: 'local' };
    }
    if (accepted !== 1) {
      const latest = await this.#read(keys).then(
        (snapshot) => snapshot.token,
        () => undefined,
      );
      if (latest) await this.#book.saw(name, keys.state, latest.fence);
      return { outcome: 'superseded', latest };
    }
    if (rotated !== undefined) await this.#store?.set(name, 'refresh_token', rotated);
    await this.#book.wrote(name, keys.state, fence);
    await this.#replica?.committed(name, keys.state, fence, refreshToken);
    return { outcome: 'committed' };
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
        refreshToken: this.#openRefresh(snapshot.sealedRefresh, keys),
      });
    }
  }

  /** #read, noting the team's fence as seen (outage.ts). Call holding the machine-local lock. */
  async #readSeen(definition: TokenDefinition, keys: TokenKeys): Promise<Snapshot> {
    const snapshot = await this.#read(keys);
    this.#refused.set(keys.state, snapshot.refused);
    if (snapshot.fence > 0) await this.#book.saw(definition.name, keys.state, snapshot.fence);
    return snapshot;
  }

  async #read(keys: TokenKeys): Promise<Snapshot> {
    const [sealedAccess, fenceText, sealedRefresh, refused] = await this.#call(
      () => this.#commands.teamRead(keys.access, keys.state),
      'read',
    );
    return {
      token: sealedAccess === '' ? undefined : this.#openAccess(sealedAccess, keys),
      fence: Number(fenceText) || 0,
      sealedRefresh,
      refused: refused ?? '',
    };
  }

  #openAccess(sealed: string, keys: TokenKeys): SharedToken | undefined {
    const text = this.#open(sealed, keys.access);
    if (text === undefined) return undefined;
    try {
      const value = JSON.parse(text) as SharedToken;
      return typeof value.accessToken === 'string' && typeof value.fence === 'number' ? value : undefined;
    } catch {
      return undefined;
    }
  }

  #openRefresh(sealed: string, keys: TokenKeys): string | undefined {
    return this.#open(sealed, keys.state);
  }

  /** Undefined for a corrupt record (the next write replaces it); throws for another team key. */
  #open(sealed: string, where: string): string | undefined {
    const opened = this.#requireKey().open(sealed, where);
    if ('text' in opened) return opened.text;
    if (opened.problem === 'other-key') {
      this.#health.otherKeyFound();
      throw new TeamUnavailableError('the team records are sealed with another team key');
    }
    this.#log('warn', `team mode: an unreadable record at ${where} is ignored and will be replaced`);
    return undefined;
  }

  #requireKey(): TeamKey {
    if (!this.#key) throw new TeamUnavailableError(this.#keyProblem ?? 'no team key');
    return this.#key;
  }

  /**
   * The cache keeps a token until a safety margin before its expiry (a tenth of its life, at most
   * 30 s), so that a member whose clock runs a little behind never reads an expired token as valid.
   * A token with nothing left after the margin is not cached at all.
   */
  #cacheTtlMs(token: Omit<SharedToken, 'fence'>): number {
    if (token.expiresAt === undefined) return 0;
    const now = this.#now();
    const lifeMs = token.expiresAt - (token.issuedAt ?? now);
    const ttl = Math.floor(token.expiresAt - now - Math.min(maxCacheMarginMs, lifeMs / 10));
    return Math.max(ttl, 0);
  }

  /**
   * Runs one Redis call; any failure is TeamUnavailableError (and the health says why). A read that
   * succeeds clears only a read's failure: while writes fail, the team is degraded whatever reads do.
   */
  async #call<T>(operation: () => Promise<T>, kind: 'read' | 'write'): Promise<T> {
    this.#requireKey();
    if (this.#health.otherKey)
      throw new TeamUnavailableError('the team records are sealed with another team key');
    if (this.#commands.status !== 'ready') await this.#firstReady;
    if (this.#closed || this.#commands.status !== 'ready') {
      this.#health.report();
      throw new TeamUnavailableError(this.#health.problem() ?? 'Redis is not connected');
    }
    let result: T;
    try {
      result = await operation();
    } catch (error) {
      if (error instanceof TeamUnavailableError || error instanceof TokenAgentError) throw error;
      throw new TeamUnavailableError(this.#health.failed(kind, error));
    }
    if (kind === 'write') this.#health.wrote(undefined);
    else this.#health.readWorked();
    return result;
  }

  #keys(definition: TokenDefinition): TokenKeys {
    return tokenKeys(this.#prefix, definition);
  }

  #listen(channel: string): Inbox {
    let inboxes = this.#inboxes.get(channel);
    if (!inboxes) {
      inboxes = new Set();
      this.#inboxes.set(channel, inboxes);
    }
    const set = inboxes;
    const inbox = new Inbox(() => {
      set.delete(inbox);
      if (set.size === 0) this.#inboxes.delete(channel);
    });
    set.add(inbox);
    return inbox;
  }

  #deliver(channel: string, text: string): void {
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      return;
    }
    this.#book.observe(channel.replace(/:events$/, ':state'), message);
    const inboxes = this.#inboxes.get(channel);
    // Waiters wait for the holder to finish; a new lock taken tells them nothing.
    if (!inboxes || message.t === 'locked') return;
    for (const inbox of inboxes) inbox.push(message);
  }
}
