// #16 item 5: Redis outages cost no grant. The pure rule of who may refresh while the team is away
// (refreshRight.ts), the book of fences it reads (team/outage.ts), and the engine under a fake clock
// with a team that cannot be reached: only the last writer spends its refresh token, the others keep
// the held token and then say ERR_TEAM_UNAVAILABLE. And a refresh token the provider refused is not
// sent again: every later call says "sign in again", without spending the refresh budget.
import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { codes, isTokenAgentError } from '../../agent/base/errors';
import type { TokenDefinition } from '../../agent/config/types';
import {
  type RefreshCoordinator,
  type SharedToken,
  type TeamLease,
  TeamUnavailableError,
} from '../../agent/engine/coordinator';
import { isLastWriter, refreshRight, type WriterRecord } from '../../agent/engine/refreshRight';
import { WriterBook } from '../../agent/team/outage';
import { type Rig, rig, rigsInTempDir } from './engine-harness';

const { dataDir, rigs } = rigsInTempDir();
let made = 0;
const folder = () => join(dataDir.dir, `d-${made++}`);

describe('refreshRight: who may refresh while the team is away', () => {
  const now = 1_000_000;
  const base = {
    team: 'down' as const,
    spendsRefreshToken: true,
    held: { expiresAt: now + 60_000 },
    minValidMs: 0,
    now,
  };

  it('refreshes when the team is up or absent, when nothing is at stake, or on the last writer', () => {
    const reader: WriterRecord = { wrote: 5, saw: 7 };
    assert.deepEqual(refreshRight({ ...base, team: 'up', writer: reader }), { action: 'refresh' });
    assert.deepEqual(refreshRight({ ...base, team: 'none', writer: reader }), { action: 'refresh' });
    assert.deepEqual(refreshRight({ ...base, spendsRefreshToken: false, writer: reader }), {
      action: 'refresh',
    });
    assert.deepEqual(refreshRight({ ...base, writer: { wrote: 7, saw: 7 } }), { action: 'refresh' });
    // A machine that never exchanged the token with the team: its refresh token is its own.
    assert.deepEqual(refreshRight({ ...base, writer: undefined }), { action: 'refresh' });
  });

  it('any other machine serves the held token while it answers the call, then fails', () => {
    const writer: WriterRecord = { wrote: 5, saw: 7 };
    assert.deepEqual(refreshRight({ ...base, writer }), { action: 'serve-held', until: now + 60_000 });
    assert.deepEqual(refreshRight({ ...base, writer, minValidMs: 60_000 }), {
      action: 'serve-held',
      until: now + 60_000,
    });
    assert.deepEqual(refreshRight({ ...base, writer, minValidMs: 60_001 }), { action: 'fail' });
    assert.deepEqual(refreshRight({ ...base, writer, held: { expiresAt: now - 1 } }), { action: 'fail' });
    assert.deepEqual(refreshRight({ ...base, writer, held: undefined }), { action: 'fail' });
    // Seen a lock or a write but never written: not the last writer.
    assert.equal(isLastWriter({ wrote: 0, saw: 0 }), false);
    assert.equal(isLastWriter({ wrote: 0, saw: 3 }), false);
  });
});

describe('WriterBook: the fences this machine saw and wrote', () => {
  const state = 'p:{api:1}:state';

  it('is undefined until the machine exchanged the token with the team, then persists across processes', async () => {
    const dir = folder();
    const book = new WriterBook(dir);
    assert.equal(await book.record('api', state), undefined);
    await book.saw('api', state, 10);
    assert.deepEqual(await book.record('api', state), { wrote: 0, saw: 10 });
    await book.wrote('api', state, 11);
    // Another process of the same machine (a new book on the same folder) knows it too.
    assert.deepEqual(await new WriterBook(dir).record('api', state), { wrote: 11, saw: 11 });
    // Another team's state key (prefix, Redis, definition) does not count.
    assert.equal(await new WriterBook(dir).record('api', 'q:{api:1}:state'), undefined);
    const file = join(dir, 'team', 'api.writer.json');
    assert.equal((await lstat(file)).mode & 0o777, 0o600);
    assert.equal((await lstat(join(dir, 'team'))).mode & 0o777, 0o700);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { base: state, wrote: 11, saw: 11 });
  });

  it('a lock another member took makes this machine no longer the last writer, until it commits or lets go', async () => {
    const book = new WriterBook(folder());
    await book.wrote('api', state, 20);
    assert.ok(isLastWriter(await book.record('api', state)));
    book.observe(state, { t: 'locked', fence: 21 });
    assert.deepEqual(await book.record('api', state), { wrote: 20, saw: 21 });
    // Its own lease's fence does not count against it.
    assert.ok(isLastWriter(await book.record('api', state, 21)));
    book.observe(state, { t: 'released', fence: 21 });
    assert.ok(isLastWriter(await book.record('api', state)));
    book.observe(state, { t: 'locked', fence: 22 });
    book.observe(state, { t: 'token', fence: 22 });
    assert.deepEqual(await book.record('api', state), { wrote: 20, saw: 22 });
    // A release from an agent that does not send its fence changes nothing: the safe side.
    book.observe(state, { t: 'locked', fence: 23 });
    book.observe(state, { t: 'released' });
    assert.equal((await book.record('api', state))?.saw, 23);
    // Holding a later lock itself, an earlier one whose release it never heard has ended.
    assert.deepEqual(await book.record('api', state, 24), { wrote: 20, saw: 22 });
    book.ended(state, 23);
    assert.equal((await book.record('api', state))?.saw, 22);
  });

  it('after losing the team, waits for a write newer than it knew, at most until the grace ends', async () => {
    const book = new WriterBook(folder());
    await book.saw('api', state, 30);
    assert.equal(book.wasAway(state), false);
    book.away();
    assert.ok(book.wasAway(state));
    // Still away: no end yet.
    assert.ok(book.waitingForWriter(state, 30, 1_000));
    book.back(5_000);
    assert.ok(book.waitingForWriter(state, 30, 4_999));
    // The last writer spoke (a newer fence, read or heard): no more waiting.
    book.observe(state, { t: 'token', fence: 31 });
    assert.equal(book.waitingForWriter(state, 31, 4_999), false);
    assert.equal(book.wasAway(state), false);
    // Another outage; this time the last writer never speaks: the grace ends it.
    book.away();
    book.back(9_000);
    assert.ok(book.waitingForWriter(state, 31, 8_999));
    assert.equal(book.waitingForWriter(state, 31, 9_000), false);
    // A second loss before the end of the grace keeps the older fence and waits again.
    book.away();
    book.away();
    assert.ok(book.waitingForWriter(state, 31, 1e12));
    assert.equal(book.waitingForWriter(state, 32, 0), false);
  });

  it('a corrupt file forbids a refresh until the next write; a symlink in its place is neither read nor written through', async () => {
    const dir = folder();
    const book = new WriterBook(dir);
    await mkdir(join(dir, 'team'), { recursive: true });
    await writeFile(join(dir, 'team', 'api.writer.json'), '{torn');
    assert.equal(isLastWriter(await book.record('api', state)), false);
    await book.wrote('api', state, 5);
    assert.deepEqual(await book.record('api', state), { wrote: 5, saw: 5 });

    const other = 'p:{other:1}:state';
    const elsewhere = join(dir, 'elsewhere.json');
    await writeFile(elsewhere, JSON.stringify({ base: other, wrote: 99, saw: 99 }));
    await symlink(elsewhere, join(dir, 'team', 'other.writer.json'));
    assert.equal(await book.record('other', other), undefined, 'the link is not read');
    // Nor written through: refused with the fix, like every file the agent writes (atomicFile.ts).
    await assert.rejects(book.wrote('other', other, 7), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_UNSAFE_PATH');
      return true;
    });
    assert.deepEqual(JSON.parse(await readFile(elsewhere, 'utf8')), { base: other, wrote: 99, saw: 99 });
    assert.ok(
      (await lstat(join(dir, 'team', 'other.writer.json'))).isSymbolicLink(),
      'the link is left as it is',
    );
  });
});

/** A team that cannot be reached, with what this machine's book says. */
class UnreachableTeam implements RefreshCoordinator {
  constructor(readonly record: WriterRecord | undefined) {}
  health() {
    return { state: 'degraded' as const, detail: 'redis://127.0.0.1:1 is unreachable (test)' };
  }
  shares(definition: TokenDefinition): boolean {
    return definition.type === 'oauth2-refresh-token';
  }
  async latest(): Promise<SharedToken | undefined> {
    throw new TeamUnavailableError('redis://127.0.0.1:1 is unreachable (test)');
  }
  async acquire(): Promise<TeamLease | SharedToken> {
    throw new TeamUnavailableError('redis://127.0.0.1:1 is unreachable (test)');
  }
  async writer(): Promise<WriterRecord | undefined> {
    return this.record;
  }
  async close(): Promise<void> {}
}

async function teamRig(record: WriterRecord | undefined): Promise<Rig> {
  const one = await rig(folder(), { ttlSeconds: 300, coordinator: new UnreachableTeam(record) });
  rigs.push(one);
  return one;
}

const code = (error: unknown) => (isTokenAgentError(error) ? error.code : String(error));

describe('the engine while the team is unreachable', () => {
  it('a machine that did not write last never spends its refresh token: held token, then ERR_TEAM_UNAVAILABLE', async () => {
    const { engine, idp, clock, store, advance } = await teamRig({ wrote: 5, saw: 7 });
    // It holds a token from before the outage, good for 300 s.
    const expiresAt = clock.now() + 300_000;
    await store.inner.set(
      'api',
      'access_token',
      JSON.stringify({ accessToken: 'at-held', obtainedAt: clock.now(), expiresAt }),
    );
    await engine.start();
    assert.equal((await engine.get('api')).accessToken, 'at-held');
    // Past the refresh point (120 s ahead): the scheduled refresh is refused, the token still served.
    await advance(200_000);
    assert.equal((await engine.get('api', { minValidSeconds: 30 })).accessToken, 'at-held');
    const refused = await engine.get('api', { minValidSeconds: 200 }).catch((error: unknown) => error);
    assert.equal(code(refused), codes.teamUnavailable);
    assert.match((refused as Error).message, /another machine wrote the team's newest refresh token/i);
    assert.match((refused as Error).message, /Fix: bring Redis back/);
    // Expired: every call fails with the code, none with an expired token.
    await advance(100_001);
    const failures = await Promise.all(
      Array.from({ length: 20 }, () => engine.get('api').catch((error: unknown) => code(error))),
    );
    assert.deepEqual(new Set(failures), new Set([codes.teamUnavailable]));
    assert.equal(idp.calls, 0, 'not one refresh token spent');
    assert.equal(engine.state('api').lastError?.code, codes.teamUnavailable);
  });

  it('the last writer refreshes alone, as does a machine that never exchanged the token with the team', async () => {
    for (const record of [{ wrote: 7, saw: 7 }, undefined]) {
      const { engine, idp } = await teamRig(record);
      const token = await engine.get('api');
      assert.match(token.accessToken, /^at-/);
      assert.equal(idp.calls, 1, JSON.stringify(record));
    }
  });
});

describe('a refresh token the provider refused', () => {
  it('is sent once: later calls say "sign in again" without spending the budget, a new one works at once', async () => {
    const one = await rig(folder(), { ttlSeconds: 300 });
    rigs.push(one);
    const { engine, idp } = one;
    const live = idp.live ?? '';
    idp.live = 'rt-revoked-elsewhere';
    const answers: string[] = [];
    for (let i = 0; i < 100; i++)
      answers.push(
        await engine.get('api').then(
          () => 'a token',
          (error: unknown) => code(error),
        ),
      );
    assert.deepEqual(new Set(answers), new Set([codes.needsSignIn]));
    assert.equal(idp.calls, 1, 'the refused refresh token went out once');
    const forced = await engine.refresh('api').catch((error: unknown) => error);
    assert.equal(code(forced), codes.needsSignIn);
    assert.match((forced as Error).message, /refused its refresh token \(invalid_grant\) at .*Sign in again/);
    assert.equal(idp.calls, 1);
    assert.equal(engine.state('api').phase, 'needs-sign-in');
    // A sign-in (the new refresh token) is used right away.
    idp.live = live;
    await engine.setSecret('api', 'refresh_token', live);
    assert.match((await engine.get('api')).accessToken, /^at-/);
    assert.equal(idp.calls, 2);
  });
});
