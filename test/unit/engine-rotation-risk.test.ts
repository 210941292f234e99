// Tell the user what the provider did (#16 item 6): which failures may have cost the refresh token
// (pure classification), and the engine after one: it says so with the time, asks for a sign-in, and
// never presents the old refresh token again, in this process or the next.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { codes } from '../../agent/base/errors';
import { GrantError, type GrantErrorDetails } from '../../agent/engine/grants';
import { fingerprint, readMark, writeMark } from '../../agent/engine/rotationMark';
import {
  mayHaveRotatedMessage,
  type RotationRisk,
  rotationRisk,
  utcTime,
} from '../../agent/engine/rotationRisk';
import { TokenEngine } from '../../agent/engine/tokenEngine';
import { type FakeIdp, refreshDefinition, rig, rigsInTempDir, startMs } from './engine-harness';

const failure = (code: (typeof codes)[keyof typeof codes], details: GrantErrorDetails = {}) =>
  new GrantError(code, 'failed', details);
const sent = { posted: true, rotationKept: false };

describe('rotationRisk', () => {
  const cases: [string, { posted: boolean; rotationKept: boolean }, GrantError, RotationRisk][] = [
    [
      'discovery failed: nothing posted',
      { posted: false, rotationKept: false },
      failure(codes.tokenEndpointTimeout),
      'not-sent',
    ],
    ['connection refused', sent, failure(codes.refreshFailed, { errno: 'ECONNREFUSED' }), 'not-sent'],
    ['no such host', sent, failure(codes.refreshFailed, { errno: 'ENOTFOUND' }), 'not-sent'],
    ['a bad certificate', sent, failure(codes.refreshFailed, { errno: 'CERT_HAS_EXPIRED' }), 'not-sent'],
    [
      'invalid_grant',
      sent,
      failure(codes.needsSignIn, { status: 400, oauthError: 'invalid_grant' }),
      'answered',
    ],
    ['HTTP 500', sent, failure(codes.tokenEndpointHttp, { status: 500 }), 'answered'],
    ['HTTP 429', sent, failure(codes.tokenEndpointHttp, { status: 429 }), 'answered'],
    [
      'a readable 200 without a new refresh token',
      sent,
      failure(codes.tokenEndpointResponse, { status: 200 }),
      'answered',
    ],
    [
      'a 200 refused after its new refresh token was kept',
      { posted: true, rotationKept: true },
      failure(codes.tokenEndpointResponse, { status: 200, unreadable: true }),
      'answered',
    ],
    [
      'a 200 whose body is not JSON',
      sent,
      failure(codes.tokenEndpointResponse, { status: 200, unreadable: true }),
      'may-have-rotated',
    ],
    ['no answer in time', sent, failure(codes.tokenEndpointTimeout), 'may-have-rotated'],
    ['a reset connection', sent, failure(codes.refreshFailed, { errno: 'ECONNRESET' }), 'may-have-rotated'],
    [
      'a socket closed mid-answer',
      sent,
      failure(codes.refreshFailed, { status: 200, errno: 'UND_ERR_SOCKET' }),
      'may-have-rotated',
    ],
    ['a gateway timeout', sent, failure(codes.tokenEndpointHttp, { status: 504 }), 'may-have-rotated'],
  ];
  for (const [what, attempt, error, expected] of cases) {
    it(`${what}: ${expected}`, () => assert.equal(rotationRisk(attempt, error), expected));
  }

  it('says when, in UTC, and what to do', () => {
    assert.equal(utcTime(Date.UTC(2027, 0, 15, 9, 5, 7, 900)), '09:05:07 UTC');
    const message = mayHaveRotatedMessage(
      'api',
      Date.UTC(2027, 0, 15, 9, 5, 7),
      'The token endpoint did not answer in time',
    );
    assert.match(
      message,
      /^The token endpoint did not answer in time\. The provider may have rotated the refresh token of 'api' at 09:05:07 UTC.*; sign in again \(token-agent login api\)\. Retrying/,
    );
  });
});

/** The idp commits the refresh (rotating), then the answer is lost as `how` says. */
function losing(idp: FakeIdp, how: 'garbage' | 'reset'): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    await idp.fetch(input, init);
    if (how === 'garbage') return new Response('<html>proxy error', { status: 200 });
    throw new TypeError('fetch failed', {
      cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    });
  }) as typeof fetch;
}

describe('the engine after a refresh that may have rotated', () => {
  const { dataDir, rigs } = rigsInTempDir();

  for (const how of ['garbage', 'reset'] as const) {
    it(`${how}: ERR_NEEDS_SIGN_IN with the time, in the status and on disk; no retry, here or in the next process; a sign-in resumes`, async () => {
      const dir = join(dataDir.dir, how);
      const made = await rig(dir);
      rigs.push(made);
      const { idp, clock, store } = made;
      // The engine of the rig, rebuilt over the losing fetch (the rig's fetch is fixed at construction).
      made.engine.stop();
      const options = {
        store,
        dataDir: dir,
        schedule: true,
        now: clock.now,
        timers: clock,
        random: () => 0.5,
      };
      const engine = new TokenEngine({
        ...options,
        definitions: [refreshDefinition('api')],
        fetch: losing(idp, how),
      });
      made.engine = engine;
      const stored = await store.inner.get('api', 'refresh_token');

      await assert.rejects(engine.get('api'), {
        code: codes.needsSignIn,
        message: /may have rotated the refresh token of 'api' at 12:00:00 UTC.*sign in again/,
      });
      assert.equal(idp.calls, 1);
      assert.notEqual(idp.live, stored, 'the provider rotated');
      const state = engine.state('api');
      assert.deepEqual(state.mayHaveRotated, { at: startMs });
      assert.equal(state.lastError?.code, codes.needsSignIn);
      assert.equal(state.nextRefreshAt, undefined, 'no background retry');
      assert.equal((await readMark(dir, 'api'))?.at, startMs);

      clock.tick(60_000);
      await assert.rejects(engine.get('api'), { code: codes.needsSignIn, message: /at 12:00:00 UTC/ });
      await assert.rejects(engine.refresh('api'), { code: codes.needsSignIn });
      // Another process (or this one restarted) reads the record and refuses too.
      const next = new TokenEngine({ ...options, definitions: [refreshDefinition('api')], fetch: idp.fetch });
      rigs.push({ ...made, engine: next });
      await next.start();
      assert.deepEqual(next.state('api').mayHaveRotated, { at: startMs });
      await assert.rejects(next.get('api'), { code: codes.needsSignIn });
      assert.equal(idp.calls, 1, 'the old refresh token was never presented again');
      assert.equal(idp.reuse, 0);

      // A sign-in: a refresh token the provider accepts, stored by the user.
      await next.setSecret('api', 'refresh_token', idp.live ?? '');
      const token = await next.get('api');
      assert.match(token.accessToken, /^at-/);
      assert.equal(next.state('api').mayHaveRotated, undefined);
      assert.equal(await readMark(dir, 'api'), undefined, 'the record is gone');
      assert.equal(idp.reuse, 0);
    });
  }
});

describe('the retry after invalid_grant with a refresh token written meanwhile', () => {
  const { dataDir, rigs } = rigsInTempDir();

  it('does not send the newer token when a refresh that presented it may have rotated it elsewhere', async () => {
    const dir = join(dataDir.dir, 'retry');
    const made = await rig(dir);
    rigs.push(made);
    const { idp, clock, store } = made;
    made.engine.stop();
    // Another process refreshed (the store now holds its new refresh token), then lost the answer of
    // its next refresh with that token: the provider may have retired it. Our request, sent with the
    // token read before, is refused.
    const newer = `rt-newer-${Math.random().toString(36).slice(2)}`;
    const refusing = (async () => {
      await store.inner.set('api', 'refresh_token', newer);
      await writeMark(dir, 'api', { at: startMs - 1000, presented: fingerprint(newer) });
      return Response.json({ error: 'invalid_grant' }, { status: 400 });
    }) as typeof fetch;
    const engine = new TokenEngine({
      store,
      dataDir: dir,
      schedule: false,
      now: clock.now,
      timers: clock,
      random: () => 0.5,
      definitions: [refreshDefinition('api')],
      fetch: async (input, init) =>
        init?.method?.toUpperCase() === 'POST' ? refusing(input, init) : idp.fetch(input, init),
    });
    made.engine = engine;

    await assert.rejects(engine.get('api'), { code: codes.needsSignIn, message: /may have rotated/ });
    assert.equal(idp.calls, 0, 'the newer refresh token was never presented');
    assert.equal(await store.inner.get('api', 'refresh_token'), newer);
  });
});
