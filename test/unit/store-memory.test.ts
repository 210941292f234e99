import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openSecretStore, type SecretStore, secretKinds } from '../../agent/store/secretStore';

async function memoryStore(): Promise<SecretStore> {
  const opened = await openSecretStore({ tier: 'memory', dataDir: '/nonexistent/never-written' });
  assert.ok('store' in opened);
  return opened.store;
}

describe('the memory secret store', () => {
  it('says it is the plaintext memory tier', async () => {
    const store = await memoryStore();
    assert.equal(store.tier, 'memory');
    assert.equal(store.plaintext, true);
  });

  it('stores, reads and deletes one kind of secret per token', async () => {
    const store = await memoryStore();
    assert.equal(await store.get('github', 'refresh_token'), undefined);
    await store.set('github', 'refresh_token', 'fake-refresh-1');
    await store.set('github', 'client_secret', 'fake-client-secret');
    await store.set('gitlab', 'refresh_token', 'fake-refresh-2');
    assert.equal(await store.get('github', 'refresh_token'), 'fake-refresh-1');
    assert.equal(await store.get('github', 'access_token'), undefined);

    await store.set('github', 'refresh_token', 'fake-refresh-3');
    assert.equal(await store.get('github', 'refresh_token'), 'fake-refresh-3');

    await store.delete('github', 'refresh_token');
    assert.equal(await store.get('github', 'refresh_token'), undefined);
    assert.equal(await store.get('github', 'client_secret'), 'fake-client-secret');
    assert.equal(await store.get('gitlab', 'refresh_token'), 'fake-refresh-2');
  });

  it('deletes every kind of a token when no kind is given, and deleting nothing is fine', async () => {
    const store = await memoryStore();
    for (const kind of secretKinds) await store.set('github', kind, `fake-${kind}`);
    await store.set('gitlab', 'static_token', 'fake-static');
    await store.delete('github');
    for (const kind of secretKinds) assert.equal(await store.get('github', kind), undefined);
    assert.equal(await store.get('gitlab', 'static_token'), 'fake-static');
    await store.delete('github');
    await store.delete('never-stored', 'access_token');
  });

  it('keeps each store separate: no state is shared between instances', async () => {
    const one = await memoryStore();
    const two = await memoryStore();
    await one.set('github', 'refresh_token', 'fake-refresh');
    assert.equal(await two.get('github', 'refresh_token'), undefined);
  });

  it('treats odd but valid names as plain keys', async () => {
    const store = await memoryStore();
    await store.set('__proto__', 'refresh_token', 'fake-proto');
    await store.set('a/b', 'refresh_token', 'fake-slash');
    assert.equal(await store.get('__proto__', 'refresh_token'), 'fake-proto');
    assert.equal(await store.get('a/b', 'refresh_token'), 'fake-slash');
    assert.equal(await store.get('a', 'refresh_token'), undefined);
  });

  it('rejects misuse with a TypeError that does not quote the value', async () => {
    const store = await memoryStore();
    await assert.rejects(store.get('', 'refresh_token'), TypeError);
    await assert.rejects(store.get('x'.repeat(129), 'refresh_token'), TypeError);
    await assert.rejects(store.get('line\nbreak', 'refresh_token'), TypeError);
    await assert.rejects(store.get('github', 'password' as 'refresh_token'), TypeError);
    await assert.rejects(store.delete('github', 'password' as 'refresh_token'), TypeError);
    await assert.rejects(store.set('github', 'refresh_token', ''), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /non-empty string/);
      return true;
    });
  });
});
