// The device authorization grant's pacing and endings (RFC 8628 §3.4–3.5), against canned answers
// and a clock that moves only when the flow sleeps: no test here waits for real time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SignInDefinition } from '../../agent/signin/common';
import { startDeviceSignIn } from '../../agent/signin/device';
import {
  fakeClock,
  fakeIssuer,
  oauthError,
  startFakeServer,
  tokenBody,
} from '../support/fakeAuthorizationServer';

const definition: SignInDefinition = {
  name: 'api',
  issuer: fakeIssuer,
  clientId: 'cli',
  scope: 'api:read',
  resource: 'https://api.example',
};

function setUp() {
  const server = startFakeServer();
  const clock = fakeClock();
  const options = { fetch: server.fetch, now: clock.now, sleep: clock.sleep };
  return { server, clock, options };
}

describe('startDeviceSignIn', () => {
  it('shows the user code and URLs, and asks for offline_access and the resource', async () => {
    const { server, clock, options } = setUp();
    const before = clock.now();
    const started = await startDeviceSignIn(definition, options);
    assert.equal(started.userCode, 'WDJB-MJHT');
    assert.equal(started.verificationUri, `${fakeIssuer}/activate`);
    assert.equal(started.verificationUriComplete, `${fakeIssuer}/activate?user_code=WDJB-MJHT`);
    assert.equal(started.expiresAt, before + 600_000);
    assert.equal(started.intervalSeconds, 2);
    const request = server.seen.find((seen) => new URL(seen.url).pathname === '/device');
    assert.equal(request?.form.get('client_id'), 'cli');
    assert.equal(request?.form.get('scope'), 'api:read offline_access');
    assert.equal(request?.form.get('resource'), 'https://api.example');
    const tokens = await started.result;
    assert.equal(tokens.refreshToken, 'refresh-token-1');
    assert.equal(tokens.accessToken, 'access-token-1');
    assert.equal(tokens.expiresIn, 300);
  });

  it("polls at the server's interval and adds 5 s for this and every later poll after slow_down", async () => {
    const { server, clock, options } = setUp();
    server.answerToken(
      oauthError('authorization_pending'),
      oauthError('slow_down'),
      oauthError('authorization_pending'),
      oauthError('slow_down'),
      { body: tokenBody(7) },
    );
    const { result } = await startDeviceSignIn(definition, options);
    assert.equal((await result).refreshToken, 'refresh-token-7');
    assert.deepEqual(clock.sleeps, [2_000, 2_000, 7_000, 7_000, 12_000]);
    const polls = server.tokenRequests();
    assert.equal(polls.length, 5);
    for (const poll of polls) {
      assert.equal(poll.form.get('grant_type'), 'urn:ietf:params:oauth:grant-type:device_code');
      assert.equal(poll.form.get('device_code'), 'device-code-1');
    }
  });

  it('waits 5 s between polls when the server names no interval', async () => {
    const { server, clock, options } = setUp();
    delete server.deviceAuthorization.interval;
    server.answerToken(oauthError('authorization_pending'), { body: tokenBody(2) });
    const started = await startDeviceSignIn(definition, options);
    assert.equal(started.intervalSeconds, 5);
    await started.result;
    assert.deepEqual(clock.sleeps, [5_000, 5_000]);
  });

  it('stops at expires_in without polling the dead code again', async () => {
    const { server, clock, options } = setUp();
    server.deviceAuthorization.expires_in = 12;
    server.deviceAuthorization.interval = 5;
    server.answerToken(oauthError('authorization_pending'));
    const { result } = await startDeviceSignIn(definition, options);
    await assert.rejects(result, { code: 'ERR_SIGN_IN_TIMEOUT' });
    // Polls at 5 s and 10 s, then waits only until the code's 12 s are up, and ends.
    assert.equal(server.tokenRequests().length, 2);
    assert.deepEqual(clock.sleeps, [5_000, 5_000, 2_000]);
  });

  it('ends with ERR_SIGN_IN_DENIED when the user refuses (access_denied)', async () => {
    const { server, options } = setUp();
    server.answerToken(oauthError('authorization_pending'), oauthError('access_denied'));
    const { result } = await startDeviceSignIn(definition, options);
    await assert.rejects(result, (error: { code: string; details: { oauthError?: string } }) => {
      assert.equal(error.code, 'ERR_SIGN_IN_DENIED');
      assert.equal(error.details.oauthError, 'access_denied');
      return true;
    });
    assert.equal(server.tokenRequests().length, 2);
  });

  it('ends with ERR_SIGN_IN_TIMEOUT when the server says expired_token', async () => {
    const { server, options } = setUp();
    server.answerToken(oauthError('expired_token'));
    const { result } = await startDeviceSignIn(definition, options);
    await assert.rejects(result, { code: 'ERR_SIGN_IN_TIMEOUT' });
  });

  it('fails on any other OAuth error at once', async () => {
    const { server, options } = setUp();
    server.answerToken(oauthError('invalid_client', 401));
    const { result } = await startDeviceSignIn(definition, options);
    await assert.rejects(result, { code: 'ERR_SIGN_IN_FAILED' });
    assert.equal(server.tokenRequests().length, 1);
  });

  it('backs off exponentially while the token endpoint answers 5xx, then carries on', async () => {
    const { server, clock, options } = setUp();
    server.answerToken(
      oauthError('temporarily_unavailable', 503),
      oauthError('temporarily_unavailable', 503),
      oauthError('authorization_pending'),
      { body: tokenBody(3) },
    );
    const { result } = await startDeviceSignIn(definition, options);
    assert.equal((await result).refreshToken, 'refresh-token-3');
    assert.deepEqual(clock.sleeps, [2_000, 4_000, 8_000, 2_000]);
  });

  it('gives up after five 5xx answers in a row', async () => {
    const { server, options } = setUp();
    server.answerToken(oauthError('temporarily_unavailable', 503));
    const { result } = await startDeviceSignIn(definition, options);
    await assert.rejects(result, { code: 'ERR_SIGN_IN_FAILED' });
    assert.equal(server.tokenRequests().length, 5);
  });

  it('refuses a token response without a refresh token', async () => {
    const { server, options } = setUp();
    const { refresh_token: _dropped, ...withoutRefresh } = tokenBody(4);
    server.answerToken({ body: withoutRefresh });
    const { result } = await startDeviceSignIn(definition, options);
    await assert.rejects(result, { code: 'ERR_SIGN_IN_FAILED', message: /no refresh token/ });
  });

  it('ends with ERR_SIGN_IN_CANCELLED when the caller aborts while it waits', async () => {
    const { server, clock, options } = setUp();
    server.answerToken(oauthError('authorization_pending'));
    const controller = new AbortController();
    let polls = 0;
    const sleep = async (ms: number, signal?: AbortSignal) => {
      await clock.sleep(ms, signal);
      if (++polls === 3) controller.abort();
      if (signal?.aborted) throw signal.reason;
    };
    const { result } = await startDeviceSignIn(definition, { ...options, sleep, signal: controller.signal });
    await assert.rejects(result, { code: 'ERR_SIGN_IN_CANCELLED' });
    assert.equal(server.tokenRequests().length, 2);
  });

  it('refuses definitions and servers it cannot sign in with', async () => {
    const { server, options } = setUp();
    await assert.rejects(
      startDeviceSignIn({ name: 'bare', tokenEndpoint: `${fakeIssuer}/token`, clientId: 'cli' }, options),
      { code: 'ERR_SIGN_IN_UNSUPPORTED' },
    );
    delete server.metadata.device_authorization_endpoint;
    await assert.rejects(startDeviceSignIn(definition, options), { code: 'ERR_SIGN_IN_UNSUPPORTED' });
  });

  it('refuses a device endpoint on plain http', async () => {
    const { server, options } = setUp();
    server.metadata.device_authorization_endpoint = 'http://as.example/device';
    await assert.rejects(startDeviceSignIn(definition, options), { code: 'ERR_INSECURE_ENDPOINT' });
  });
});
