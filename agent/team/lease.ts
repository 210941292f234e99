// The team's refresh lock as its holder sees it (redisCoordinator.ts): kept alive while the refresh
// runs, committed once with its fence, and released by compare-and-delete.
import type { CommitResult, SharedToken, TeamLease } from '../engine/coordinator';
import type { LogLevel } from '../engine/refresh';
import type { TeamClient } from './connect';
import type { Message } from './inbox';
import type { TokenKeys } from './keys';

export type LeaseCommit = (
  lease: RedisLease,
  token: Omit<SharedToken, 'fence'>,
  rotated: string | undefined,
) => Promise<CommitResult>;

export class RedisLease implements TeamLease {
  readonly keys: TokenKeys;
  readonly fence: number;
  readonly name: string;
  /** The local refresh token, when it is newer than the team's and must be published. */
  publishRefreshToken: string | undefined;
  readonly #commit: LeaseCommit;
  readonly #wrote: (error: unknown) => void;
  readonly #ended: () => void;
  readonly #commands: TeamClient;
  readonly #owner: string;
  readonly #timer: NodeJS.Timeout;
  #committed = false;
  #released = false;

  constructor(options: {
    commit: LeaseCommit;
    commands: TeamClient;
    keys: TokenKeys;
    owner: string;
    fence: number;
    lockTtlMs: number;
    name: string;
    log: (level: LogLevel, message: string) => void;
    /** How each lock write ended (undefined: it worked), for the team's health. */
    wrote?: (error: unknown) => void;
    /** Called once on release, whether or not Redis heard it. */
    ended?: () => void;
  }) {
    this.#commit = options.commit;
    this.#wrote = options.wrote ?? (() => undefined);
    this.#ended = options.ended ?? (() => undefined);
    this.#commands = options.commands;
    this.keys = options.keys;
    this.#owner = options.owner;
    this.fence = options.fence;
    this.name = options.name;
    const { lockTtlMs, log } = options;
    // The holder keeps its lock alive while the refresh runs; losing it only costs efficiency (the
    // fence protects the data), so a failed extension is logged, not fatal.
    this.#timer = setInterval(() => {
      this.#commands.teamExtend(this.keys.lock, this.#owner, lockTtlMs).then(
        (held) => {
          this.#wrote(undefined);
          if (held !== 1) log('warn', `team mode: lost the refresh lock of '${this.name}' while refreshing`);
        },
        (error: unknown) => this.#wrote(error ?? new Error('the lock extension failed')),
      );
    }, lockTtlMs / 3);
    this.#timer.unref();
  }

  /** This machine wrote last and lost Redis since: the others wait for its word (outage.ts). */
  announce = false;

  get newerHere(): boolean {
    return this.publishRefreshToken !== undefined || this.announce;
  }

  async commit(token: Omit<SharedToken, 'fence'>, rotated: string | undefined): Promise<CommitResult> {
    const result = await this.#commit(this, token, rotated);
    this.#committed = result.outcome === 'committed';
    return result;
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    this.#ended();
    // Without a commit, waiters hear "released" and try for the lock at once instead of at its expiry.
    const message = this.#committed
      ? ''
      : JSON.stringify({ t: 'released', fence: this.fence } satisfies Message);
    await this.#commands.teamRelease(this.keys.lock, this.#owner, this.keys.channel, message).then(
      () => this.#wrote(undefined),
      (error: unknown) => this.#wrote(error ?? new Error('the lock release failed')),
    );
  }
}
