// The loopback redirect listener (RFC 8252) with a canned authorization server: what the authorization
// URL carries, what a callback must prove (state, iss), and how the listener ends. The "browser" here
// is a plain fetch to 127.0.0.1; the real browser and server are in test/integration/signin.test.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import type { SignInDefinition } from '../../agent/signin/common';
import { startLoopbackSignIn } from '../../agent/signin/loopback';
import { escapeHtml } from '../../agent/signin/pages';
import { fakeIssuer, oauthError, startFakeServer, tokenBody } from '../support/fakeAuthorizationServer';
import { waitUntil } from '../support/waitFor';

const definition: SignInDefinition = {
  name: 'api',
  issuer: fakeIssuer,
  clientId: 'cli',
  scope: 'api:read',
  resource: 'https://api.example',
};

async function start(options: Parameters<typeof startLoopbackSignIn>[1] = {}) {
  const server = startFakeServer();
  const started = await startLoopbackSignIn(definition, { fetch: server.fetch, ...options });
  const url = new URL(started.authorizationUrl);
  const param = (name: string) => url.searchParams.get(name) ?? '';
  /** What the browser does after the login: follows the redirect to our listener. */
  const callback = (query: Record<string, string>, path = '/callback') =>
    fetch(`${started.redirectUri.replace('/callback', path)}?${new URLSearchParams(query)}`);
  return { server, started, param, callback };
}

/** Resolves once nothing listens on the redirect URI's port any more. */
async function closed(redirectUri: string): Promise<void> {
  const refused = () =>
    fetch(redirectUri).then(
      () => false,
      (error: { cause?: { code?: string } }) => error.cause?.code === 'ECONNREFUSED',
    );
  await waitUntil(refused, `the listener at ${redirectUri} to close`, 2_000);
}

describe('startLoopbackSignIn', () => {
  it('sends PKCE (S256), a random state and a 127.0.0.1 redirect with a port of its own', async () => {
    const { started, param, callback } = await start();
    const redirect = new URL(started.redirectUri);
    assert.equal(redirect.hostname, '127.0.0.1');
    assert.equal(redirect.pathname, '/callback');
    assert.ok(Number(redirect.port) > 0);
    assert.equal(param('redirect_uri'), started.redirectUri);
    assert.equal(param('response_type'), 'code');
    assert.equal(param('client_id'), 'cli');
    assert.equal(param('code_challenge_method'), 'S256');
    assert.match(param('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
    assert.ok(param('state').length >= 32);
    assert.equal(param('scope'), 'api:read offline_access');
    assert.equal(param('prompt'), 'consent');
    assert.equal(param('resource'), 'https://api.example');
    const second = await start();
    assert.notEqual(second.param('state'), param('state'));
    assert.notEqual(second.started.redirectUri, started.redirectUri);
    // Leave no listener behind.
    await callback({ state: 'x' });
    await second.callback({ state: 'x' });
    await assert.rejects(started.result);
    await assert.rejects(second.started.result);
  });

  it('exchanges the code with its verifier, shows the signed-in page and closes the listener', async () => {
    const { server, started, param, callback } = await start();
    server.answerToken({ body: tokenBody(1) });
    const page = await callback({ code: 'code-1', state: param('state'), iss: fakeIssuer });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.match(await page.text(), /You are signed in to api/);
    const tokens = await started.result;
    assert.equal(tokens.refreshToken, 'refresh-token-1');
    assert.equal(tokens.accessToken, 'access-token-1');
    const [exchange] = server.tokenRequests();
    assert.equal(exchange?.form.get('grant_type'), 'authorization_code');
    assert.equal(exchange?.form.get('code'), 'code-1');
    assert.equal(exchange?.form.get('redirect_uri'), started.redirectUri);
    assert.equal(exchange?.form.get('resource'), 'https://api.example');
    const verifier = exchange?.form.get('code_verifier') ?? '';
    assert.equal(createHash('sha256').update(verifier).digest('base64url'), param('code_challenge'));
    await closed(started.redirectUri);
  });

  it('rejects a callback whose state was not the one sent, without exchanging the code', async () => {
    const { server, started, callback } = await start();
    const page = await callback({ code: 'code-1', state: 'forged', iss: fakeIssuer });
    assert.equal(page.status, 400);
    assert.match(await page.text(), /ERR_SIGN_IN_STATE_MISMATCH/);
    await assert.rejects(started.result, { code: 'ERR_SIGN_IN_STATE_MISMATCH' });
    assert.equal(server.tokenRequests().length, 0);
    await closed(started.redirectUri);
  });

  it('rejects a callback from another issuer (RFC 9207 iss)', async () => {
    const { server, started, param, callback } = await start();
    await callback({ code: 'code-1', state: param('state'), iss: 'https://evil.example' });
    await assert.rejects(started.result, { code: 'ERR_SIGN_IN_FAILED' });
    assert.equal(server.tokenRequests().length, 0);
  });

  it('reports access_denied from the server as ERR_SIGN_IN_DENIED', async () => {
    const { started, param, callback } = await start();
    const page = await callback({ error: 'access_denied', state: param('state'), iss: fakeIssuer });
    assert.match(await page.text(), /was refused/);
    await assert.rejects(started.result, { code: 'ERR_SIGN_IN_DENIED' });
  });

  it('reports a failed code exchange as the sign-in failing', async () => {
    const { server, started, param, callback } = await start();
    server.answerToken(oauthError('invalid_grant'));
    const page = await callback({ code: 'code-1', state: param('state'), iss: fakeIssuer });
    assert.equal(page.status, 400);
    await assert.rejects(started.result, { code: 'ERR_SIGN_IN_FAILED', message: /invalid_grant/ });
  });

  it('answers other paths and foreign Host headers with 404 and keeps waiting', async () => {
    const { server, started, param, callback } = await start();
    assert.equal((await callback({}, '/favicon.ico')).status, 404);
    const port = new URL(started.redirectUri).port;
    // A DNS-rebinding page would reach the port under its own host name.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      request(
        {
          host: '127.0.0.1',
          port,
          path: `/callback?state=${param('state')}`,
          headers: { host: 'evil.example' },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode);
        },
      )
        .on('error', reject)
        .end();
    });
    assert.equal(status, 404);
    server.answerToken({ body: tokenBody(2) });
    await callback({ code: 'code-2', state: param('state'), iss: fakeIssuer });
    assert.equal((await started.result).refreshToken, 'refresh-token-2');
  });

  it('gives up after timeoutMs and closes the listener', async () => {
    const { started } = await start({ timeoutMs: 50 });
    await assert.rejects(started.result, { code: 'ERR_SIGN_IN_TIMEOUT' });
    await closed(started.redirectUri);
  });

  it('ends with ERR_SIGN_IN_CANCELLED when the caller aborts', async () => {
    const controller = new AbortController();
    const { started } = await start({ signal: controller.signal });
    controller.abort();
    await assert.rejects(started.result, { code: 'ERR_SIGN_IN_CANCELLED' });
    await closed(started.redirectUri);
  });

  it('ends the sign-in when openUrl fails', async () => {
    const { started } = await start({ openUrl: () => Promise.reject(new Error('no browser')) });
    await assert.rejects(started.result, { code: 'ERR_SIGN_IN_FAILED', message: /no browser/ });
  });

  it('refuses an authorization endpoint on plain http', async () => {
    const server = startFakeServer();
    server.metadata.authorization_endpoint = 'http://as.example/authorize';
    await assert.rejects(startLoopbackSignIn(definition, { fetch: server.fetch }), {
      code: 'ERR_INSECURE_ENDPOINT',
    });
  });

  it('refuses a nonsensical timeout as a caller bug', async () => {
    await assert.rejects(startLoopbackSignIn(definition, { timeoutMs: 0 }), TypeError);
  });
});

describe('escapeHtml', () => {
  it('escapes everything that could open a tag or an attribute', () => {
    assert.equal(
      escapeHtml(`<a href="x" onclick='y'>&`),
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;',
    );
  });
});
