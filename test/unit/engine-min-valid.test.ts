// A minValidSeconds the token cannot meet never turns requests into refreshes: the engine refreshes
// only past the token's own refresh point (or when a fresh token would meet the minimum), and hands
// over the freshest token marked shortOfMinValid instead of refreshing again or throwing.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Rig, rig, rigsInTempDir } from './engine-harness';

describe('get with a minimum validity', () => {
  const { dataDir, rigs } = rigsInTempDir();

  async function made(ttlSeconds: number): Promise<Rig> {
    // A data folder per engine: each has a budget.json of its own.
    const one = await rig(join(dataDir.dir, `rig-${rigs.length}`), { ttlSeconds, schedule: false });
    rigs.push(one);
    return one;
  }

  it('80 gets asking 120 s of 60-second tokens, 0.2 s apart: one refresh, every answer marked short', async () => {
    const { engine, idp, clock } = await made(60);
    for (let i = 0; i < 80; i++) {
      const token = await engine.get('api', { minValidSeconds: 120 });
      assert.equal(token.shortOfMinValid, true);
      assert.ok((token.expiresAt ?? 0) > clock.now(), 'a valid token');
      clock.tick(200);
    }
    assert.equal(idp.calls, 1);
  });

  it('over several lifetimes, refreshes once per token, at its refresh point', async () => {
    const { engine, idp, clock } = await made(60);
    const start = clock.now();
    const seen = new Set<string>();
    // Two minutes of a get every 0.2 s.
    for (let i = 0; i < 600; i++) {
      seen.add((await engine.get('api', { minValidSeconds: 120 })).accessToken);
      clock.tick(200);
    }
    // Tokens of 60 s are refreshed at two thirds of their life: at 0, 40 and 80 s.
    assert.equal(idp.calls, 3, `${idp.calls} refreshes in ${(clock.now() - start) / 1000} s`);
    assert.equal(seen.size, 3);
  });

  it('100 gets with an impossible minimum (a day) cause one refresh', async () => {
    const { engine, idp, clock } = await made(3600);
    for (let i = 0; i < 100; i++) {
      const token = await engine.get('api', { minValidSeconds: 86_400 });
      assert.equal(token.shortOfMinValid, true);
      clock.tick(200);
    }
    assert.equal(idp.calls, 1);
  });

  it('20 concurrent gets with an impossible minimum share one refresh', async () => {
    const { engine, idp } = await made(60);
    idp.hold();
    const gets = Array.from({ length: 20 }, () => engine.get('api', { minValidSeconds: 86_400 }));
    idp.open();
    const tokens = await Promise.all(gets);
    assert.equal(idp.calls, 1);
    assert.equal(new Set(tokens.map((token) => token.accessToken)).size, 1);
  });

  it('refreshes when a fresh token would meet the minimum and the held one does not', async () => {
    const { engine, idp, clock } = await made(3600);
    const first = await engine.get('api');
    // 200 s left: not enough for 300 s, but an hour-long token is.
    clock.tick(3_400_000);
    const second = await engine.get('api', { minValidSeconds: 300 });
    assert.equal(idp.calls, 2);
    assert.notEqual(second.accessToken, first.accessToken);
    assert.equal(second.shortOfMinValid, undefined);
  });

  it('when that refresh fails, says why rather than handing over a token too short', async () => {
    const { engine, idp, clock } = await made(3600);
    await engine.get('api');
    clock.tick(3_400_000);
    idp.failNext(1, { status: 500 });
    await assert.rejects(engine.get('api', { minValidSeconds: 300 }), { code: 'ERR_TOKEN_ENDPOINT_HTTP' });
  });

  it('when the minimum is impossible and the refresh fails, hands over the still-valid token', async () => {
    const { engine, idp, clock } = await made(60);
    const held = await engine.get('api');
    // Past the refresh point (40 s), 15 s left.
    clock.tick(45_000);
    idp.failNext(1, { status: 503 });
    const token = await engine.get('api', { minValidSeconds: 120 });
    assert.equal(token.accessToken, held.accessToken);
    assert.equal(token.shortOfMinValid, true);
    assert.equal(idp.calls, 2);
  });

  it('throws when no valid token can be had at all', async () => {
    const { engine, idp, clock } = await made(60);
    await engine.get('api');
    clock.tick(61_000);
    idp.failNext(1, { status: 503 });
    await assert.rejects(engine.get('api', { minValidSeconds: 120 }), { code: 'ERR_TOKEN_ENDPOINT_HTTP' });
  });
});
