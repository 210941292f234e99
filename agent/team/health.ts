// Team mode's health as the status shows it (redisCoordinator.ts reports to it). It follows the last
// write (lock, fencing, store), not the last read: a Redis out of memory still answers reads, and a
// successful read must not hide that no member can take the lock or share a token. While writes
// fail, a small probe write now and then tells when they work again.
import { redactOutside } from '../base/redact';
import type { TeamHealth } from '../engine/coordinator';
import type { LogLevel } from '../engine/refresh';
import type { TeamClient } from './connect';

/** While writes fail, a probe write this often says when they work again. */
const probeEveryMs = 15_000;

export class HealthTracker {
  readonly #commands: TeamClient;
  readonly #describe: string;
  readonly #probeKey: string;
  readonly #keyProblem: string | undefined;
  readonly #log: (level: LogLevel, message: string) => void;
  readonly #listeners = new Set<() => void>();
  #lastError: string | undefined;
  /** The last write failed: cleared only by a write that succeeds (a later call, or the probe). */
  #writeFailure: string | undefined;
  /** The last read failed: cleared by any call that succeeds. */
  #readFailure: string | undefined;
  #probe: NodeJS.Timeout | undefined;
  #otherKey = false;
  #reported: string | undefined;
  #closed = false;

  constructor(options: {
    commands: TeamClient;
    describe: string;
    prefix: string;
    keyProblem: string | undefined;
    log: (level: LogLevel, message: string) => void;
  }) {
    this.#commands = options.commands;
    this.#describe = options.describe;
    this.#probeKey = `${options.prefix}:health-probe`;
    this.#keyProblem = options.keyProblem;
    this.#log = options.log;
  }

  get otherKey(): boolean {
    return this.#otherKey;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  health(): TeamHealth {
    const problem = this.problem();
    return problem === undefined ? { state: 'ok' } : { state: 'degraded', detail: problem };
  }

  problem(): string | undefined {
    if (this.#keyProblem !== undefined) return this.#keyProblem;
    if (this.#otherKey)
      return 'the team records are sealed with another team key: every member needs the same key';
    if (this.#commands.status !== 'ready')
      return `${this.#describe} is unreachable${this.#lastError ? ` (${this.#lastError})` : ''}`;
    return this.#writeFailure ?? this.#readFailure;
  }

  /** The connection reported an error (ioredis emits them as events). */
  connectionError(error: Error): void {
    this.#lastError = redactOutside(error.message);
    this.report();
  }

  /** A new connection: it says nothing about writes, so a failed one is tried again before health is ok. */
  connected(): void {
    this.#lastError = undefined;
    this.#readFailure = undefined;
    if (this.#writeFailure !== undefined) this.#armProbe(0);
    this.report();
  }

  otherKeyFound(): void {
    this.#otherKey = true;
    this.report();
  }

  /** A read that worked clears only a read's failure. */
  readWorked(): void {
    if (this.#readFailure === undefined) return;
    this.#readFailure = undefined;
    this.report();
  }

  /** Records a failed call; its message is Redis's (or the network's) words, redacted. */
  failed(kind: 'read' | 'write', error: unknown): string {
    const failure = `a Redis ${kind} failed: ${redactOutside((error as Error)?.message ?? String(error))}`;
    if (kind === 'write') {
      this.#writeFailure = failure;
      this.#armProbe(probeEveryMs);
    } else this.#readFailure = failure;
    this.report();
    return failure;
  }

  /** How a write ended (undefined: it worked), from a call or a lease's lock extension and release. */
  wrote(error: unknown): void {
    if (error !== undefined) {
      this.failed('write', error);
      return;
    }
    if (this.#writeFailure === undefined && this.#readFailure === undefined) return;
    this.#writeFailure = undefined;
    this.#readFailure = undefined;
    clearTimeout(this.#probe);
    this.#probe = undefined;
    this.report();
  }

  /** Logs each change of health once, and tells the listeners. */
  report(): void {
    if (this.#closed) return;
    const problem = this.problem();
    if (problem === this.#reported) return;
    const first = this.#reported === undefined && problem === undefined;
    this.#reported = problem;
    if (problem !== undefined)
      this.#log(
        'warn',
        `team mode degraded: ${problem}; until it is back, only the machine that wrote the newest refresh token refreshes`,
      );
    else if (!first) this.#log('info', `team mode: connected to ${this.#describe}`);
    for (const listener of this.#listeners) listener();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#probe);
  }

  /**
   * While writes fail, one small write now and then (a key that expires at once) tells when they work
   * again; without it a recovered Redis would show degraded until the next refresh, maybe an hour.
   */
  #armProbe(delayMs: number): void {
    if (this.#closed || this.#probe !== undefined) return;
    this.#probe = setTimeout(() => {
      this.#probe = undefined;
      if (this.#closed || this.#writeFailure === undefined || this.#commands.status !== 'ready') return;
      this.#commands.set(this.#probeKey, '1', 'PX', 1000).then(
        () => this.wrote(undefined),
        (error: unknown) => this.wrote(error ?? new Error('the write probe failed')),
      );
    }, delayMs);
    this.#probe.unref();
  }
}
