// An opaque access token whose provider gives no `expires_in` used to be held as valid forever: never
// refreshed, and handed back unchanged for any --min-valid. Now it lives the definition's
// lifetimeSeconds, else an assumed hour, is shown as assumed, and is refreshed before that end.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TokenEngine } from '../../agent/engine/tokenEngine';
import { type Rig, refreshDefinition, rig, rigsInTempDir, startMs, TestStore } from './engine-harness';

const hourMs = 3_600_000;

describe('a token whose provider does not say when it expires', () => {
  const { dataDir, rigs } = rigsInTempDir();

  async function made(options: Parameters<typeof rig>[1] = {}): Promise<Rig> {
    const one = await rig(join(dataDir.dir, `rig-${rigs.length}`), options);
    one.idp.omitExpiresIn = true;
    rigs.push(one);
    return one;
  }

  it('gets an assumed hour, shown as assumed', async () => {
    const { engine } = await made({ schedule: false });
    const token = await engine.get('api');
    assert.equal(token.expiresAt, startMs + hourMs);
    const state = engine.state('api');
    assert.equal(state.expiresAt, startMs + hourMs);
    assert.equal(state.expiryAssumed, true);
  });

  it("gets the definition's lifetimeSeconds instead, when set", async () => {
    const { engine } = await made({
      schedule: false,
      definitions: [refreshDefinition('api', { lifetimeSeconds: 600 })],
    });
    assert.equal((await engine.get('api')).expiresAt, startMs + 600_000);
    assert.equal(engine.state('api').expiryAssumed, true);
  });

  it('is refreshed in the background before its assumed end, and again before the next one', async () => {
    const { engine, idp, clock, advance } = await made();
    await engine.start();
    const first = await engine.get('api');
    assert.equal(idp.calls, 1);
    const plannedAt = engine.state('api').nextRefreshAt ?? Number.POSITIVE_INFINITY;
    assert.ok(plannedAt < startMs + hourMs, 'a refresh is planned before the assumed end');
    // Up to a second before the assumed end: the timer has fired, and a new token is held.
    await advance(hourMs - 1_000);
    assert.equal(idp.calls, 2);
    const second = await engine.get('api');
    assert.notEqual(second.accessToken, first.accessToken);
    assert.ok((second.expiresAt ?? 0) > clock.now() + hourMs / 2);
    await advance(hourMs);
    assert.equal(idp.calls, 3);
  });

  it('get with a minimum beyond the assumed life refreshes, never handing the same token back as valid', async () => {
    const { engine, idp, clock } = await made({ schedule: false });
    const held = await engine.get('api');
    clock.tick(60_000);
    const asked = await engine.get('api', { minValidSeconds: 7200 });
    assert.equal(idp.calls, 2);
    assert.notEqual(asked.accessToken, held.accessToken);
    assert.equal(asked.shortOfMinValid, true, 'marked short: the hour is only assumed');
    // A burst within 10 s shares that fresh token instead of refreshing once per call.
    for (let i = 0; i < 5; i++) {
      clock.tick(1_000);
      assert.equal((await engine.get('api', { minValidSeconds: 7200 })).accessToken, asked.accessToken);
    }
    assert.equal(idp.calls, 2);
    clock.tick(10_000);
    const later = await engine.get('api', { minValidSeconds: 7200 });
    assert.equal(idp.calls, 3);
    assert.notEqual(later.accessToken, asked.accessToken);
  });

  it('once the refresh budget is spent, a minimum beyond the assumed life fails with a code', async () => {
    const { engine, clock } = await made({
      schedule: false,
      definitions: [refreshDefinition('api', { refreshBudgetPerHour: 2 })],
    });
    await engine.get('api');
    clock.tick(11_000);
    await engine.get('api', { minValidSeconds: 7200 });
    clock.tick(11_000);
    await assert.rejects(engine.get('api', { minValidSeconds: 7200 }), {
      code: 'ERR_REFRESH_BUDGET_EXHAUSTED',
    });
    // A caller content with what is known still gets the held token.
    assert.ok((await engine.get('api')).accessToken);
  });

  it('keeps the flag across a restart, and assumes an hour for a token stored without an expiry', async () => {
    const first = await made({ schedule: false });
    await first.engine.get('api');
    const reopened = new TokenEngine({
      definitions: [refreshDefinition('api')],
      store: first.store,
      dataDir: join(dataDir.dir, 'reopened'),
      schedule: false,
      now: first.clock.now,
      timers: first.clock,
      fetch: first.idp.fetch,
    });
    await reopened.start();
    assert.equal(reopened.state('api').expiryAssumed, true);
    assert.equal(reopened.state('api').expiresAt, startMs + hourMs);
    reopened.stop();

    // What an agent from before stored: no expiry at all.
    const store = new TestStore();
    const obtainedAt = startMs - 10 * 60_000;
    await store.inner.set('api', 'access_token', JSON.stringify({ accessToken: 'opaque-old', obtainedAt }));
    const old = new TokenEngine({
      definitions: [refreshDefinition('api')],
      store,
      dataDir: join(dataDir.dir, 'old'),
      schedule: false,
      now: first.clock.now,
      timers: first.clock,
      fetch: first.idp.fetch,
    });
    await old.start();
    assert.equal(old.state('api').expiresAt, obtainedAt + hourMs);
    assert.equal(old.state('api').expiryAssumed, true);
    old.stop();
  });

  it('a static token has no expiry, and says so', async () => {
    const store = new TestStore();
    await store.inner.set('pat', 'static_token', 'pasted-opaque-value');
    const one = await made({
      schedule: false,
      store,
      definitions: [{ name: 'pat', type: 'static', refreshBeforeSeconds: 120 }],
    });
    const token = await one.engine.get('pat', { minValidSeconds: 7200 });
    assert.equal(token.expiresAt, undefined);
    const state = one.engine.state('pat');
    assert.equal(state.expiresAt, undefined);
    assert.equal(state.expiryAssumed, undefined);
  });
});
