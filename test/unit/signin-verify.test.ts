// Signature checks against an issuer's published keys (jose's remote JWKS), with keys and tokens made
// here and the key set served through an injected fetch: every way a token can fail to verify has its
// own code, and the keys are fetched once per key set.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { verifyAccessToken, verifyDefinitionToken } from '../../agent/engine/verify';
import { fakeIssuer, startFakeServer } from '../support/fakeAuthorizationServer';
import { fakeJwt } from '../support/fakeTokens';
import { type IssuerKeys, makeIssuerKeys, type SignOptions } from '../support/signingKeys';

const audience = 'https://api.example';
const jwksUri = `${fakeIssuer}/jwks`;
const nowMs = 1_800_000_000_000;
let issuerKeys: IssuerKeys;

before(async () => {
  issuerKeys = await makeIssuerKeys('RS256', { issuer: fakeIssuer, audience, nowMs });
});

const sign = (claims: Record<string, unknown> = {}, options: SignOptions = {}) =>
  issuerKeys.sign({ scope: 'api:read', ...claims }, options);

function keyServer(answer: () => Response = () => Response.json({ keys: [issuerKeys.publicJwk] })) {
  let calls = 0;
  const fetchKeys: typeof fetch = async (input) => {
    assert.equal(String(input), jwksUri);
    calls++;
    return answer();
  };
  return { fetch: fetchKeys, calls: () => calls };
}

function options(fetchKeys: typeof fetch, keySets = new Map()) {
  return { issuer: fakeIssuer, jwksUri, audience, keySets, fetch: fetchKeys, now: () => nowMs };
}

describe('verifyAccessToken', () => {
  it("verifies a token signed with the issuer's published key, and fetches the keys once", async () => {
    const keys = keyServer();
    const keySets = new Map();
    const token = await sign();
    assert.deepEqual(await verifyAccessToken(token, options(keys.fetch, keySets)), {
      verified: true,
      algorithm: 'RS256',
      keyId: 'key-1',
    });
    assert.equal(
      (await verifyAccessToken(await sign({ jti: 'two' }), options(keys.fetch, keySets))).verified,
      true,
    );
    assert.equal(keys.calls(), 1);
    assert.deepEqual([...keySets.keys()], [jwksUri]);
  });

  it('says why a token does not verify, with a stable code', async () => {
    const keys = keyServer();
    const cases: [string, string][] = [
      [await sign({}, { key: issuerKeys.otherPrivateKey }), 'bad-signature'],
      [await sign({}, { kid: 'key-2' }), 'unknown-key'],
      [await sign({ aud: 'https://other.example' }), 'claims'],
      [await sign({ iss: 'https://evil.example' }), 'claims'],
      [await sign({}, { expiresAt: nowMs - 1_000 }), 'expired'],
      ['opaque-access-token-value', 'opaque'],
      ['a.b.c.d.e', 'encrypted'],
      [fakeJwt({ iss: fakeIssuer }, { alg: 'none' }), 'unknown-key'],
    ];
    for (const [token, code] of cases) {
      const result = await verifyAccessToken(token, options(keys.fetch));
      assert.equal(result.verified, false, code);
      assert.equal(!result.verified && result.code, code, !result.verified ? result.reason : '');
    }
  });

  it('names the claim that failed', async () => {
    const result = await verifyAccessToken(
      await sign({ aud: 'https://other.example' }),
      options(keyServer().fetch),
    );
    assert.ok(!result.verified);
    assert.match(result.reason, /"aud" claim .*expected https:\/\/api\.example/);
  });

  it('reports an issuer without keys, keys over plain http, and keys that cannot be fetched', async () => {
    const token = await sign();
    const keys = keyServer();
    const none = await verifyAccessToken(token, { ...options(keys.fetch), jwksUri: undefined });
    assert.equal(!none.verified && none.code, 'no-keys');
    const insecure = await verifyAccessToken(token, {
      ...options(keys.fetch),
      jwksUri: 'http://as.example/jwks',
    });
    assert.equal(!insecure.verified && insecure.code, 'insecure-keys');
    assert.equal(keys.calls(), 0);
    const broken = keyServer(() => new Response('<html>', { status: 502 }));
    const unavailable = await verifyAccessToken(token, options(broken.fetch));
    assert.equal(!unavailable.verified && unavailable.code, 'keys-unavailable');
  });
});

describe('verifyDefinitionToken', () => {
  it("finds the keys through the issuer's metadata and checks the resource as audience", async () => {
    const server = startFakeServer();
    const fetchBoth: typeof fetch = (input, init) =>
      String(input) === jwksUri
        ? Promise.resolve(Response.json({ keys: [issuerKeys.publicJwk] }))
        : server.fetch(input, init);
    const context = { discovered: new Map(), keySets: new Map(), fetch: fetchBoth, now: () => nowMs };
    const definition = { issuer: fakeIssuer, resource: audience };
    assert.equal((await verifyDefinitionToken(await sign(), definition, context)).verified, true);
    assert.ok(context.discovered.has(fakeIssuer));
    const wrongAudience = await verifyDefinitionToken(
      await sign(),
      { issuer: fakeIssuer, resource: 'https://other.example' },
      context,
    );
    assert.equal(!wrongAudience.verified && wrongAudience.code, 'claims');
    const bare = await verifyDefinitionToken(await sign(), { resource: audience }, context);
    assert.equal(!bare.verified && bare.code, 'no-keys');
  });
});
