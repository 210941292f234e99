// The engine's refresh path under a fake clock and a token endpoint that rotates refresh tokens and
// revokes a grant on reuse: when the scheduler refreshes, how concurrent callers share one refresh,
// that the rotated refresh token is stored before the access token is handed out, how failures back
// off, and that hours of traffic never present a retired refresh token.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { codes } from '../../agent/base/errors';
import type { SecretKind } from '../../agent/store/secretStore';
import { FakeClock, type Rig, rig, rigsInTempDir, TestStore, until } from './engine-harness';

const { dataDir, rigs } = rigsInTempDir();

async function made(options: Parameters<typeof rig>[1] = {}): Promise<Rig> {
  // A data folder per engine: each has a budget.json of its own.
  const one = await rig(join(dataDir.dir, `rig-${rigs.length}`), options);
  rigs.push(one);
  return one;
}

describe('the schedule', () => {
  it('refreshes refreshBeforeSeconds ahead of expiry, less the jitter, and not a moment earlier', async () => {
    const { engine, idp, clock, advance } = await made();
    const token = await engine.get('api');
    const expiresAt = token.expiresAt ?? 0;
    // A lead of 120 s; jitter is up to a tenth of it, and the randomness is pinned at 0.5: 6 s.
    const due = expiresAt - 120_000 - 6_000;
    assert.equal(engine.state('api').nextRefreshAt, due);
    await advance(due - clock.now() - 1);
    assert.equal(idp.calls, 1);
    await advance(1);
    assert.equal(idp.calls, 2);
    assert.ok((engine.state('api').expiresAt ?? 0) > expiresAt);
  });

  it('spreads tokens with the jitter: randomness 0 and 0.99 schedule 12 s apart at most', async () => {
    const low = await made({ random: () => 0 });
    const high = await made({ random: () => 0.99 });
    await low.engine.get('api');
    await high.engine.get('api');
    const at = (one: Rig) =>
      (one.engine.state('api').nextRefreshAt ?? 0) - (one.engine.state('api').expiresAt ?? 0);
    assert.equal(at(low), -120_000);
    assert.equal(at(high), -120_000 - Math.floor(0.99 * 12_000));
  });

  it('regression: a timer that fires inside the jitter refreshes once instead of spinning', async () => {
    const { engine, idp, clock, advance } = await made({ random: () => 0.99 });
    await engine.get('api');
    const fired = clock.fired;
    // Past the refresh, well short of the unjittered refresh point's jitter margin's end.
    await advance(3_600_000 - 120_000 - 5_000);
    assert.equal(idp.calls, 2);
    assert.ok(clock.fired - fired <= 2, `${clock.fired - fired} timer callbacks`);
  });
});

describe('concurrent callers', () => {
  it('share one refresh: 25 gets while the token endpoint answers make one call', async () => {
    const { engine, idp } = await made();
    idp.hold();
    const gets = Array.from({ length: 25 }, () => engine.get('api', { minValidSeconds: 60 }));
    idp.open();
    const tokens = await Promise.all(gets);
    assert.equal(idp.calls, 1);
    assert.equal(new Set(tokens.map((token) => token.accessToken)).size, 1);
  });

  it('a get during a scheduled refresh joins it', async () => {
    const { engine, idp, clock } = await made();
    await engine.get('api');
    idp.hold();
    await clock.advance(3_600_000 - 126_000);
    await until(() => idp.calls === 2, 'the scheduled refresh to wait on the endpoint');
    const joined = engine.get('api', { minValidSeconds: 3_000 });
    idp.open();
    await joined;
    await engine.idle();
    assert.equal(idp.calls, 2);
  });
});

describe('the rotated refresh token', () => {
  /** A store whose refresh-token writes wait until released. */
  class GatedStore extends TestStore {
    readonly order: SecretKind[] = [];
    #release: (() => void) | undefined;
    #gate: Promise<void> | undefined;

    hold(): void {
      this.#gate = new Promise((resolve) => {
        this.#release = resolve;
      });
    }

    release(): void {
      this.#release?.();
      this.#gate = undefined;
    }

    /** Whether a refresh-token write is waiting at the gate. */
    waiting = false;

    override async set(tokenName: string, kind: SecretKind, value: string): Promise<void> {
      if (kind === 'refresh_token' && this.#gate) {
        this.waiting = true;
        await this.#gate;
        this.waiting = false;
      }
      this.order.push(kind);
      await super.set(tokenName, kind, value);
    }
  }

  it('is stored before the access token is stored or handed out', async () => {
    const store = new GatedStore();
    const { engine, idp } = await made({ store });
    store.hold();
    let handedOut = false;
    const got = engine.get('api').then((token) => {
      handedOut = true;
      return token;
    });
    // The refresh reached the endpoint and its answer waits for the store: nothing is handed out yet.
    await until(() => idp.calls === 1 && store.waiting, 'the refresh token write to wait');
    assert.equal(handedOut, false);
    store.release();
    const token = await got;
    assert.deepEqual(store.order, ['refresh_token', 'access_token']);
    assert.equal(await store.inner.get('api', 'refresh_token'), idp.live);
    const stored = JSON.parse((await store.inner.get('api', 'access_token')) ?? '{}') as {
      accessToken: string;
    };
    assert.equal(stored.accessToken, token.accessToken);
  });
});

describe('failures', () => {
  it('wait for Retry-After on a 429, and retry by themselves when it has passed', async () => {
    const { engine, idp, clock, advance } = await made();
    idp.failNext(1, { status: 429, headers: { 'retry-after': '7' } });
    await assert.rejects(engine.get('api'), { code: codes.tokenEndpointHttp });
    assert.equal(engine.state('api').nextRefreshAt, clock.now() + 7_000);
    await advance(6_999);
    assert.equal(idp.calls, 1);
    await advance(1);
    assert.equal(idp.calls, 2);
    assert.equal(engine.state('api').phase, 'fresh');
  });

  it('read an HTTP-date Retry-After on a 503 against the same clock', async () => {
    const clock = new FakeClock();
    const { engine, idp } = await made({ clock });
    const retryAt = Math.ceil((clock.now() + 30_000) / 1000) * 1000;
    idp.failNext(1, { status: 503, headers: { 'retry-after': new Date(retryAt).toUTCString() } });
    await assert.rejects(engine.get('api'));
    assert.equal(engine.state('api').nextRefreshAt, retryAt);
  });

  it('back off exponentially after 500s, ignoring their Retry-After', async () => {
    const { engine, idp, clock, advance } = await made();
    idp.failNext(4, { status: 500, headers: { 'retry-after': '60' } });
    await assert.rejects(engine.get('api'));
    const waits: number[] = [];
    let calls = idp.calls;
    let last = clock.now();
    // The timer retries by itself: 0.75 s, 1.5 s, 3 s with the randomness at 0.5, then succeeds.
    for (let step = 0; step < 400 && engine.state('api').phase !== 'fresh'; step++) {
      await advance(50);
      if (idp.calls !== calls) {
        waits.push(clock.now() - last);
        last = clock.now();
        calls = idp.calls;
      }
    }
    assert.deepEqual(waits, [750, 1_500, 3_000, 6_000]);
    assert.equal(engine.state('api').lastError, undefined);
  });

  it('an invalid_grant asks for a sign-in and stops the timer', async () => {
    const { engine, idp, clock } = await made();
    idp.live = 'rt-someone-else';
    await assert.rejects(engine.get('api'), { code: codes.needsSignIn });
    assert.equal(engine.state('api').phase, 'needs-sign-in');
    await clock.advance(3_600_000, () => engine.idle());
    assert.equal(idp.calls, 1, 'no retries with a refresh token the provider refused');
  });
});

describe('hours of traffic', () => {
  it('never present a retired refresh token: 0 reuse, one refresh per token life', async () => {
    const { engine, idp, clock, advance } = await made({ ttlSeconds: 300 });
    await engine.start();
    let gets = 0;
    // Three hours: every 5 s a burst of gets with assorted minimums, every 10 min a "refresh now".
    for (let t = 0; t < 3 * 3_600; t += 5) {
      await advance(5_000);
      const minimums = [0, 30, 120, 600, 86_400];
      await Promise.all(minimums.map((minValidSeconds) => engine.get('api', { minValidSeconds })));
      gets += minimums.length;
      if (t % 600 === 0) await engine.refresh('api');
    }
    assert.equal(idp.reuse, 0);
    assert.ok(idp.live, 'the grant is alive');
    // 300-second tokens refreshed 120 s before expiry (less jitter): about every 174 s; and the
    // forced refreshes (18 of them) on top.
    const lives = (3 * 3_600) / 174;
    assert.ok(idp.calls <= Math.ceil(lives) + 18 + 1, `${idp.calls} refreshes for ${gets} gets`);
    assert.ok(idp.calls >= Math.floor(lives), `${idp.calls} refreshes`);
    assert.equal(engine.state('api').lastError, undefined);
    assert.ok(clock.now() > 0);
  });
});
