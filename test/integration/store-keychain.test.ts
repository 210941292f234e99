// The keychain tier against a real Secret Service (gnome-keyring on a private D-Bus bus, see
// test/support/secretService.ts), and how openSecretStore fails closed when there is none.
//
// Each scenario drives the store in a child process: libsecret connects to the bus named by
// DBUS_SESSION_BUS_ADDRESS at its first successful call and keeps that connection for the life of the
// process, so one process cannot try several buses, and a stopped daemon must not stall the test runner.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { openSecretStore } from '../../agent/store/secretStore';
import { type SecretService, startSecretService } from '../support/secretService';
import { waitUntil } from '../support/waitFor';

const root = resolve(__dirname, '..', '..');
const run = promisify(execFile);

interface Answer {
  value?: unknown;
  error?: { code?: string; message: string; cause?: string };
  ms: number;
}

/** A child process holding one store, answering one JSON line per operation. */
interface StoreProcess {
  open(options?: { probeTimeoutMs?: number; callTimeoutMs?: number }): Promise<Answer>;
  call(method: 'get' | 'set' | 'delete', ...args: string[]): Promise<Answer>;
  close(): Promise<void>;
}

function startStoreProcess(env: Record<string, string | undefined>, dataDir: string): StoreProcess {
  const script = `
    const { openSecretStore } = require('./agent/store/secretStore');
    const lines = require('node:readline').createInterface({ input: process.stdin });
    const answer = (result) => process.stdout.write(JSON.stringify(result) + '\\n');
    const describe = (e) => ({ code: e.code, message: String(e.message), cause: e.cause && String(e.cause.message) });
    let store;
    let queue = Promise.resolve();
    lines.on('line', (line) => {
      const [method, ...args] = JSON.parse(line);
      queue = queue.then(async () => {
        const started = performance.now();
        const ms = () => Math.round(performance.now() - started);
        try {
          if (method === 'open') {
            const opened = await openSecretStore({ tier: 'keychain', ...args[0] });
            if ('error' in opened) return answer({ error: describe(opened.error), ms: ms() });
            store = opened.store;
            return answer({ value: { tier: store.tier, plaintext: store.plaintext }, ms: ms() });
          }
          const value = await store[method](...args);
          answer({ value: value ?? null, ms: ms() });
        } catch (error) {
          answer({ error: describe(error), ms: ms() });
        }
      });
    });`;
  const merged: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: root,
    env: merged,
    stdio: 'pipe',
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const waiting: ((answer: Answer) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) =>
    waiting.shift()?.(JSON.parse(line) as Answer),
  );
  const exited = new Promise<void>((done) =>
    child.once('close', (code, signal) => {
      for (const answer of waiting.splice(0)) {
        answer({ error: { message: `store process exited (${code ?? signal}): ${stderr}` }, ms: 0 });
      }
      done();
    }),
  );
  const send = (line: unknown[]) => {
    const answered = new Promise<Answer>((answer) => waiting.push(answer));
    child.stdin.write(`${JSON.stringify(line)}\n`);
    return answered;
  };
  return {
    open: (options = {}) => send(['open', { dataDir, ...options }]),
    call: (method, ...args) => send([method, ...args]),
    async close() {
      // Killed rather than ended: a keytar call stuck on a stopped daemon would keep it alive for 25 s.
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
    },
  };
}

async function withStoreProcess<T>(
  env: Record<string, string | undefined>,
  dataDir: string,
  use: (store: StoreProcess) => Promise<T>,
): Promise<T> {
  const store = startStoreProcess(env, dataDir);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

const fakeSecret = () => `fake-refresh-${randomUUID()}`;

function expectError(answer: Answer, code: string): NonNullable<Answer['error']> {
  assert.ok(answer.error, `expected ${code}, got ${JSON.stringify(answer)}`);
  assert.equal(answer.error.code, code, JSON.stringify(answer.error));
  return answer.error;
}

describe('the keychain store on a real Secret Service', () => {
  let service: SecretService;
  let dataDir: string;

  before(async () => {
    service = await startSecretService();
    dataDir = await mkdtemp(join(tmpdir(), 'token-agent-keychain-data-'));
  });

  after(async () => {
    await service.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stores, reads and deletes secrets that outlive the process, writing nothing to dataDir', async (t) => {
    const name = `github-${randomUUID()}`;
    const refresh = fakeSecret();
    await withStoreProcess(service.env, dataDir, async (store) => {
      const opened = await store.open();
      assert.deepEqual(opened.value, { tier: 'keychain', plaintext: false });
      t.diagnostic(`probe on a working keyring: ${opened.ms} ms`);
      assert.equal((await store.call('get', name, 'refresh_token')).value, null);
      assert.equal((await store.call('set', name, 'refresh_token', refresh)).value, null);
      assert.equal((await store.call('set', name, 'client_secret', 'fake-client-secret')).value, null);
    });
    await withStoreProcess(service.env, dataDir, async (store) => {
      assert.ok((await store.open()).value);
      assert.equal((await store.call('get', name, 'refresh_token')).value, refresh);
      assert.equal((await store.call('get', name, 'client_secret')).value, 'fake-client-secret');
      await store.call('delete', name, 'client_secret');
      assert.equal((await store.call('get', name, 'client_secret')).value, null);
      assert.equal((await store.call('get', name, 'refresh_token')).value, refresh);
      await store.call('delete', name);
      assert.equal((await store.call('get', name, 'refresh_token')).value, null);
    });
    assert.deepEqual(await readdir(dataDir), []);
  });

  it('reports ERR_STORE_LOCKED when the login keyring is locked, on open and on a read', async (t) => {
    const name = `locked-${randomUUID()}`;
    await withStoreProcess(service.env, dataDir, async (store) => {
      assert.ok((await store.open()).value);
      await store.call('set', name, 'refresh_token', fakeSecret());
      await service.lock();
      // libsecret answers a read in a locked collection with "not found"; the store must not pass that
      // on as "no refresh token, sign in again".
      const read = expectError(await store.call('get', name, 'refresh_token'), 'ERR_STORE_LOCKED');
      assert.equal(read.cause, 'Cannot create an item in a locked collection');
      expectError(await store.call('set', name, 'refresh_token', fakeSecret()), 'ERR_STORE_LOCKED');
    });
    try {
      await withStoreProcess(service.env, dataDir, async (store) => {
        const opened = await store.open();
        const error = expectError(opened, 'ERR_STORE_LOCKED');
        assert.match(error.message, /[Uu]nlock the login keyring/);
        t.diagnostic(`probe on a locked keyring: ${opened.ms} ms`);
      });
    } finally {
      // Unlocking needs a prompt; a restart with the password unlocks it.
      await service.stopKeyring();
      await service.startKeyring();
    }
    assert.deepEqual(await readdir(dataDir), []);
  });

  it('reports ERR_STORE_UNAVAILABLE, naming what to install, when no keyring daemon is on the bus', async (t) => {
    await service.stopKeyring();
    try {
      await withStoreProcess(service.env, dataDir, async (store) => {
        const opened = await store.open();
        const error = expectError(opened, 'ERR_STORE_UNAVAILABLE');
        assert.equal(error.cause, 'The name org.freedesktop.secrets was not provided by any .service files');
        assert.match(error.message, /install gnome-keyring and libsecret-1-0/);
        t.diagnostic(`probe with no keyring daemon: ${opened.ms} ms`);
      });
    } finally {
      await service.startKeyring();
    }
    assert.deepEqual(await readdir(dataDir), []);
  });

  it('gives up on a hung daemon after the probe timeout, and fails fast until it answers', async (t) => {
    const { stdout } = await run(
      'dbus-send',
      [
        '--session',
        '--print-reply',
        '--dest=org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.GetConnectionUnixProcessID',
        'string:org.freedesktop.secrets',
      ],
      { env: { ...process.env, ...service.env } },
    );
    const daemon = Number(/uint32 (\d+)/.exec(stdout)?.[1]);
    assert.ok(daemon > 0, stdout);
    const name = `hung-${randomUUID()}`;
    await withStoreProcess(service.env, dataDir, async (store) => {
      assert.ok((await store.open({ callTimeoutMs: 300 })).value);
      await store.call('set', name, 'refresh_token', 'fake-before-the-hang');
      process.kill(daemon, 'SIGSTOP');
      try {
        const hung = await store.call('get', name, 'refresh_token');
        assert.match(expectError(hung, 'ERR_STORE_UNAVAILABLE').message, /did not answer within 300 ms/);
        // The stuck call still holds a thread-pool thread; a second one must not join it.
        const next = await store.call('get', name, 'refresh_token');
        assert.match(expectError(next, 'ERR_STORE_UNAVAILABLE').message, /has not answered an earlier call/);
      } finally {
        process.kill(daemon, 'SIGCONT');
      }
      // Once the daemon answers the stuck call, the store works again.
      await waitUntil(
        async () => (await store.call('get', name, 'refresh_token')).value === 'fake-before-the-hang',
        'the store to answer again',
      );
      await store.call('delete', name);
    });
    await withStoreProcess(service.env, dataDir, async (store) => {
      process.kill(daemon, 'SIGSTOP');
      try {
        const opened = await store.open({ probeTimeoutMs: 500 });
        expectError(opened, 'ERR_STORE_UNAVAILABLE');
        t.diagnostic(`probe on a stopped daemon: ${opened.ms} ms (timeout 500 ms)`);
      } finally {
        process.kill(daemon, 'SIGCONT');
      }
    });
  });
});

describe('the keychain store with no usable Secret Service fails closed', () => {
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'token-agent-keychain-data-'));
  });

  after(() => rm(dataDir, { recursive: true, force: true }));

  it('reports ERR_STORE_UNAVAILABLE fast when the bus address points to nothing', async (t) => {
    const env = { DBUS_SESSION_BUS_ADDRESS: `unix:path=/nonexistent/${randomUUID()}/bus` };
    await withStoreProcess(env, dataDir, async (store) => {
      const opened = await store.open();
      const error = expectError(opened, 'ERR_STORE_UNAVAILABLE');
      assert.equal(error.cause, 'Could not connect: No such file or directory');
      assert.match(error.message, /run a D-Bus session/);
      t.diagnostic(`probe with a missing bus socket: ${opened.ms} ms`);
    });
    assert.deepEqual(await readdir(dataDir), [], 'nothing was written in plaintext instead');
  });

  it('reports ERR_STORE_UNAVAILABLE fast when there is no session bus at all', async (t) => {
    await withStoreProcess(
      { DBUS_SESSION_BUS_ADDRESS: undefined, DISPLAY: undefined },
      dataDir,
      async (store) => {
        const opened = await store.open();
        const error = expectError(opened, 'ERR_STORE_UNAVAILABLE');
        assert.equal(error.cause, 'Cannot autolaunch D-Bus without X11 $DISPLAY');
        t.diagnostic(`probe with no bus: ${opened.ms} ms`);
      },
    );
    assert.deepEqual(await readdir(dataDir), []);
  });

  it('reports ERR_STORE_LOCKED when the login keyring was never unlocked', async () => {
    const service = await startSecretService({ keyring: false });
    try {
      await service.startKeyring({ unlock: false });
      await withStoreProcess(service.env, dataDir, async (store) => {
        const error = expectError(await store.open(), 'ERR_STORE_LOCKED');
        assert.equal(
          error.cause,
          'Object does not exist at path “/org/freedesktop/secrets/collection/login”',
        );
      });
    } finally {
      await service.stop();
    }
    assert.deepEqual(await readdir(dataDir), []);
  });

  it('reports ERR_STORE_UNAVAILABLE, naming libsecret, when the binding cannot load', async () => {
    const missing = new Error('Failed to load keytar native addon');
    const opened = await openSecretStore({
      tier: 'keychain',
      dataDir,
      loadKeytar: () => {
        throw missing;
      },
    });
    assert.ok('error' in opened);
    assert.equal(opened.error.code, 'ERR_STORE_UNAVAILABLE');
    assert.match(opened.error.message, /install libsecret-1-0/);
    assert.equal(opened.error.cause, missing);

    // Without the module itself the agent still starts, and the message points at the packaging.
    const notShipped = await openSecretStore({
      tier: 'keychain',
      dataDir,
      loadKeytar: () => {
        throw Object.assign(new Error("Cannot find module '@github/keytar'"), { code: 'MODULE_NOT_FOUND' });
      },
    });
    assert.ok('error' in notShipped);
    assert.equal(notShipped.error.code, 'ERR_STORE_UNAVAILABLE');
    assert.match(notShipped.error.message, /not installed beside the agent/);
    assert.deepEqual(await readdir(dataDir), []);
  });
});
