// A lock shared by every process on one machine, so that each token is refreshed exactly once even when
// several VS Code windows (each with its own agent) or a CLI want it at the same moment. Refresh tokens
// often rotate: two concurrent refreshes would make the provider revoke the whole token family.
//
// The lock is a file created exclusively (O_CREAT | O_EXCL), holding who owns it. The holder keeps the
// file open and touches its mtime every `heartbeatMs`; a waiter takes the lock over when its holder is
// gone (same host, no such pid) or has stopped beating for `staleAfterMs` (a SIGSTOPped or hung process,
// or a holder on another host sharing the directory).
import { randomUUID } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { type FileHandle, link, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import { codes, TokenAgentError } from '../base/errors';
import { createPrivateFile, ensurePrivateFolder } from '../base/privateFolder';

export interface LockOwner {
  pid: number;
  host: string;
  /** ISO 8601. */
  acquiredAt: string;
  /** Random per acquisition: tells this holder's file apart from a later one at the same path. */
  token: string;
}

export interface AcquireLockOptions {
  path: string;
  /** A holder that has not touched the file for this long is presumed dead. */
  staleAfterMs?: number;
  /** How often the holder touches the file; must be well under `staleAfterMs`. */
  heartbeatMs?: number;
  /** Give up with ERR_LOCK_TIMEOUT after this long. */
  timeoutMs?: number;
  /** Upper bound between two looks at the lock, in case a file-system event is missed. */
  pollMs?: number;
  /** Wall clock in Unix milliseconds, for the heartbeat, staleness and the timeout. */
  now?: () => number;
  host?: string;
  signal?: AbortSignal;
}

export interface LockHandle {
  readonly path: string;
  readonly owner: LockOwner;
  /** Looks at the file system: false once released, or once another process has taken the lock over. */
  isHeld(): Promise<boolean>;
  /** Stops the heartbeat and deletes the file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

export async function acquireLock(options: AcquireLockOptions): Promise<LockHandle> {
  const {
    path,
    staleAfterMs = 10_000,
    heartbeatMs = 2000,
    timeoutMs = 60_000,
    pollMs = 100,
    now = Date.now,
    host = hostname(),
    signal,
  } = options;
  for (const [name, value] of [
    ['staleAfterMs', staleAfterMs],
    ['heartbeatMs', heartbeatMs],
    ['timeoutMs', timeoutMs],
    ['pollMs', pollMs],
  ] as const) {
    if (!Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a non-negative number`);
  }
  if (heartbeatMs <= 0 || heartbeatMs >= staleAfterMs) {
    throw new TypeError('heartbeatMs must be positive and less than staleAfterMs');
  }

  const deadline = now() + timeoutMs;
  await ensurePrivateFolder(dirname(path));
  let waiter: Waiter | undefined;
  try {
    for (;;) {
      signal?.throwIfAborted();
      const owner: LockOwner = {
        pid: process.pid,
        host,
        acquiredAt: new Date(now()).toISOString(),
        token: randomUUID(),
      };
      const handle = await tryCreate(path, owner);
      if (handle !== undefined) return new FileLock(path, owner, handle, heartbeatMs, now);

      const current = await inspect(path);
      if (current === undefined) continue; // Released between our create and our look: try again now.
      if (isStale(current, { host, now: now(), staleAfterMs })) {
        await takeOver(path, current);
        continue;
      }
      const left = deadline - now();
      if (left <= 0) {
        const who = current.owner ? ` (held by pid ${current.owner.pid} on ${current.owner.host})` : '';
        throw new TokenAgentError(
          codes.lockTimeout,
          `Timed out after ${timeoutMs} ms waiting for the lock ${path}${who}.`,
        );
      }
      // Watch only once we have to wait: an uncontended acquire costs one open().
      waiter ??= new Waiter(path);
      await waiter.wait(Math.min(pollMs, left), signal);
    }
  } finally {
    waiter?.close();
  }
}

async function tryCreate(path: string, owner: LockOwner): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    // O_EXCL | O_NOFOLLOW: a planted symlink is ERR_UNSAFE_PATH, never a lock held for ever.
    handle = await createPrivateFile(path);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return undefined;
    throw error;
  }
  try {
    await handle.writeFile(`${JSON.stringify(owner)}\n`);
    return handle;
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(path).catch(() => {});
    throw error;
  }
}

interface LockState {
  /** Undefined while the holder is still writing the file, or when the file is not ours to read. */
  owner: LockOwner | undefined;
  ino: number;
  mtimeMs: number;
}

async function inspect(path: string): Promise<LockState | undefined> {
  try {
    const stats = await stat(path);
    const owner = parseOwner(await readFile(path, 'utf8'));
    return { owner, ino: stats.ino, mtimeMs: stats.mtimeMs };
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { pid, host, acquiredAt, token } = value as Record<string, unknown>;
    // pid 0 or a negative pid would make process.kill() signal a whole process group.
    if (!Number.isSafeInteger(pid) || (pid as number) <= 0) return undefined;
    if (typeof host !== 'string' || typeof acquiredAt !== 'string' || typeof token !== 'string')
      return undefined;
    return { pid: pid as number, host, acquiredAt, token };
  } catch {
    return undefined;
  }
}

function isStale(state: LockState, at: { host: string; now: number; staleAfterMs: number }): boolean {
  // A pid means something only on its own host; elsewhere the heartbeat is the only evidence.
  if (state.owner !== undefined && state.owner.host === at.host && !processExists(state.owner.pid))
    return true;
  return at.now - state.mtimeMs > at.staleAfterMs;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return errorCode(error) !== 'ESRCH';
  }
}

/**
 * Removes the stale lock we inspected, and only that one. There is no compare-and-delete on a file
 * system, so the file is renamed aside atomically first and then identified: if another waiter took
 * the lock over between our look and our rename, what we moved is its fresh lock, and it is linked back
 * (link() never overwrites, so a third process that created the lock meanwhile keeps it; the displaced
 * holder then sees isHeld() turn false).
 */
async function takeOver(path: string, stale: LockState): Promise<void> {
  const aside = `${path}.stale-${randomUUID()}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return; // Someone else removed it first.
    throw error;
  }
  try {
    const moved = await inspect(aside);
    const same =
      moved !== undefined &&
      (stale.owner !== undefined ? moved.owner?.token === stale.owner.token : moved.ino === stale.ino);
    if (!same) {
      await link(aside, path).catch((error: unknown) => {
        if (errorCode(error) !== 'EEXIST') throw error;
      });
    }
  } finally {
    await unlink(aside).catch(() => {});
  }
}

class FileLock implements LockHandle {
  readonly path: string;
  readonly owner: LockOwner;
  readonly #now: () => number;
  #handle: FileHandle | undefined;
  #timer: NodeJS.Timeout | undefined;
  #beating = false;

  constructor(path: string, owner: LockOwner, handle: FileHandle, heartbeatMs: number, now: () => number) {
    this.path = path;
    this.owner = owner;
    this.#handle = handle;
    this.#now = now;
    // unref: a lock must not keep a finished process alive; exiting abandons it to the pid check.
    this.#timer = setInterval(() => void this.#beat(), heartbeatMs).unref();
  }

  async isHeld(): Promise<boolean> {
    const handle = this.#handle;
    if (handle === undefined) return false;
    const held = await ownsPath(handle, this.path);
    if (!held) await this.#forget();
    return held;
  }

  async release(): Promise<void> {
    const handle = this.#handle;
    if (handle === undefined) return;
    try {
      // The inode check stands in for "still holds our token": our open descriptor keeps the inode from
      // being reused, so the same inode means the same file we created.
      if (await ownsPath(handle, this.path)) await unlink(this.path).catch(() => {});
    } finally {
      await this.#forget();
    }
  }

  async #beat(): Promise<void> {
    const handle = this.#handle;
    if (handle === undefined || this.#beating) return;
    this.#beating = true;
    try {
      if (!(await ownsPath(handle, this.path))) {
        await this.#forget();
        return;
      }
      // Through our own descriptor: if the file has just been taken over and renamed aside, this touches
      // the moved file, never the new holder's.
      const seconds = this.#now() / 1000;
      await handle.utimes(seconds, seconds);
    } catch {
      // A failed beat is retried on the next tick; if beats keep failing, a waiter takes over, which is
      // the designed outcome for a holder that cannot write.
    } finally {
      this.#beating = false;
    }
  }

  async #forget(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => {});
  }
}

async function ownsPath(handle: FileHandle, path: string): Promise<boolean> {
  try {
    const [mine, there] = await Promise.all([handle.stat(), stat(path)]);
    return mine.ino === there.ino && mine.dev === there.dev;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Wakes a waiter as soon as the lock file changes (fs.watch on its directory), or after a bounded poll
 * in case the platform drops an event or cannot watch at all (inotify limits, some network file systems).
 */
class Waiter {
  readonly #watcher: FSWatcher | undefined;
  #pending = false;
  #wake: (() => void) | undefined;

  constructor(path: string) {
    const name = basename(path);
    const onEvent = (_event: string, filename: string | Buffer | null) => {
      if (filename === null || filename.toString() === name) this.#signal();
    };
    try {
      this.#watcher = watch(dirname(path), { persistent: false }, onEvent);
      this.#watcher.on('error', () => this.#watcher?.close());
    } catch {
      this.#watcher = undefined;
    }
  }

  wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    // An event that arrived between two waits must not be lost.
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#wake = undefined;
        this.#pending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.#wake = done;
    });
  }

  close(): void {
    this.#watcher?.close();
  }

  #signal(): void {
    if (this.#wake) this.#wake();
    else this.#pending = true;
  }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}
