// The pure parts of team mode and the sidecar: the team key and its sealed records, which copy of a
// refresh token wins, `--listen` values, and the Host check against DNS rebinding.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultSocketPath, parseListen } from '../../agent/daemon/listen';
import { loopbackHost } from '../../agent/daemon/requestGate';
import { MemoryStore } from '../../agent/store/memoryStore';
import { LocalReplica } from '../../agent/team/replica';
import { TeamKey } from '../../agent/team/seal';

const keyText = 'vQk/oGoEw9Mhu2U8UTHJihKwv4NZBh2G+yr46fHzMUc=';

describe('TeamKey', () => {
  it('takes 32 bytes as base64, base64url or hex, and refuses anything else without quoting it', () => {
    const key = TeamKey.parse(keyText);
    assert.equal(TeamKey.parse(Buffer.from(keyText, 'base64').toString('base64url')).id, key.id);
    assert.equal(TeamKey.parse(Buffer.from(keyText, 'base64').toString('hex')).id, key.id);
    for (const bad of ['', 'short', Buffer.alloc(31).toString('base64'), 'z'.repeat(64)]) {
      assert.throws(
        () => TeamKey.parse(bad),
        (error: Error) => {
          assert.ok(error instanceof TypeError);
          assert.equal(error.message, 'the team key must be 32 bytes, written as base64 or hex');
          return true;
        },
      );
    }
  });

  it('seals with a fresh nonce, opens only at the same place, and tells another key from corruption', () => {
    const key = TeamKey.parse(keyText);
    const sealed = key.seal('the refresh token', 'p:{api:1}:state');
    assert.notEqual(key.seal('the refresh token', 'p:{api:1}:state'), sealed);
    assert.ok(!sealed.includes('refresh'));
    assert.deepEqual(key.open(sealed, 'p:{api:1}:state'), { text: 'the refresh token' });
    // A record copied to another token's key does not open there.
    assert.deepEqual(key.open(sealed, 'p:{other:1}:state'), { problem: 'corrupt' });
    const other = TeamKey.parse(Buffer.alloc(32, 7).toString('base64'));
    assert.deepEqual(other.open(sealed, 'p:{api:1}:state'), { problem: 'other-key' });
    const [head, kid, body = ''] = sealed.split('.');
    // One character of the ciphertext changed (well inside, so it carries only data bits).
    const flipped = `${head}.${kid}.${body.slice(0, 20)}${body[20] === 'A' ? 'B' : 'A'}${body.slice(21)}`;
    assert.deepEqual(key.open(flipped, 'p:{api:1}:state'), { problem: 'corrupt' });
    assert.deepEqual(key.open('not sealed', 'p:{api:1}:state'), { problem: 'corrupt' });
  });
});

describe('LocalReplica: which refresh token wins', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  async function replica() {
    const dataDir = await mkdtemp(join(tmpdir(), 'token-agent-replica-'));
    dirs.push(dataDir);
    const store = new MemoryStore();
    return { store, replica: new LocalReplica({ dataDir, store, key: TeamKey.parse(keyText) }) };
  }
  const base = 'p:{api:1}:state';

  it('publishes the local one when the team has none, and takes the team one when it has none locally', async () => {
    const { store, replica: a } = await replica();
    assert.equal(await a.reconcile('api', { base, fence: 0, refreshToken: undefined }), undefined);
    await store.set('api', 'refresh_token', 'rt-local');
    assert.equal(await a.reconcile('api', { base, fence: 0, refreshToken: undefined }), 'rt-local');
    const { store: emptyStore, replica: b } = await replica();
    assert.equal(await b.reconcile('api', { base, fence: 5, refreshToken: 'rt-team' }), undefined);
    assert.equal(await emptyStore.get('api', 'refresh_token'), 'rt-team');
  });

  it('lets the team win when the local copy is unchanged since the last exchange, or was never exchanged', async () => {
    const { store, replica: r } = await replica();
    // A machine that joins with a copied refresh token: the team's wins (the copy may be stale).
    await store.set('api', 'refresh_token', 'rt-copied');
    assert.equal(await r.reconcile('api', { base, fence: 5, refreshToken: 'rt-5' }), undefined);
    assert.equal(await store.get('api', 'refresh_token'), 'rt-5');
    // The team moved on while this machine's copy stayed as exchanged: the team's wins again.
    assert.equal(await r.reconcile('api', { base, fence: 9, refreshToken: 'rt-9' }), undefined);
    assert.equal(await store.get('api', 'refresh_token'), 'rt-9');
  });

  it('lets the local copy win when it changed since the last exchange (a sign-in, or a refresh without Redis)', async () => {
    const { store, replica: r } = await replica();
    await r.committed('api', base, 9, 'rt-9');
    await store.set('api', 'refresh_token', 'rt-10-refreshed-alone');
    assert.equal(await r.reconcile('api', { base, fence: 9, refreshToken: 'rt-9' }), 'rt-10-refreshed-alone');
    assert.equal(await store.get('api', 'refresh_token'), 'rt-10-refreshed-alone');
    // Redis came back empty and restarted its fences: the local one still wins.
    assert.equal(
      await r.reconcile('api', { base, fence: 0, refreshToken: undefined }),
      'rt-10-refreshed-alone',
    );
  });

  it('keeps the local copy when the team went back to older data (a restored backup)', async () => {
    const { store, replica: r } = await replica();
    await store.set('api', 'refresh_token', 'rt-12');
    await r.committed('api', base, 12, 'rt-12');
    assert.equal(await r.reconcile('api', { base, fence: 7, refreshToken: 'rt-7' }), 'rt-12');
  });

  it('mirrors the team only forward, and never over a local copy that changed', async () => {
    const { store, replica: r } = await replica();
    await r.mirror('api', { base, fence: 3, refreshToken: 'rt-3' });
    assert.equal(await store.get('api', 'refresh_token'), 'rt-3');
    await r.mirror('api', { base, fence: 2, refreshToken: 'rt-2' });
    assert.equal(await store.get('api', 'refresh_token'), 'rt-3');
    assert.equal(await r.behind('api', base, 3), false);
    assert.equal(await r.behind('api', base, 4), true);
    await store.set('api', 'refresh_token', 'rt-signed-in');
    await r.mirror('api', { base, fence: 4, refreshToken: 'rt-4' });
    assert.equal(await store.get('api', 'refresh_token'), 'rt-signed-in');
    // A mark of another team (another Redis, prefix or token definition) does not count.
    assert.equal(await r.behind('api', 'q:{api:1}:state', 1), true);
  });
});

describe('token-agent serve addresses', () => {
  it('parses --listen values, loopback only', () => {
    assert.deepEqual(parseListen('unix:/run/user/1000/a.sock'), {
      kind: 'unix',
      path: '/run/user/1000/a.sock',
    });
    assert.deepEqual(parseListen('127.0.0.1:8125'), { kind: 'tcp', host: '127.0.0.1', port: 8125 });
    assert.deepEqual(parseListen('localhost:0'), { kind: 'tcp', host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseListen('[::1]:8125'), { kind: 'tcp', host: '::1', port: 8125 });
    for (const bad of ['0.0.0.0:8125', '192.168.1.2:80', ':8125', '127.0.0.1', 'unix:', '127.0.0.1:99999']) {
      assert.ok('error' in parseListen(bad), bad);
    }
  });

  it('puts the default socket in the runtime folder, else the data folder', () => {
    const dataDir = '/home/u/.local/share/token-agent';
    assert.equal(
      defaultSocketPath({ platform: 'linux', env: { XDG_RUNTIME_DIR: '/run/user/1000' }, dataDir }),
      '/run/user/1000/token-agent/agent.sock',
    );
    assert.equal(
      defaultSocketPath({ platform: 'linux', env: { XDG_RUNTIME_DIR: 'relative' }, dataDir }),
      `${dataDir}/agent.sock`,
    );
    assert.equal(
      defaultSocketPath({
        platform: 'linux',
        env: { TOKEN_AGENT_SOCKET: '/tmp/s.sock', XDG_RUNTIME_DIR: '/run/user/1000' },
        dataDir,
      }),
      '/tmp/s.sock',
    );
  });

  it('accepts only loopback Host names, with the listening port on TCP', () => {
    const tcp = { kind: 'tcp' as const, port: 8125, bearer: 'x' };
    const unix = { kind: 'unix' as const };
    for (const host of ['127.0.0.1:8125', 'localhost:8125', '[::1]:8125', 'LOCALHOST:8125'])
      assert.equal(loopbackHost(host, tcp), true, host);
    for (const host of [
      undefined,
      '',
      'attacker.example:8125',
      'localhost.attacker.example:8125',
      '127.0.0.1.nip.io:8125',
      '127.0.0.1:8126',
      '127.0.0.1',
      '127.0.0.2:8125',
      '0.0.0.0:8125',
    ])
      assert.equal(loopbackHost(host, tcp), false, String(host));
    assert.equal(loopbackHost('localhost', unix), true);
    assert.equal(loopbackHost('attacker.example', unix), false);
  });
});
