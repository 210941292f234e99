// Odd 200 answers from a token endpoint that rotates refresh tokens and revokes the whole grant when a
// retired one comes back (oidc-provider, as Okta, Auth0 and Entra ID behave). Each answer carries a new
// refresh token that the provider has already swapped for the old one: the engine must keep it whatever
// else the answer holds, so that the next refresh presents it and the grant lives on. Answers it can
// use are taken; answers it cannot use fail with ERR_TOKEN_ENDPOINT_RESPONSE naming the field.
//
// Also: an id_token in a refresh answer from a provider whose issuer is a path (Okta's
// `…/oauth2/default`, Entra ID's `…/{tenant}/v2.0`) is checked against the configured issuer only,
// never against a guess made from the token endpoint.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { parseConfig } from '../../agent/config/validate';
import { TokenEngine } from '../../agent/engine/tokenEngine';
import { MemoryStore } from '../../agent/store/memoryStore';
import {
  type AgentWorkspace,
  createWorkspace,
  refreshTokenEntry,
  verifyAccessToken,
} from '../support/agentCli';
import { type SecretService, startSecretService } from '../support/secretService';
import { type Reshape, startTokenServer, type TokenServer } from '../support/tokenServer';

const kinds = ['refresh_token', 'access_token', 'client_secret', 'static_token'] as const;
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

/** An RS256 id_token with these claims (signed by a key of the test's own: nothing checks it). */
function idToken(claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'test-user', iat: now, exp: now + 300, ...claims })
    .setProtectedHeader({ alg: 'RS256' })
    .sign(signingKey);
}

interface Harness {
  server: TokenServer;
  dataDir: string;
  engines: TokenEngine[];
}

/** An engine holding one freshly minted grant; `clock` lets a test step past the forced-refresh coalescing. */
async function engineWithGrant(
  harness: Harness,
  name: string,
  entry: Record<string, unknown>,
  options: { openid?: boolean } = {},
) {
  const { server } = harness;
  const { config, problems } = parseConfig(JSON.stringify({ store: 'memory', tokens: [entry] }));
  assert.deepEqual(problems, []);
  const store = new MemoryStore();
  const clientId = server.publicClientId;
  await store.set(name, 'refresh_token', await server.mintRefreshToken({ clientId, ...options }));
  const clock = { now: Date.now() };
  const engine = new TokenEngine({
    definitions: config.tokens,
    store,
    dataDir: join(harness.dataDir, name),
    schedule: false,
    now: () => clock.now,
  });
  harness.engines.push(engine);
  return { engine, store, clock };
}

type Outcome = { ok: true; token: string } | { ok: false; code?: string; message: string };

async function outcome(call: Promise<{ accessToken: string }>): Promise<Outcome> {
  try {
    return { ok: true, token: (await call).accessToken };
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    return { ok: false, ...(code ? { code } : {}), message };
  }
}

function harnessFor(options: Parameters<typeof startTokenServer>[0]): Harness {
  const harness = { engines: [] } as unknown as Harness;
  before(async () => {
    harness.server = await startTokenServer(options);
    harness.dataDir = await mkdtemp(join(tmpdir(), 'token-agent-answers-'));
  });
  after(async () => {
    for (const engine of harness.engines) engine.stop();
    await Promise.all(harness.engines.map((engine) => engine.idle()));
    await harness.server?.close();
    await rm(harness.dataDir, { recursive: true, force: true });
  });
  return harness;
}

describe('a 200 answer that carries a new refresh token and something odd', () => {
  const harness = harnessFor({ accessTokenTtlSeconds: 300 });
  /** Grants the provider revoked, per case: the number the issue counts (8 of 8 before the fix). */
  const revokedByCase = new Map<string, number>();

  const cases: {
    what: string;
    reshape: (server: TokenServer) => Reshape | Promise<Reshape>;
    refused?: RegExp;
    /** Not one of the eight. */
    extra?: boolean;
  }[] = [
    {
      what: 'expires_in -100',
      reshape: () => (body) => ({ ...body, expires_in: -100 }),
      refused: /expires_in is negative/,
    },
    {
      what: 'expires_in "soon"',
      reshape: () => (body) => ({ ...body, expires_in: 'soon' }),
      refused: /expires_in is a string that is not a number/,
    },
    {
      what: 'no token_type',
      reshape:
        () =>
        ({ token_type: _dropped, ...body }) =>
          body,
    },
    {
      what: 'token_type "mac"',
      reshape: () => (body) => ({ ...body, token_type: 'mac' }),
      refused: /token_type is not Bearer/,
    },
    {
      what: 'scope as an array',
      reshape: () => (body) => ({ ...body, scope: ['offline_access', 'api:read'] }),
    },
    {
      what: 'access_token empty',
      reshape: () => (body) => ({ ...body, access_token: '' }),
      refused: /access_token is empty/,
    },
    {
      what: 'access_token a number',
      reshape: () => (body) => ({ ...body, access_token: 12345 }),
      refused: /access_token is a number/,
    },
    {
      what: "an id_token whose iss is the provider's path issuer",
      reshape: async (server) => {
        const token = await idToken({ iss: `${server.issuer}/oauth2/default`, aud: server.publicClientId });
        return (body) => ({ ...body, id_token: token });
      },
    },
    // Two more that real providers send, beyond the eight.
    {
      what: 'expires_in "300" (a numeric string)',
      reshape: () => (body) => ({ ...body, expires_in: '300' }),
      extra: true,
    },
    {
      what: 'token_type "BEARER"',
      reshape: () => (body) => ({ ...body, token_type: 'BEARER' }),
      extra: true,
    },
  ];

  for (const [index, { what, reshape, refused, extra }] of cases.entries()) {
    it(`${what}: ${refused ? 'refused naming the field' : 'taken'}; the grant survives and the next refresh works`, async () => {
      const { server } = harness;
      const name = `odd-${index}`;
      // Only the token endpoint configured: the case the issue measured, and the common one.
      const entry = {
        ...refreshTokenEntry(server, { name }),
        issuer: undefined,
        tokenEndpoint: server.tokenEndpoint,
      };
      const { engine, store, clock } = await engineWithGrant(harness, name, entry);
      const revokedBefore = server.events.grantRevoked;
      const successesBefore = server.events.grantSuccess;

      server.reshapeNext(1, await reshape(server));
      const first = await outcome(engine.get(name));
      // The provider rotated: whatever the answer held, the store now has the new refresh token.
      const afterFirst = await store.get(name, 'refresh_token');
      clock.now += 11_000;
      const next = await outcome(engine.refresh(name));
      const revoked = server.events.grantRevoked - revokedBefore;
      if (!extra) revokedByCase.set(what, revoked);

      assert.equal(
        revoked,
        0,
        `grants revoked: ${revoked}; first: ${JSON.stringify(first)}; next: ${JSON.stringify(next)}`,
      );
      assert.equal(server.events.grantSuccess - successesBefore, 2, 'both requests reached the provider');
      if (refused) {
        assert.equal(first.ok, false, 'the answer is refused');
        if (!first.ok) {
          assert.equal(first.code, 'ERR_TOKEN_ENDPOINT_RESPONSE');
          assert.match(first.message, refused);
        }
      } else {
        assert.equal(first.ok, true, JSON.stringify(first));
        if (first.ok) await verifyAccessToken(server, first.token);
      }
      assert.equal(next.ok, true, JSON.stringify(next));
      if (next.ok) await verifyAccessToken(server, next.token);
      // The next refresh presented the refresh token of the odd answer, and was itself rotated.
      assert.notEqual(await store.get(name, 'refresh_token'), afterFirst);
    });
  }

  it("revokes no grant in the issue's 8 cases", () => {
    assert.equal(revokedByCase.size, 8);
    const total = [...revokedByCase.values()].reduce((sum, each) => sum + each, 0);
    assert.equal(total, 0, JSON.stringify(Object.fromEntries(revokedByCase)));
  });
});

describe('oidc-provider under a path issuer, with openid in the scope', () => {
  const harness = harnessFor({ accessTokenTtlSeconds: 300, issuerPath: '/oauth2/default' });

  function entryFor(name: string, endpoint: 'issuer' | 'tokenEndpoint') {
    const { server } = harness;
    const entry = { ...refreshTokenEntry(server, { name }), scope: `openid offline_access ${server.scope}` };
    return endpoint === 'issuer'
      ? entry
      : { ...entry, issuer: undefined, tokenEndpoint: server.tokenEndpoint };
  }

  /** Three refreshes in a row, each checked to have carried an id_token. */
  async function threeRefreshes(name: string, endpoint: 'issuer' | 'tokenEndpoint') {
    const { server } = harness;
    assert.match(server.issuer, /\/oauth2\/default$/);
    const { engine, store, clock } = await engineWithGrant(harness, name, entryFor(name, endpoint), {
      openid: true,
    });
    const revokedBefore = server.events.grantRevoked;
    for (let i = 0; i < 3; i++) {
      let sent: unknown;
      server.reshapeNext(1, (body) => {
        sent = body.id_token;
        return body;
      });
      const token = await engine.refresh(name);
      assert.equal(typeof sent, 'string', 'the provider sent an id_token');
      await verifyAccessToken(server, token.accessToken);
      // Never stored: no secret the store holds for the token contains it.
      for (const kind of kinds) assert.ok(!(await store.get(name, kind))?.includes(String(sent)), kind);
      clock.now += 11_000;
    }
    assert.equal(server.events.grantRevoked, revokedBefore);
  }

  it('only tokenEndpoint configured: every refresh succeeds (the id_token is not checked against a guess)', async () => {
    await threeRefreshes('path-endpoint', 'tokenEndpoint');
  });

  it('issuer configured (discovery): every refresh succeeds, its id_token checked against that issuer', async () => {
    await threeRefreshes('path-discovery', 'issuer');
  });

  it('issuer configured: an id_token from another issuer is refused, and the grant survives', async () => {
    const { server } = harness;
    const name = 'path-wrong-iss';
    const { engine, store, clock } = await engineWithGrant(harness, name, entryFor(name, 'issuer'), {
      openid: true,
    });
    const revokedBefore = server.events.grantRevoked;
    // The origin: the issuer the agent used to guess.
    const wrong = await idToken({ iss: new URL(server.issuer).origin, aud: server.publicClientId });
    server.reshapeNext(1, (body) => ({ ...body, id_token: wrong }));
    const first = await outcome(engine.get(name));
    assert.equal(first.ok, false);
    if (!first.ok) {
      assert.equal(first.code, 'ERR_TOKEN_ENDPOINT_RESPONSE');
      assert.match(first.message, /id_token/);
      assert.ok(!first.message.includes(wrong), 'the id_token is never quoted');
    }
    const rotated = await store.get(name, 'refresh_token');
    clock.now += 11_000;
    const next = await engine.refresh(name);
    await verifyAccessToken(server, next.accessToken);
    assert.notEqual(await store.get(name, 'refresh_token'), rotated);
    assert.equal(server.events.grantRevoked, revokedBefore);
  });
});

describe('token-agent get for an opaque token whose provider gives no expires_in', () => {
  const harness = harnessFor({ accessTokenTtlSeconds: 300 });
  let secrets: SecretService;
  let workspace: AgentWorkspace | undefined;

  before(async () => {
    secrets = await startSecretService();
  });
  after(async () => {
    await workspace?.remove();
    await secrets?.stop();
  });

  it('shows the expiry as assumed, and --min-valid 7200 refreshes instead of handing the same token back', async () => {
    const { server } = harness;
    const name = 'opaque';
    workspace = await createWorkspace({ noAgent: true, server, secrets, tokens: [{ name }] });
    await workspace.setSecret(
      name,
      'refresh_token',
      await server.mintRefreshToken({ clientId: server.publicClientId }),
    );
    const revokedBefore = server.events.grantRevoked;
    // The provider rotates as ever; the client sees an opaque token and no lifetime.
    let serial = 0;
    server.reshapeNext(2, ({ expires_in: _unsaid, ...body }) => ({
      ...body,
      access_token: `opaque-${++serial}-${randomUUID()}`,
    }));

    const first = await workspace.run(['get', name]);
    assert.equal(first.code, 0, first.stderr);
    const held = first.stdout.trim();
    assert.match(held, /^opaque-1-/);
    const status = await workspace.run(['status']);
    // An hour assumed: status may run in the same second as the refresh ("1h 0m") or after.
    assert.match(status.stdout, /opaque\s+fresh\s+in ~(?:59m \d+s|1h 0m), assumed/);
    const again = await workspace.run(['get', name]);
    assert.equal(again.stdout.trim(), held, 'a plain get takes the held token');

    const longer = await workspace.run(['get', name, '--min-valid', '7200']);
    assert.equal(longer.code, 0, longer.stderr);
    assert.match(longer.stdout.trim(), /^opaque-2-/);
    assert.match(longer.stderr, /assumed/);
    assert.equal(server.events.grantRevoked, revokedBefore);
  });
});
