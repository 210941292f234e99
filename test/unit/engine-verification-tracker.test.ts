// The background signature checks behind the status: real keys and tokens made here with jose, the
// issuer's metadata and key set served through an injected fetch, and the key set held back on cue to
// catch a token that changes while its check runs.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AuthorizationServer } from 'oauth4webapi';
import type { TokenDefinition } from '../../agent/config/types';
import { parseConfig } from '../../agent/config/validate';
import { TokenEngine } from '../../agent/engine/tokenEngine';
import { VerificationTracker } from '../../agent/engine/verificationTracker';
import type { TokenVerification } from '../../agent/protocol';
import { MemoryStore } from '../../agent/store/memoryStore';
import { fakeIssuer, startFakeServer, tokenBody } from '../support/fakeAuthorizationServer';
import { type IssuerKeys, makeIssuerKeys, type SignOptions } from '../support/signingKeys';
import { waitUntil } from '../support/waitFor';

const audience = 'https://api.example';
const jwksUri = `${fakeIssuer}/jwks`;
const nowMs = 1_800_000_000_000;
let issuerKeys: IssuerKeys;

before(async () => {
  issuerKeys = await makeIssuerKeys('ES256', { issuer: fakeIssuer, audience, nowMs });
});

let serial = 0;
/** A new token each call (its own jti). */
const sign = (options: SignOptions = {}) => issuerKeys.sign({ jti: `jti-${++serial}` }, options);

function definition(type: TokenDefinition['type'], name = 'api'): TokenDefinition {
  const entry =
    type === 'static'
      ? { name, type }
      : type === 'command'
        ? { name, type, command: ['print-token'] }
        : { name, type, issuer: fakeIssuer, clientId: 'cli', resource: audience };
  const { config, problems } = parseConfig(JSON.stringify({ store: 'memory', tokens: [entry] }));
  assert.deepEqual(problems, []);
  const [parsed] = config.tokens;
  assert.ok(parsed);
  return parsed;
}

/**
 * The fake authorization server plus its key set. While `hold()` is on, key-set requests wait for
 * `release()`; `keyRequested` resolves at the first one that waits.
 */
function issuer() {
  const server = startFakeServer();
  let held: { release: () => void; released: Promise<void> } | undefined;
  let announce: () => void = () => undefined;
  let keyRequested = new Promise<void>((resolve) => {
    announce = resolve;
  });
  const fetchAll: typeof fetch = async (input, init) => {
    if (String(input) !== jwksUri) return server.fetch(input, init);
    server.seen.push({ method: 'GET', url: jwksUri, form: new URLSearchParams() });
    if (held) {
      announce();
      await held.released;
    }
    return Response.json({ keys: [issuerKeys.publicJwk] });
  };
  return {
    server,
    fetch: fetchAll,
    requests: (path: string) =>
      server.seen.filter((request) => new URL(request.url).pathname === path).length,
    hold() {
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      held = { release, released };
      keyRequested = new Promise<void>((resolve) => {
        announce = resolve;
      });
    },
    keyRequested: () => keyRequested,
    release() {
      held?.release();
      held = undefined;
    },
  };
}

/** A tracker over `fetch`, recording every answer it calls back with. */
function tracker(fetchAll: typeof fetch, discovered = new Map<string, AuthorizationServer>()) {
  const answers: [string, TokenVerification][] = [];
  const tracking = new VerificationTracker({
    context: { discovered, keySets: new Map(), fetch: fetchAll, now: () => nowMs },
    onAnswer: (name, verification) => answers.push([name, verification]),
  });
  return { tracking, answers };
}

describe('VerificationTracker', () => {
  it("says a token signed with the issuer's published key verified, for that token only", async () => {
    const keys = issuer();
    const { tracking, answers } = tracker(keys.fetch);
    const token = await sign();
    tracking.observe('api', definition('oauth2-refresh-token'), token);
    assert.equal(tracking.answer('api', token), undefined, 'no answer while the check runs');
    assert.equal(await tracking.settled(5_000), true);
    const verified = { verified: true, algorithm: 'ES256' };
    assert.deepEqual(tracking.answer('api', token), verified);
    assert.deepEqual(answers, [['api', verified]]);
    assert.equal(tracking.answer('api', await sign()), undefined, 'another token of the same name');
    assert.equal(tracking.answer('other', token), undefined, 'the same token under another name');
  });

  it('checks a value once, however often it is seen, and client-credentials tokens too', async () => {
    const keys = issuer();
    const { tracking, answers } = tracker(keys.fetch);
    const token = await sign();
    for (let i = 0; i < 5; i++) tracking.observe('api', definition('oauth2-client-credentials'), token);
    await tracking.settled(5_000);
    for (let i = 0; i < 5; i++) tracking.observe('api', definition('oauth2-client-credentials'), token);
    await tracking.settled(5_000);
    assert.equal(answers.length, 1);
    assert.equal(keys.requests('/.well-known/openid-configuration'), 1);
    assert.equal(keys.requests('/jwks'), 1);
  });

  it('says why not, with a stable code: a foreign key, an unknown key id, an opaque token', async () => {
    const keys = issuer();
    const { tracking } = tracker(keys.fetch);
    const cases: [string, string, string][] = [
      ['forged', await sign({ key: issuerKeys.otherPrivateKey }), 'bad-signature'],
      ['rotated', await sign({ kid: 'key-2' }), 'unknown-key'],
      ['opaque', 'opaque-access-token-value', 'opaque'],
    ];
    for (const [name, token] of cases)
      tracking.observe(name, definition('oauth2-refresh-token', name), token);
    await tracking.settled(5_000);
    for (const [name, token, code] of cases) {
      const answer = tracking.answer(name, token);
      assert.equal(answer?.verified, false, name);
      assert.equal(answer?.verified === false && answer.code, code, name);
      assert.ok(answer?.verified === false && answer.reason.length > 0);
      assert.ok(answer?.verified === false && !answer.reason.includes(token), 'the reason quotes no token');
    }
  });

  it('never shows a late answer about a token that was replaced while it was checked', async () => {
    const keys = issuer();
    const { tracking, answers } = tracker(keys.fetch);
    const def = definition('oauth2-refresh-token');
    const old = await sign();
    keys.hold();
    tracking.observe('api', def, old);
    await keys.keyRequested();
    // The new token answers at once (opaque), while the old one's check still waits for the keys.
    const replacement = 'opaque-replacement-token';
    tracking.observe('api', def, replacement);
    await waitFor(() => answers.length === 1);
    keys.release();
    assert.equal(await tracking.settled(5_000), true);
    assert.deepEqual(
      answers.map(([, answer]) => answer.verified === false && answer.code),
      ['opaque'],
      'the old token verified, but that answer is not about the token held now',
    );
    assert.equal(tracking.answer('api', replacement)?.verified, false);
    assert.equal(tracking.answer('api', old), undefined);
  });

  it('drops the answer when the token changes or goes', async () => {
    const keys = issuer();
    const { tracking } = tracker(keys.fetch);
    const def = definition('oauth2-refresh-token');
    const first = await sign();
    tracking.observe('api', def, first);
    await tracking.settled(5_000);
    assert.equal(tracking.answer('api', first)?.verified, true);
    const second = await sign();
    tracking.observe('api', def, second);
    assert.equal(tracking.answer('api', first), undefined, 'replaced');
    assert.equal(tracking.answer('api', second), undefined, 'not checked yet');
    await tracking.settled(5_000);
    assert.equal(tracking.answer('api', second)?.verified, true);
    tracking.observe('api', def, undefined);
    assert.equal(tracking.answer('api', second), undefined, 'removed');
  });

  it('checks again, a while after the keys could not be fetched', async () => {
    const keys = issuer();
    let failures = 1;
    const flaky: typeof fetch = async (input, init) => {
      if (String(input) === jwksUri && failures-- > 0) throw new TypeError('fetch failed');
      return keys.fetch(input, init);
    };
    const answers: TokenVerification[] = [];
    const tracking = new VerificationTracker({
      context: { discovered: new Map(), keySets: new Map(), fetch: flaky, now: () => nowMs },
      onAnswer: (_name, verification) => answers.push(verification),
      retryUnavailableMs: 5,
    });
    const token = await sign();
    tracking.observe('api', definition('oauth2-refresh-token'), token);
    await waitUntil(async () => answers.length === 2, 'a second answer after the retry', 5_000);
    assert.deepEqual(
      answers.map((answer) => (answer.verified ? 'verified' : answer.code)),
      ['keys-unavailable', 'verified'],
    );
    assert.deepEqual(tracking.answer('api', token), { verified: true, algorithm: 'ES256' });
    tracking.close();
  });

  it('joins the check of a value that comes back while it still runs (A, B, A)', async () => {
    const keys = issuer();
    const discovered = new CountingMap<string, AuthorizationServer>();
    const { tracking, answers } = tracker(keys.fetch, discovered);
    const def = definition('oauth2-refresh-token');
    const a = await sign({ kid: 'key-2' });
    const b = await sign();
    keys.hold();
    tracking.observe('api', def, a);
    await keys.keyRequested();
    tracking.observe('api', def, b);
    tracking.observe('api', def, a);
    keys.release();
    await tracking.settled(5_000);
    // verify.ts looks the issuer up once per check: A's check was joined, not started again.
    assert.equal(discovered.gets, 2);
    assert.equal(tracking.answer('api', a)?.verified, false);
    assert.equal(tracking.answer('api', b), undefined);
    assert.deepEqual(
      answers.map(([, answer]) => answer.verified === false && answer.code),
      ['unknown-key'],
    );
  });

  it('never checks static or command tokens: the agent cannot vouch for their issuer', async () => {
    const keys = issuer();
    const { tracking, answers } = tracker(keys.fetch);
    const token = await sign();
    tracking.observe('pasted', definition('static', 'pasted'), token);
    tracking.observe('cmd', definition('command', 'cmd'), token);
    assert.equal(await tracking.settled(5_000), true);
    assert.equal(tracking.answer('pasted', token), undefined);
    assert.equal(tracking.answer('cmd', token), undefined);
    assert.deepEqual(answers, []);
    assert.equal(keys.server.seen.length, 0);
  });

  it('gives up waiting after the bound, and calls nobody back once closed', async () => {
    const keys = issuer();
    const { tracking, answers } = tracker(keys.fetch);
    const token = await sign();
    keys.hold();
    tracking.observe('api', definition('oauth2-refresh-token'), token);
    await keys.keyRequested();
    assert.equal(await tracking.settled(20), false);
    tracking.close();
    keys.release();
    await tracking.settled(5_000);
    assert.deepEqual(answers, []);
  });

  it('status stalled after printing: close() aborts a key-set fetch the issuer never answers', async () => {
    const keys = issuer();
    let keySignal: AbortSignal | undefined;
    let announce: () => void = () => undefined;
    const keyRequested = new Promise<void>((resolve) => {
      announce = resolve;
    });
    const silent: typeof fetch = (input, init) => {
      if (String(input) !== jwksUri) return keys.fetch(input, init);
      const signal = init?.signal ?? undefined;
      keySignal = signal;
      announce();
      // Never answers: only its signal ends it, as with a real fetch to an issuer that hangs.
      return new Promise<Response>((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    };
    const { tracking, answers } = tracker(silent);
    tracking.observe('api', definition('oauth2-refresh-token'), await sign());
    await keyRequested;
    assert.equal(keySignal?.aborted, false, 'the fetch is pending');
    tracking.close();
    assert.equal(keySignal?.aborted, true, 'close() aborted the pending fetch');
    // Well before the key set's own 5 s timeout: the check ended with the abort.
    assert.equal(await tracking.settled(2_000), true);
    assert.deepEqual(answers, []);
  });
});

describe('TokenEngine with verifyTokens', () => {
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'token-agent-verify-'));
  });

  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  async function engine(verifyTokens: boolean | undefined) {
    const clock = { now: nowMs };
    const keys = issuer();
    const store = new MemoryStore();
    await store.set('api', 'refresh_token', 'refresh-token-1');
    const tokenEngine = new TokenEngine({
      definitions: [definition('oauth2-refresh-token')],
      store,
      dataDir,
      schedule: false,
      now: () => clock.now,
      fetch: keys.fetch,
      ...(verifyTokens === undefined ? {} : { verifyTokens }),
    });
    return { keys, tokenEngine, clock };
  }

  it('reports the check of the token held now, and reuses the discovery done for the refresh', async () => {
    const { keys, tokenEngine, clock } = await engine(true);
    const changes: (TokenVerification | undefined)[] = [];
    tokenEngine.onChange(() => changes.push(tokenEngine.states()[0]?.verification));
    const shown = () =>
      changes.map((change) => (change === undefined ? '-' : change.verified ? 'verified' : change.code));
    keys.server.answerToken({ body: tokenBody(1, { access_token: await sign() }) });
    await tokenEngine.refresh('api');
    assert.equal(await tokenEngine.verificationSettled(5_000), true);
    assert.deepEqual(tokenEngine.states()[0]?.verification, { verified: true, algorithm: 'ES256' });
    assert.deepEqual(tokenEngine.state('api').verification, { verified: true, algorithm: 'ES256' });
    assert.deepEqual(changes.at(-1), { verified: true, algorithm: 'ES256' }, 'listeners hear the answer');
    assert.equal(keys.requests('/.well-known/openid-configuration'), 1);

    // While refreshing, the answer about the old token stands; the moment the new (opaque) token is
    // held, nothing is shown until its own check answers.
    changes.length = 0;
    keys.server.answerToken({ body: tokenBody(2) });
    // Past the 10 s within which a forced refresh hands back the token just obtained.
    clock.now += 11_000;
    await tokenEngine.refresh('api');
    await tokenEngine.verificationSettled(5_000);
    assert.deepEqual(shown(), ['verified', '-', 'opaque']);
    assert.equal(keys.requests('/.well-known/openid-configuration'), 1);
    tokenEngine.stop();
  });

  it('is off by default: no verification in the status and no key fetch', async () => {
    const { keys, tokenEngine } = await engine(undefined);
    keys.server.answerToken({ body: tokenBody(1, { access_token: await sign() }) });
    await tokenEngine.refresh('api');
    assert.equal(await tokenEngine.verificationSettled(5_000), true);
    assert.equal(tokenEngine.states()[0]?.verification, undefined);
    assert.equal(keys.requests('/jwks'), 0);
    tokenEngine.stop();
  });
});

class CountingMap<K, V> extends Map<K, V> {
  gets = 0;
  override get(key: K): V | undefined {
    this.gets++;
    return super.get(key);
  }
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(condition(), 'the condition never held');
}
