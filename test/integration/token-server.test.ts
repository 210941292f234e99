// The test token server is a real OAuth server: its tokens verify, its refresh tokens rotate, replaying
// a rotated one revokes the grant, and injected faults reach the client. Later tests rely on all of it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { startTokenServer, type TokenServer } from '../support/tokenServer';
import { waitUntil } from '../support/waitFor';

describe('the test token server', () => {
  let server: TokenServer;
  let as: oauth.AuthorizationServer;
  let client: oauth.Client;
  let auth: oauth.ClientAuth;
  // Plain http is only acceptable because the server is on loopback.
  const insecure = { [oauth.allowInsecureRequests]: true };

  before(async () => {
    server = await startTokenServer({ accessTokenTtlSeconds: 120 });
    as = { issuer: server.issuer, token_endpoint: server.tokenEndpoint, jwks_uri: server.jwksUri };
    client = { client_id: server.clientId };
    auth = oauth.ClientSecretBasic(server.clientSecret);
  });

  after(() => server.close());

  const clientCredentials = async () =>
    oauth.processClientCredentialsResponse(
      as,
      client,
      await oauth.clientCredentialsGrantRequest(as, client, auth, { scope: server.scope }, insecure),
    );

  const refresh = async (refreshToken: string) =>
    oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, insecure),
    );

  const rejection = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => assert.fail('expected the token endpoint to refuse'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof oauth.ResponseBodyError, `unexpected ${String(error)}`);
    return error;
  };

  it('issues a client_credentials JWT that verifies against its JWKS, living exactly the TTL', async () => {
    const response = await clientCredentials();
    assert.equal(response.token_type, 'bearer');
    assert.equal(response.expires_in, 120);
    const { payload, protectedHeader } = await jwtVerify(
      response.access_token,
      createRemoteJWKSet(new URL(server.jwksUri)),
      { issuer: server.issuer, audience: server.resource, typ: 'at+jwt' },
    );
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.client_id, server.clientId);
    assert.equal(payload.scope, server.scope);
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 120);
    assert.equal(server.log.at(-1)?.outcome, 'success');
    assert.equal(server.log.at(-1)?.grantType, 'client_credentials');
  });

  it('rotates refresh tokens, and a replayed one revokes the whole grant', async () => {
    const first = await server.mintRefreshToken();
    const before = { ...server.events };

    const rotated = await refresh(first);
    assert.ok(rotated.refresh_token, 'a new refresh token comes back');
    assert.notEqual(rotated.refresh_token, first);
    assert.equal(decodeProtectedHeader(rotated.access_token).typ, 'at+jwt');
    const claims = decodeJwt(rotated.access_token);
    assert.equal(claims.sub, 'test-user');
    assert.equal(claims.aud, server.resource);

    const replay = await rejection(refresh(first));
    assert.equal(replay.error, 'invalid_grant');
    assert.equal(replay.status, 400);

    const afterRevocation = await rejection(refresh(rotated.refresh_token));
    assert.equal(afterRevocation.error, 'invalid_grant', 'the new refresh token died with the grant');

    assert.deepEqual(
      {
        success: server.events.grantSuccess - before.grantSuccess,
        error: server.events.grantError - before.grantError,
        revoked: server.events.grantRevoked - before.grantRevoked,
      },
      { success: 1, error: 2, revoked: 1 },
    );
  });

  it('mints refresh tokens for the public client too', async () => {
    const publicClient = { client_id: server.publicClientId };
    const response = await oauth.processRefreshTokenResponse(
      as,
      publicClient,
      await oauth.refreshTokenGrantRequest(
        as,
        publicClient,
        oauth.None(),
        await server.mintRefreshToken({ clientId: server.publicClientId, accountId: 'someone' }),
        insecure,
      ),
    );
    assert.equal(decodeJwt(response.access_token).sub, 'someone');
  });

  it('answers injected faults instead of the provider, then serves normally again', async () => {
    server.failNext(1, { status: 429, headers: { 'retry-after': '7' } });
    server.failNext(1, { status: 500, body: '{"access_token":' });
    const logged = server.log.length;

    const limited = await oauth.clientCredentialsGrantRequest(as, client, auth, {}, insecure);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.equal(((await limited.json()) as { error: string }).error, 'temporarily_unavailable');

    const broken = await oauth.clientCredentialsGrantRequest(as, client, auth, {}, insecure);
    assert.equal(broken.status, 500);
    await assert.rejects(broken.clone().json(), SyntaxError);
    await assert.rejects(oauth.processClientCredentialsResponse(as, client, broken));

    assert.ok((await clientCredentials()).access_token);
    assert.deepEqual(
      server.log.slice(logged).map((e) => [e.outcome, e.status, e.grantType]),
      [
        ['injected', 429, 'client_credentials'],
        ['injected', 500, 'client_credentials'],
        ['success', 200, 'client_credentials'],
      ],
    );
  });

  it('can leave a request unanswered until the client gives up', async () => {
    server.hangNext(1);
    // The client gives up as soon as the server reports the request hung: no timer to tune.
    const giveUp = new AbortController();
    const stop = server.onEvent((event) => {
      if (event.outcome === 'hung') giveUp.abort();
    });
    const request = oauth.clientCredentialsGrantRequest(
      as,
      client,
      auth,
      {},
      {
        ...insecure,
        signal: giveUp.signal,
      },
    );
    await assert.rejects(request, { name: 'AbortError' });
    stop();
    assert.equal(server.log.at(-1)?.outcome, 'hung');
    assert.ok((await clientCredentials()).access_token, 'the next request is served');
  });
});

describe('a token server on a chosen port', () => {
  it('refuses a malformed client at start, and leaves nothing listening', async () => {
    // If the port stayed open this test file would never end.
    await assert.rejects(
      startTokenServer({ clients: [{ client_id: 'broken', grant_types: ['nonsense'] }] }),
      {
        error: 'invalid_client_metadata',
      },
    );
  });

  it('listens there and closes even with a request hanging', async () => {
    const probe = await startTokenServer();
    const port = Number(new URL(probe.issuer).port);
    await probe.close();

    const server = await startTokenServer({ port });
    assert.equal(server.issuer, `http://127.0.0.1:${port}`);
    server.hangNext(1);
    const hanging = fetch(server.tokenEndpoint, { method: 'POST', body: 'grant_type=client_credentials' });
    const settled = hanging.then(
      () => 'answered',
      () => 'connection closed',
    );
    await waitUntil(() => server.log.length > 0, 'the request to reach the server');
    await server.close();
    assert.equal(await settled, 'connection closed');
  });
});
