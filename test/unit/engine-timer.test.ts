// Timers that cannot spin: Node turns a delay above 2^31-1 ms into 1 ms, so a token due in 60 days
// would be refreshed, or at least woken for, a thousand times a second. armTimer waits in pieces.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { armTimer, maxTimerDelayMs } from '../../agent/engine/timer';
import { FakeClock, type Rig, rig, tempDataDir } from './engine-harness';

const day = 24 * 3_600_000;

describe('armTimer', () => {
  it('never asks for a delay Node would clamp', () => {
    assert.ok(maxTimerDelayMs < 2 ** 31 - 1);
    const asked: number[] = [];
    const timers = {
      setTimeout: (_callback: () => void, delayMs: number) => asked.push(delayMs),
      clearTimeout: () => undefined,
    };
    armTimer(Date.now() + 60 * day, Date.now, () => undefined, timers);
    assert.deepEqual(asked, [maxTimerDelayMs]);
  });

  it('fires once, at the due time, after waking early as often as the cap needs', async () => {
    const clock = new FakeClock();
    const at = clock.now() + 60 * day;
    let fired = 0;
    armTimer(at, clock.now, () => fired++, clock);
    await clock.advance(60 * day - 1);
    assert.equal(fired, 0);
    assert.equal(clock.fired, 2, 'two early wake-ups in 60 days, each re-arming');
    await clock.advance(1);
    assert.equal(fired, 1);
    assert.equal(clock.now(), at);
    assert.equal(clock.pending, 0);
  });

  it('follows a clock that jumps: re-reads it on waking', async () => {
    const clock = new FakeClock();
    const at = clock.now() + 30 * day;
    let fired = 0;
    armTimer(at, clock.now, () => fired++, clock);
    // The machine slept through most of the wait: the clock is past due when the first piece ends.
    clock.tick(29 * day);
    await clock.advance(maxTimerDelayMs);
    assert.equal(fired, 1);
  });

  it('fires a due time in the past on the next turn, and never after cancel()', async () => {
    const clock = new FakeClock();
    let fired = 0;
    armTimer(clock.now() - 5_000, clock.now, () => fired++, clock);
    await clock.advance(0);
    assert.equal(fired, 1);
    const handle = armTimer(clock.now() + 60 * day, clock.now, () => fired++, clock);
    handle.cancel();
    await clock.advance(61 * day);
    assert.equal(fired, 1);
    assert.equal(clock.pending, 0);
  });
});

describe('an engine holding a token that lives 60 days', () => {
  let dataDir: { dir: string; remove: () => Promise<void> };
  let made: Rig;

  before(async () => {
    dataDir = await tempDataDir();
    made = await rig(dataDir.dir, { ttlSeconds: 60 * 24 * 3600 });
    await made.engine.start();
    // start() finds only a refresh token and refreshes at once, on the next turn.
    await made.advance(0);
    assert.equal(made.idp.calls, 1);
  });

  after(async () => {
    made?.engine.stop();
    await dataDir?.remove();
  });

  it('costs nothing while idle: no timer callback and no store read over a minute', async () => {
    const { clock, store } = made;
    const fired = clock.fired;
    const reads = store.reads;
    await made.advance(60_000);
    assert.equal(clock.fired - fired, 0);
    assert.equal(store.reads - reads, 0);
    assert.equal(clock.pending, 1, 'one timer armed, for the refresh');
  });

  it('wakes at most twice in 30 days, and neither reads the store nor refreshes', async () => {
    const { clock, store, idp } = made;
    const fired = clock.fired;
    const reads = store.reads;
    await made.advance(30 * day);
    assert.ok(clock.fired - fired <= 2, `${clock.fired - fired} wake-ups`);
    assert.equal(store.reads - reads, 0);
    assert.equal(idp.calls, 1);
  });

  it('refreshes once when the refresh point comes, 60 days on', async () => {
    const { idp, engine } = made;
    await made.advance(30 * day);
    assert.equal(idp.calls, 2);
    const state = engine.state('api');
    assert.ok((state.nextRefreshAt ?? 0) > made.clock.now() + 59 * day);
  });
});
