// Nothing received is dropped: when the store refuses the rotated refresh token, the engine keeps it in
// memory, hands out the new access token, presents the kept refresh token at the next refresh (never
// the retired stored one), says so in the status, and writes it in the background until it lands.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Rig, rig, rigsInTempDir } from './engine-harness';

describe('a store that refuses the rotated refresh token', () => {
  const { dataDir, rigs } = rigsInTempDir();

  async function lockedRig(): Promise<Rig> {
    // A data folder per engine: each has a budget.json of its own.
    const made = await rig(join(dataDir.dir, `rig-${rigs.length}`));
    rigs.push(made);
    made.store.refuse = new Set(['refresh_token', 'access_token']);
    return made;
  }

  it('hands out the new access token and keeps the new refresh token in memory, saying so', async () => {
    const { engine, idp, store } = await lockedRig();
    const original = await store.inner.get('api', 'refresh_token');
    const token = await engine.get('api');
    assert.equal(idp.calls, 1);
    assert.match(token.accessToken, /^at-/);
    // The store still holds the retired token; the live one exists only in the engine.
    assert.equal(await store.inner.get('api', 'refresh_token'), original);
    assert.notEqual(idp.live, original);
    const state = engine.state('api');
    assert.deepEqual(state.pendingSave, {
      since: rigs.at(-1)?.clock.now(),
      message: 'new refresh token not yet saved: unlock the keyring (ERR_STORE_LOCKED)',
    });
    assert.equal(state.lastError, undefined, 'the refresh itself succeeded');
    assert.ok(!JSON.stringify(state).includes(idp.live ?? '-'), 'the status never carries the token');
  });

  it('presents the kept refresh token at every later refresh, so the provider sees no reuse', async () => {
    const made = await lockedRig();
    const { engine, idp, clock } = made;
    await engine.get('api');
    for (let i = 0; i < 3; i++) {
      const live = idp.live;
      // A forced refresh more than 10 s after the last one really refreshes.
      clock.tick(11_000);
      await engine.refresh('api');
      assert.equal(idp.presented.at(-1), live, 'the kept (live) refresh token was presented');
    }
    assert.equal(idp.calls, 4);
    assert.equal(idp.reuse, 0);
    assert.ok(idp.live, 'the grant is alive');
  });

  it('retries in the background, 1 s doubling to 30 s, and stops once the store takes the token', async () => {
    const made = await lockedRig();
    const { engine, idp, store, clock } = made;
    await engine.get('api');
    assert.equal(idp.calls, 1);
    const attempts: number[] = [];
    let refused = store.refusedWrites;
    const start = clock.now();
    // Two minutes of a locked keyring: note when each retry happened.
    for (let t = 0; t < 120_000; t += 500) {
      await made.advance(500);
      if (store.refusedWrites !== refused) attempts.push(Math.round((clock.now() - start) / 1000));
      refused = store.refusedWrites;
    }
    assert.deepEqual(attempts.slice(0, 6), [1, 3, 7, 15, 31, 61], 'waits of 1, 2, 4, 8, 16, 30 s');
    assert.equal(attempts.at(6), 91, 'capped at 30 s');
    assert.ok(engine.state('api').pendingSave);

    const changes: number[] = [];
    engine.onChange(() => changes.push(clock.now()));
    store.refuse = undefined;
    await made.advance(30_000);
    assert.equal(await store.inner.get('api', 'refresh_token'), idp.live, 'the live token is saved');
    const stored = JSON.parse((await store.inner.get('api', 'access_token')) ?? '{}') as {
      accessToken?: string;
    };
    assert.equal(stored.accessToken, (await engine.get('api')).accessToken);
    assert.equal(engine.state('api').pendingSave, undefined);
    assert.ok(changes.length >= 1, 'listeners heard that it is saved');
    const writes = store.writes;
    await made.advance(600_000);
    assert.equal(store.writes, writes, 'no retries once saved');
    assert.equal(idp.calls, 1, 'and no refresh was spent on it');
  });

  it('flushPending saves what it can after stop(), and names what it could not', async () => {
    const made = await lockedRig();
    const { engine, idp, store } = made;
    await engine.get('api');
    engine.stop();
    assert.deepEqual(await engine.flushPending(1_000), ['api'], 'still locked');
    store.refuse = undefined;
    assert.deepEqual(await engine.flushPending(1_000), []);
    assert.equal(await store.inner.get('api', 'refresh_token'), idp.live);
    assert.equal(engine.state('api').pendingSave, undefined);
  });

  it('a refresh token the user sets replaces the kept one, which is never written after it', async () => {
    const made = await lockedRig();
    const { engine, store } = made;
    await engine.get('api');
    assert.ok(engine.state('api').pendingSave);
    store.refuse = new Set(['access_token']);
    // The user's token is not the provider's live one: the refresh it triggers fails, which is fine.
    await engine.setSecret('api', 'refresh_token', 'rt-from-the-user').catch(() => undefined);
    await made.advance(120_000);
    assert.equal(await store.inner.get('api', 'refresh_token'), 'rt-from-the-user');
  });
});
