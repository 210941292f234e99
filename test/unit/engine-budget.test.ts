// One budget, no amplification: the refresh budget and the backoff outlive a restart (budget.json),
// and a "refresh now" right after a refresh hands back the token just obtained.
import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { budgetFileName } from '../../agent/engine/budgetFile';
import { FakeClock, refreshDefinition, rig, TestStore, tempDataDir } from './engine-harness';

let root: { dir: string; remove: () => Promise<void> };
let folders = 0;

before(async () => {
  root = await tempDataDir();
});

after(() => root.remove());

/** A data folder of its own per test, not created yet: the engine makes it. */
function dataDir(): string {
  folders += 1;
  return join(root.dir, `agent-${folders}`);
}

/** Two agents in a row on one data folder, one clock and one store: a restart. */
async function restart(dir: string, made: Awaited<ReturnType<typeof rig>>, refreshBudgetPerHour: number) {
  made.engine.stop();
  await made.engine.idle();
  const next = await rig(dir, {
    clock: made.clock,
    store: made.store,
    definitions: [refreshDefinition('api', { refreshBudgetPerHour })],
  });
  // The new agent talks to the same provider, whose grant lives on.
  next.idp.live = made.idp.live;
  await next.store.inner.set('api', 'refresh_token', made.idp.live ?? '');
  return next;
}

describe('budget.json', () => {
  it('is written 0600 in a 0700 folder, atomically, with the refreshes spent', async () => {
    const dir = dataDir();
    const made = await rig(dir, { definitions: [refreshDefinition('api', { refreshBudgetPerHour: 3 })] });
    await made.engine.get('api');
    await made.engine.idle();
    const file = join(dir, budgetFileName);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    const saved = JSON.parse(await readFile(file, 'utf8')) as { tokens: Record<string, { spent: number[] }> };
    assert.deepEqual(saved.tokens.api?.spent, [made.clock.now()]);
    assert.deepEqual(
      (await readdir(dir)).filter((name) => name.endsWith('.tmp')),
      [],
      'no temp file is left behind',
    );
    made.engine.stop();
  });

  it('carries the spent budget over a restart: a fresh process cannot refresh past it', async () => {
    const dir = dataDir();
    const first = await rig(dir, { definitions: [refreshDefinition('api', { refreshBudgetPerHour: 3 })] });
    await first.engine.get('api');
    for (let i = 0; i < 2; i++) {
      first.clock.tick(11_000);
      await first.engine.refresh('api');
    }
    assert.equal(first.idp.calls, 3);
    const second = await restart(dir, first, 3);
    second.clock.tick(11_000);
    await assert.rejects(second.engine.refresh('api'), { code: 'ERR_REFRESH_BUDGET_EXHAUSTED' });
    assert.equal(second.idp.calls, 0, 'the provider was not asked');
    // The window slides: an hour after the first refresh, one more is allowed.
    second.clock.tick(3_600_000 - 33_000 + 1);
    await second.engine.refresh('api');
    assert.equal(second.idp.calls, 1);
    second.engine.stop();
  });

  it('carries the backoff over a restart: the new agent waits for the next try', async () => {
    const dir = dataDir();
    const first = await rig(dir);
    first.idp.failNext(3, { status: 500 });
    for (let i = 0; i < 3; i++)
      await assert.rejects(first.engine.get('api'), { code: 'ERR_TOKEN_ENDPOINT_HTTP' });
    const retryAt = first.engine.state('api').nextRefreshAt;
    // Three failures in a row with the randomness at 0.5: 3 s after the last one.
    assert.equal(retryAt, first.clock.now() + 3_000);
    const second = await restart(dir, first, 60);
    await second.engine.start();
    assert.equal(second.engine.state('api').nextRefreshAt, retryAt);
    await second.advance(2_999);
    assert.equal(second.idp.calls, 0, 'no try before the backoff ends');
    await second.advance(1);
    assert.equal(second.idp.calls, 1);
    assert.equal(second.engine.state('api').phase, 'fresh');
    second.engine.stop();
  });

  it('a corrupt file: starts with an empty budget and says so', async () => {
    const dir = dataDir();
    await mkdir(dir, { mode: 0o700 });
    await writeFile(join(dir, budgetFileName), '{"version":1,"tokens":{"api":{"spent":"x"', { mode: 0o600 });
    const logs: string[] = [];
    const made = await rig(dir, { log: (_level, message) => logs.push(message) });
    await made.engine.get('api');
    assert.equal(made.idp.calls, 1);
    assert.ok(
      logs.some((line) => line.includes(budgetFileName) && /corrupt/.test(line)),
      logs.join('\n'),
    );
    made.engine.stop();
  });

  it('never follows a symlink planted in its place, neither to read nor to write', async () => {
    const dir = dataDir();
    await mkdir(dir, { mode: 0o700 });
    const elsewhere = join(root.dir, `elsewhere-${folders}.json`);
    const planted = JSON.stringify({ version: 1, tokens: { api: { spent: [] } } });
    await writeFile(elsewhere, planted);
    await symlink(elsewhere, join(dir, budgetFileName));
    const logs: string[] = [];
    const made = await rig(dir, { log: (_level, message) => logs.push(message) });
    await made.engine.get('api');
    await made.engine.idle();
    assert.equal(await readFile(elsewhere, 'utf8'), planted, 'the target is untouched');
    // Refused, not replaced: a link where the agent keeps its file was planted, and the user hears it.
    assert.ok((await lstat(join(dir, budgetFileName))).isSymbolicLink(), 'the link is left for the user');
    assert.ok(
      logs.some((line) => line.includes('ELOOP')),
      logs.join('\n'),
    );
    assert.ok(
      logs.some((line) => /symlink .*does not write through links.*rm /.test(line)),
      logs.join('\n'),
    );
    made.engine.stop();
  });

  it('two agents on one machine add up their refreshes instead of overwriting each other', async () => {
    const dir = dataDir();
    const clock = new FakeClock();
    const one = await rig(dir, {
      clock,
      definitions: [refreshDefinition('api', { refreshBudgetPerHour: 3 })],
    });
    const two = await rig(dir, {
      clock,
      store: new TestStore(),
      definitions: [refreshDefinition('api', { refreshBudgetPerHour: 3 })],
    });
    await one.engine.get('api');
    clock.tick(1_000);
    await two.engine.get('api');
    clock.tick(11_000);
    await one.engine.refresh('api');
    clock.tick(11_000);
    // Agent two read the file before each of its refreshes; it counts one's two and its own one.
    await assert.rejects(two.engine.refresh('api'), { code: 'ERR_REFRESH_BUDGET_EXHAUSTED' });
    one.engine.stop();
    two.engine.stop();
  });
});

describe('a forced refresh ("refresh now")', () => {
  it('within 10 s of the last refresh hands back the token just obtained', async () => {
    const made = await rig(dataDir());
    const { engine, idp, clock } = made;
    const first = await engine.get('api');
    clock.tick(9_999);
    assert.deepEqual(await engine.refresh('api'), first);
    assert.equal(idp.calls, 1);
    clock.tick(1);
    const second = await engine.refresh('api');
    assert.notEqual(second.accessToken, first.accessToken);
    assert.equal(idp.calls, 2);
    engine.stop();
  });

  it('pressed every second for a minute spends at most one refresh per 10 s', async () => {
    const made = await rig(dataDir());
    const { engine, idp, clock } = made;
    await engine.get('api');
    for (let i = 0; i < 60; i++) {
      clock.tick(1_000);
      await engine.refresh('api');
    }
    assert.ok(idp.calls <= 1 + 6, `${idp.calls} refreshes`);
    assert.ok(engine.state('api').lastError === undefined);
    engine.stop();
  });
});
