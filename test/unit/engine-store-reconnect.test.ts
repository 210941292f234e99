// The keychain store reconnects by itself after the Secret Service daemon restarts: libsecret in a
// long-lived process keeps failing with the old daemon's unique name, so the store reopens its
// backend once and retries. A real restart cannot happen in a unit test; injected backends stand in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeychainStore, type KeytarApi, needsReconnect } from '../../agent/store/keychainStore';

const staleName = 'The name :1.42 was not provided by any .service files';

/** A keytar whose calls all fail with `message`, counting them. */
function failing(message: string): KeytarApi & { calls: number } {
  const backend = {
    calls: 0,
    getPassword: async () => {
      backend.calls += 1;
      throw new Error(message);
    },
    setPassword: async () => {
      backend.calls += 1;
      throw new Error(message);
    },
    deletePassword: async () => {
      backend.calls += 1;
      throw new Error(message);
    },
  };
  return backend;
}

/** A working keytar over a map. */
function working(): KeytarApi & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    getPassword: async (service, account) => values.get(`${service}|${account}`) ?? null,
    setPassword: async (service, account, password) => {
      values.set(`${service}|${account}`, password);
    },
    deletePassword: async (service, account) => values.delete(`${service}|${account}`),
  };
}

describe('KeychainStore after the Secret Service daemon restarted', () => {
  it('recognises the failures only a new connection cures', () => {
    assert.equal(needsReconnect(new Error(staleName)), true);
    assert.equal(needsReconnect(new Error('The connection is closed')), true);
    assert.equal(
      needsReconnect(new Error('The name org.freedesktop.secrets was not provided by any .service files')),
      false,
      'no daemon at all: a new connection finds none either',
    );
    assert.equal(needsReconnect(new Error('Cannot create an item in a locked collection')), false);
  });

  it('reopens once and retries the call; later calls use the new backend', async () => {
    const stale = failing(staleName);
    const fresh = working();
    let reopened = 0;
    const reasons: string[] = [];
    const store = new KeychainStore({
      keytar: stale,
      reopen: () => {
        reopened += 1;
        return fresh;
      },
      onReopen: (reason) => reasons.push(reason),
    });
    await store.set('api', 'refresh_token', 'rt-new');
    assert.equal(fresh.values.get('token-agent|api/refresh_token'), 'rt-new');
    assert.equal(await store.get('api', 'refresh_token'), 'rt-new');
    assert.equal(stale.calls, 1);
    assert.equal(reopened, 1);
    assert.equal(reasons.length, 1);
    assert.ok(!reasons[0]?.includes('rt-new'), 'the reason never carries the secret');
  });

  it('retries only once: a reopened backend that fails the same way reports the error', async () => {
    let reopened = 0;
    const store = new KeychainStore({
      keytar: failing(staleName),
      reopen: () => {
        reopened += 1;
        return failing(staleName);
      },
    });
    await assert.rejects(store.set('api', 'refresh_token', 'rt'), { code: 'ERR_STORE_UNAVAILABLE' });
    assert.equal(reopened, 1);
  });

  it('does not reopen for a locked keyring or a missing daemon', async () => {
    let reopened = 0;
    const reopen = () => {
      reopened += 1;
      return working();
    };
    const locked = new KeychainStore({
      keytar: failing('Cannot create an item in a locked collection'),
      reopen,
    });
    await assert.rejects(locked.set('api', 'refresh_token', 'rt'), { code: 'ERR_STORE_LOCKED' });
    const missing = new KeychainStore({
      keytar: failing('The name org.freedesktop.secrets was not provided by any .service files'),
      reopen,
    });
    await assert.rejects(missing.get('api', 'refresh_token'), { code: 'ERR_STORE_UNAVAILABLE' });
    assert.equal(reopened, 0);
  });

  it('keeps the first error when no new connection can be made', async () => {
    const store = new KeychainStore({
      keytar: failing(staleName),
      reopen: () => {
        throw new Error('cannot spawn');
      },
    });
    await assert.rejects(store.get('api', 'refresh_token'), (error: Error) =>
      error.message.includes(':1.42'),
    );
  });
});
