// The coordinator's calls to Redis and the token records they read (redisCoordinator.ts): each call
// waits for the first connection, turns any failure into TeamUnavailableError and tells the health;
// a token's records come back in one consistent read, opened with the team key, a corrupt record
// ignored and another team's key reported.
import { TokenAgentError } from '../base/errors';
import { type SharedToken, TeamUnavailableError } from '../engine/coordinator';
import type { LogLevel } from '../engine/refresh';
import type { TeamClient } from './connect';
import type { HealthTracker } from './health';
import type { TokenKeys } from './keys';
import type { TeamKey } from './seal';

/** One consistent read of a token's records. */
export interface Snapshot {
  token: SharedToken | undefined;
  fence: number;
  sealedRefresh: string;
  /** The keyed digest of the refresh token the provider refused, '' if none. */
  refused: string;
}

/** The cache's safety margin: a tenth of the token's life, at most 30 s. */
const maxCacheMarginMs = 30_000;

export interface TeamRecordsOptions {
  commands: TeamClient;
  key: TeamKey | undefined;
  keyProblem: string | undefined;
  health: HealthTracker;
  connectTimeoutMs: number;
  /** Whether the coordinator is closed: no call is made then. */
  closed: () => boolean;
  now: () => number;
  log: (level: LogLevel, message: string) => void;
}

export class TeamRecords {
  readonly #o: TeamRecordsOptions;
  readonly #firstReady: Promise<void>;

  constructor(options: TeamRecordsOptions) {
    this.#o = options;
    // The first call waits for the first connection attempt (a one-shot CLI call starts with it),
    // but no longer than it takes to connect or to fail.
    this.#firstReady = new Promise<void>((resolve) => {
      const timer = setTimeout(settled, options.connectTimeoutMs);
      timer.unref();
      const commands = options.commands;
      function settled() {
        clearTimeout(timer);
        commands.off('ready', settled).off('error', settled).off('end', settled);
        resolve();
      }
      commands.once('ready', settled).once('error', settled).once('end', settled);
    });
  }

  async read(keys: TokenKeys): Promise<Snapshot> {
    const [sealedAccess, fenceText, sealedRefresh, refused] = await this.call(
      () => this.#o.commands.teamRead(keys.access, keys.state),
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

  openRefresh(sealed: string, keys: TokenKeys): string | undefined {
    return this.#open(sealed, keys.state);
  }

  /** Undefined for a corrupt record (the next write replaces it); throws for another team key. */
  #open(sealed: string, where: string): string | undefined {
    const opened = this.requireKey().open(sealed, where);
    if ('text' in opened) return opened.text;
    if (opened.problem === 'other-key') {
      this.#o.health.otherKeyFound();
      throw new TeamUnavailableError('the team records are sealed with another team key');
    }
    this.#o.log('warn', `team mode: an unreadable record at ${where} is ignored and will be replaced`);
    return undefined;
  }

  requireKey(): TeamKey {
    if (!this.#o.key) throw new TeamUnavailableError(this.#o.keyProblem ?? 'no team key');
    return this.#o.key;
  }

  /**
   * The cache keeps a token until a safety margin before its expiry (a tenth of its life, at most
   * 30 s), so that a member whose clock runs a little behind never reads an expired token as valid.
   * A token with nothing left after the margin is not cached at all.
   */
  cacheTtlMs(token: Omit<SharedToken, 'fence'>): number {
    if (token.expiresAt === undefined) return 0;
    const now = this.#o.now();
    const lifeMs = token.expiresAt - (token.issuedAt ?? now);
    const ttl = Math.floor(token.expiresAt - now - Math.min(maxCacheMarginMs, lifeMs / 10));
    return Math.max(ttl, 0);
  }

  /**
   * Runs one Redis call; any failure is TeamUnavailableError (and the health says why). A read that
   * succeeds clears only a read's failure: while writes fail, the team is degraded whatever reads do.
   */
  async call<T>(operation: () => Promise<T>, kind: 'read' | 'write'): Promise<T> {
    const { commands, health } = this.#o;
    this.requireKey();
    if (health.otherKey) throw new TeamUnavailableError('the team records are sealed with another team key');
    if (commands.status !== 'ready') await this.#firstReady;
    if (this.#o.closed() || commands.status !== 'ready') {
      health.report();
      throw new TeamUnavailableError(health.problem() ?? 'Redis is not connected');
    }
    let result: T;
    try {
      result = await operation();
    } catch (error) {
      if (error instanceof TeamUnavailableError || error instanceof TokenAgentError) throw error;
      throw new TeamUnavailableError(health.failed(kind, error));
    }
    if (kind === 'write') health.wrote(undefined);
    else health.readWorked();
    return result;
  }
}
