// A command's token that nothing dates (#12 item 7): shown as "expiry unknown", never refreshed in the
// background (no spin under a fake clock running for days), and never vouched for, so each get runs
// the command again, a burst within 10 s sharing one run. With a printed expiry, or lifetimeSeconds,
// it is dated like any token. Real processes print the tokens; the clock is fake.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CommandTokenDefinition } from '../../agent/config/types';
import { type Rig, rig, rigsInTempDir, startMs } from './engine-harness';

const dayMs = 86_400_000;

// Prints the template file's text with {n} as the run's number, and counts runs in a file.
const printer = `
  const fs = require('node:fs');
  const [count, template] = process.argv.slice(1);
  fs.appendFileSync(count, 'x');
  const n = fs.readFileSync(count, 'utf8').length;
  const text = fs.readFileSync(template, 'utf8');
  if (text === 'FAIL') { console.error('not signed in'); process.exit(1); }
  process.stdout.write(text.replaceAll('{n}', String(n)));
`;

describe('a command token that says nothing of its expiry', () => {
  const { dataDir, rigs } = rigsInTempDir();

  async function made(
    prints: string,
    extra: Partial<CommandTokenDefinition> = {},
    schedule = false,
  ): Promise<
    Rig & { definition: CommandTokenDefinition; runs: () => number; prints: (text: string) => void }
  > {
    const dir = join(dataDir.dir, `rig-${rigs.length}`);
    const count = `${dir}-count`;
    const template = `${dir}-template`;
    writeFileSync(count, '');
    writeFileSync(template, prints);
    const definition: CommandTokenDefinition = {
      name: 'cli',
      type: 'command',
      command: [process.execPath, '-e', printer, count, template],
      timeoutSeconds: 30,
      refreshBeforeSeconds: 120,
      refreshBudgetPerHour: 60,
      ...extra,
    };
    const one = await rig(dir, { schedule, definitions: [definition] });
    rigs.push(one);
    return {
      ...one,
      definition,
      runs: () => readFileSync(count, 'utf8').length,
      prints: (text) => writeFileSync(template, text),
    };
  }

  it('is held with expiry unknown: no expiresAt, no countdown, nothing scheduled', async () => {
    const { engine } = await made('fake-opaque-{n}');
    const token = await engine.get('cli');
    assert.equal(token.accessToken, 'fake-opaque-1');
    assert.equal(token.expiresAt, undefined);
    assert.equal(token.expiryUnknown, true);
    const state = engine.state('cli');
    assert.equal(state.expiryUnknown, true);
    assert.equal(state.expiresAt, undefined);
    assert.equal(state.expiryAssumed, undefined);
    assert.equal(state.phase, 'fresh');
    assert.equal(state.nextRefreshAt, undefined);
  });

  it('is never refreshed in the background, however long the agent runs', async () => {
    const { engine, advance, runs } = await made('fake-opaque-{n}', {}, true);
    await engine.start();
    await engine.get('cli');
    const after = runs();
    assert.ok(after >= 1);
    await advance(3 * dayMs);
    assert.equal(runs(), after, 'the command ran again with no one asking');
    assert.equal(engine.state('cli').nextRefreshAt, undefined);
  });

  it('runs the command again for each get, any --min-valid; a burst within 10 s shares one run', async () => {
    const { engine, clock, runs } = await made('fake-opaque-{n}');
    assert.equal((await engine.get('cli')).accessToken, 'fake-opaque-1');
    for (let i = 0; i < 4; i++) {
      clock.tick(2_000);
      assert.equal((await engine.get('cli', { minValidSeconds: 300 })).accessToken, 'fake-opaque-1');
    }
    assert.equal(runs(), 1);
    clock.tick(3_000);
    assert.equal((await engine.get('cli')).accessToken, 'fake-opaque-2', 'a plain get after 10 s asks again');
    clock.tick(60_000);
    const asked = await engine.get('cli', { minValidSeconds: 3600 });
    assert.equal(asked.accessToken, 'fake-opaque-3');
    assert.equal(asked.shortOfMinValid, undefined, 'unknown is not known to be short either');
    assert.equal(runs(), 3);
  });

  it('a failing command is an error, not the old token handed out as if valid', async () => {
    const { engine, clock, prints } = await made('fake-opaque-{n}');
    await engine.get('cli');
    prints('FAIL');
    clock.tick(11_000);
    await assert.rejects(engine.get('cli'), { code: 'ERR_COMMAND_FAILED' });
  });

  it('a refresh within 10 s of the last run hands over that token', async () => {
    const { engine, clock, runs } = await made('fake-opaque-{n}');
    await engine.get('cli');
    clock.tick(1_000);
    assert.equal((await engine.refresh('cli')).accessToken, 'fake-opaque-1');
    assert.equal(runs(), 1);
  });

  it("gets the definition's lifetimeSeconds instead, shown as assumed and refreshed before its end", async () => {
    const { engine, advance, runs } = await made('fake-opaque-{n}', { lifetimeSeconds: 900 }, true);
    await engine.start();
    const token = await engine.get('cli');
    assert.equal(token.expiresAt, startMs + 900_000);
    assert.equal(token.expiryUnknown, undefined);
    assert.equal(engine.state('cli').expiryAssumed, true);
    const before = runs();
    await advance(900_000);
    assert.ok(runs() > before, 'refreshed before the assumed end');
  });

  it('is dated by what it prints: az-like expires_on, reused while valid', async () => {
    const expiresOn = Math.floor(startMs / 1000) + 3600;
    const { engine, clock, runs } = await made(
      JSON.stringify({
        accessToken: 'fake-az-{n}',
        expiresOn: '2027-01-15 13:00:00.000000',
        expires_on: expiresOn,
      }),
    );
    const token = await engine.get('cli');
    assert.equal(token.expiresAt, expiresOn * 1000);
    assert.equal(token.expiryUnknown, undefined);
    clock.tick(60_000);
    assert.equal((await engine.get('cli', { minValidSeconds: 600 })).accessToken, 'fake-az-1');
    assert.equal(runs(), 1);
  });

  it('refuses a printed expiry already past, saying which field said so', async () => {
    const { engine } = await made(
      JSON.stringify({ status: { token: 'fake-kube-{n}', expirationTimestamp: '2020-01-01T00:00:00Z' } }),
    );
    await assert.rejects(engine.get('cli'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_COMMAND_FAILED');
      assert.match(error.message, /status\.expirationTimestamp says 2020-01-01T00:00:00\.000Z/);
      assert.ok(!error.message.includes('fake-kube'), error.message);
      return true;
    });
  });

  it('a token stored without expiry (by an older agent) is adopted as unknown, not as valid forever', async () => {
    const first = await made('fake-opaque-{n}');
    const record = { accessToken: 'fake-stored-old', obtainedAt: startMs - dayMs };
    await first.store.inner.set('cli', 'access_token', JSON.stringify(record));
    const { engine } = await rig(join(dataDir.dir, 'rig-restart'), {
      schedule: false,
      store: first.store,
      clock: first.clock,
      definitions: [first.definition],
    });
    rigs.push({ ...first, engine });
    // The stored one is not vouched for: a get runs the command.
    assert.equal((await engine.get('cli')).accessToken, 'fake-opaque-1');
  });
});
