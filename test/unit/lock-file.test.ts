import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isTokenAgentError } from '../../agent/base/errors';
import { acquireLock, type LockOwner } from '../../agent/store/lockFile';
import { waitUntil } from '../support/waitFor';

const root = resolve(__dirname, '..', '..');

describe('acquireLock', () => {
  let dir: string;
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'token-agent-lock-'));
    path = join(dir, 'github.lock');
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  const readOwner = async () => JSON.parse(await readFile(path, 'utf8')) as LockOwner;

  const writeForeignLock = async (owner: Partial<LockOwner>, ageMs = 0) => {
    const full: LockOwner = {
      pid: process.pid,
      host: hostname(),
      acquiredAt: new Date().toISOString(),
      token: 'someone-else',
      ...owner,
    };
    await writeFile(path, JSON.stringify(full), { mode: 0o600 });
    const seconds = (Date.now() - ageMs) / 1000;
    await utimes(path, seconds, seconds);
  };

  it('creates the lock file 0600 with who holds it, and removes it on release', async () => {
    const lock = await acquireLock({ path, now: () => Date.parse('2030-01-02T03:04:05Z'), host: 'here' });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const owner = await readOwner();
    assert.deepEqual(owner, lock.owner);
    assert.equal(owner.pid, process.pid);
    assert.equal(owner.host, 'here');
    assert.equal(owner.acquiredAt, '2030-01-02T03:04:05.000Z');
    assert.match(owner.token, /^[0-9a-f-]{36}$/);
    assert.equal(await lock.isHeld(), true);
    await lock.release();
    assert.equal(await lock.isHeld(), false);
    await assert.rejects(stat(path), { code: 'ENOENT' });
    await lock.release();
  });

  it('hands the lock to 20 concurrent acquirers one at a time', async () => {
    let inside = 0;
    let mostInside = 0;
    const tokens = new Set<string>();
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const lock = await acquireLock({ path, timeoutMs: 20_000 });
        inside += 1;
        mostInside = Math.max(mostInside, inside);
        tokens.add(lock.owner.token);
        // File I/O while holding gives the others every chance to barge in.
        assert.equal((await readOwner()).token, lock.owner.token);
        assert.equal(await lock.isHeld(), true);
        inside -= 1;
        await lock.release();
      }),
    );
    assert.equal(mostInside, 1);
    assert.equal(tokens.size, 20);
    assert.deepEqual(await readdir(dir), []);
  });

  // Without the directory watch the waiter would sleep out its ten-minute poll and this test would
  // hit its own timeout: getting the lock within it proves the watch woke the waiter.
  it('wakes a waiter as soon as the holder releases, without waiting for a poll', {
    timeout: 30_000,
  }, async () => {
    const holder = await acquireLock({ path });
    // The waiter reads the clock for the last time (the 4th) just before it parks, so counting reads
    // tells us when it is waiting.
    let clockReads = 0;
    const now = () => {
      clockReads += 1;
      return Date.now();
    };
    const waiting = acquireLock({ path, pollMs: 600_000, timeoutMs: 600_000, now });
    await waitUntil(() => clockReads >= 4, 'the waiter to park');
    await holder.release();
    const next = await waiting;
    await next.release();
  });

  it('fails with ERR_LOCK_TIMEOUT while a live holder keeps the lock', async () => {
    const holder = await acquireLock({ path });
    await assert.rejects(acquireLock({ path, timeoutMs: 200 }), (error: unknown) => {
      assert.ok(isTokenAgentError(error, 'ERR_LOCK_TIMEOUT'));
      assert.match(error.message, new RegExp(`held by pid ${process.pid} on `));
      return true;
    });
    assert.equal(await holder.isHeld(), true);
    await holder.release();
  });

  it('takes over the lock of a process that no longer exists', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']);
    assert.equal(dead.status, 0);
    await writeForeignLock({ pid: dead.pid });
    const lock = await acquireLock({ path, timeoutMs: 5000 });
    assert.equal((await readOwner()).token, lock.owner.token);
    await lock.release();
    assert.deepEqual(await readdir(dir), [], 'the stale file set aside is gone too');
  });

  it('does not judge a pid from another host, only its heartbeat', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']);
    await writeForeignLock({ pid: dead.pid, host: 'another-host' });
    await assert.rejects(acquireLock({ path, timeoutMs: 200 }), (error: unknown) =>
      isTokenAgentError(error, 'ERR_LOCK_TIMEOUT'),
    );
    await writeForeignLock({ pid: dead.pid, host: 'another-host' }, 60_000);
    const lock = await acquireLock({ path, timeoutMs: 5000 });
    await lock.release();
  });

  it('takes over a live process whose heartbeat is older than staleAfterMs', async () => {
    await writeForeignLock({ pid: process.pid }, 11_000);
    const lock = await acquireLock({ path, staleAfterMs: 10_000, timeoutMs: 5000 });
    assert.equal((await readOwner()).token, lock.owner.token);
    await lock.release();
  });

  it('does not delete the lock when a holder that was taken over releases', async () => {
    const first = await acquireLock({ path, heartbeatMs: 60_000, staleAfterMs: 120_000 });
    // The first holder stalls: its heartbeat is now a minute old.
    const old = (Date.now() - 60_000) / 1000;
    await utimes(path, old, old);
    const second = await acquireLock({ path, staleAfterMs: 10_000, timeoutMs: 5000 });
    assert.equal(await first.isHeld(), false);
    await first.release();
    assert.equal(await second.isHeld(), true);
    assert.equal((await readOwner()).token, second.owner.token);
    await second.release();
    await assert.rejects(stat(path), { code: 'ENOENT' });
  });

  it('keeps beating while held, so that waiters do not take it over', async () => {
    const lock = await acquireLock({ path, heartbeatMs: 20, staleAfterMs: 1000 });
    const old = (Date.now() - 5000) / 1000;
    await utimes(path, old, old);
    await waitUntil(async () => Date.now() - (await stat(path)).mtimeMs < 1000, 'a heartbeat');
    await lock.release();
  });

  it('takes over from a SIGSTOPped holder in another process once its heartbeat is stale', async () => {
    const script = `
      require('./agent/store/lockFile')
        .acquireLock({ path: ${JSON.stringify(path)}, heartbeatMs: 50, staleAfterMs: 1000 })
        .then(() => { console.log('held'); setInterval(() => {}, 1000); });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise((done) => child.once('close', done));
    try {
      await waitUntil(() => output.includes('held'), 'the child to hold the lock');
      // Running, it beats every 50 ms: a waiter that calls 400 ms stale must wait it out.
      await assert.rejects(acquireLock({ path, staleAfterMs: 400, heartbeatMs: 100, timeoutMs: 600 }), {
        code: 'ERR_LOCK_TIMEOUT',
      });
      child.kill('SIGSTOP');
      const started = performance.now();
      const lock = await acquireLock({ path, staleAfterMs: 400, heartbeatMs: 100, timeoutMs: 5000 });
      assert.ok(performance.now() - started < 3000);
      assert.equal((await readOwner()).token, lock.owner.token);
      await lock.release();
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });

  it('rejects options that could not work', async () => {
    await assert.rejects(acquireLock({ path, heartbeatMs: 10_000, staleAfterMs: 10_000 }), TypeError);
    await assert.rejects(acquireLock({ path, timeoutMs: -1 }), TypeError);
  });

  it('stops waiting when aborted', async () => {
    const holder = await acquireLock({ path });
    const controller = new AbortController();
    const waiting = acquireLock({ path, signal: controller.signal });
    controller.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
    await holder.release();
  });
});
