import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeAccessToken, JwtInfoCache, readJwtInfo } from '../../agent/base/jwtInfo';
import { fakeJwt } from '../support/fakeTokens';

const nowMs = 1_800_000_000_000;
const nowSeconds = nowMs / 1000;

describe('readJwtInfo', () => {
  it('reads the claims without verifying the signature', () => {
    const token = fakeJwt(
      {
        iss: 'https://idp.example.com',
        sub: 'user-1',
        aud: 'https://api.example.com',
        exp: nowSeconds + 3600,
        iat: nowSeconds,
        nbf: nowSeconds - 5,
        jti: 'id-1',
        scope: 'api:read  api:write',
      },
      { alg: 'RS256', typ: 'at+jwt', kid: 'key-1' },
    );
    assert.deepEqual(readJwtInfo(token), {
      header: { alg: 'RS256', typ: 'at+jwt', kid: 'key-1' },
      expiresAtMs: nowMs + 3_600_000,
      issuedAtMs: nowMs,
      notBeforeMs: nowMs - 5_000,
      jti: 'id-1',
      iss: 'https://idp.example.com',
      sub: 'user-1',
      aud: ['https://api.example.com'],
      scopes: ['api:read', 'api:write'],
    });
  });

  it('reads scopes from scp, as a list or a string, and several audiences', () => {
    const info = readJwtInfo(fakeJwt({ aud: ['a', 'b'], scp: ['read', 'write'] }));
    assert.deepEqual(info?.aud, ['a', 'b']);
    assert.deepEqual(info?.scopes, ['read', 'write']);
    assert.deepEqual(readJwtInfo(fakeJwt({ scp: 'User.Read Mail.Read' }))?.scopes, [
      'User.Read',
      'Mail.Read',
    ]);
  });

  it('keeps fractional NumericDates and drops claims of the wrong type', () => {
    const info = readJwtInfo(fakeJwt({ exp: nowSeconds + 0.5, iat: '1800000000', aud: [1], sub: 7, scp: 5 }));
    assert.deepEqual(info, { header: { alg: 'HS256', typ: 'JWT' }, expiresAtMs: nowMs + 500 });
  });

  it('returns undefined for opaque, encrypted and malformed tokens', () => {
    const jweHeader = fakeJwt({}, { alg: 'dir', enc: 'A256GCM' }).split('.')[0];
    for (const token of [
      'opaque-token-value-for-tests',
      '',
      `${jweHeader}..aXY.Y2lwaGVy.dGFn`,
      'eyJub3QganNvbg.eyJ9.sig',
      `${fakeJwt({}).split('.')[0]}.${Buffer.from('[1]').toString('base64url')}.sig`,
    ]) {
      assert.equal(readJwtInfo(token), undefined, token);
    }
  });
});

describe('describeAccessToken', () => {
  it('takes the expiry from exp for a JWT', () => {
    const token = fakeJwt({ exp: nowSeconds + 600 });
    const description = describeAccessToken(token, { nowMs });
    assert.equal(description.format, 'jwt');
    assert.equal(description.expiresAtMs, nowMs + 600_000);
    assert.equal(description.expirySource, 'exp');
    assert.equal(description.jwt?.expiresAtMs, nowMs + 600_000);
  });

  it('takes the expiry from expires_in for an opaque token', () => {
    assert.deepEqual(describeAccessToken('opaque-token-value-for-tests', { nowMs, expiresInSeconds: 3600 }), {
      format: 'opaque',
      expiresAtMs: nowMs + 3_600_000,
      expirySource: 'expires_in',
    });
  });

  it('knows no expiry when neither is given', () => {
    assert.deepEqual(describeAccessToken('opaque-token-value-for-tests', { nowMs }), { format: 'opaque' });
    assert.equal(describeAccessToken(fakeJwt({ sub: 'x' }), { nowMs }).expiresAtMs, undefined);
  });

  it('takes the earlier of exp and expires_in', () => {
    const token = fakeJwt({ exp: nowSeconds + 600 });
    assert.equal(describeAccessToken(token, { nowMs, expiresInSeconds: 300 }).expirySource, 'expires_in');
    assert.equal(describeAccessToken(token, { nowMs, expiresInSeconds: 300 }).expiresAtMs, nowMs + 300_000);
    assert.equal(describeAccessToken(token, { nowMs, expiresInSeconds: 900 }).expirySource, 'exp');
  });

  it('reads exp on the server clock when the skew is known', () => {
    // The server runs 30 s ahead: its exp comes 30 s earlier on our clock.
    const token = fakeJwt({ exp: nowSeconds + 600 });
    assert.equal(describeAccessToken(token, { nowMs, skewMs: 30_000 }).expiresAtMs, nowMs + 570_000);
  });

  it('ignores a nonsensical expires_in', () => {
    for (const expiresInSeconds of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.equal(
        describeAccessToken('opaque-token-value-for-tests', { nowMs, expiresInSeconds }).expiresAtMs,
        undefined,
      );
    }
  });
});

describe('JwtInfoCache', () => {
  it('decodes a token once and answers again from memory, opaque tokens included', () => {
    const cache = new JwtInfoCache(2);
    const token = fakeJwt({ sub: 'cached', exp: 1_900_000_000, iat: 1_899_996_400 });
    const first = cache.read(token);
    assert.equal(first?.sub, 'cached');
    assert.equal(cache.read(token), first, 'the same decoded object: no second decode');
    assert.equal(cache.read('opaque-token-value'), undefined);
    assert.equal(cache.size, 2);
  });

  it('stays within its bound, dropping the least recently used', () => {
    const cache = new JwtInfoCache(2);
    const tokens = ['a', 'b', 'c'].map((sub) => fakeJwt({ sub }));
    const first = cache.read(tokens[0] ?? '');
    for (const token of tokens) cache.read(token);
    assert.equal(cache.size, 2);
    assert.notEqual(cache.read(tokens[0] ?? ''), first, 'the evicted token was decoded again');
  });

  it('gives describeAccessToken the cached claims', () => {
    const cache = new JwtInfoCache();
    const token = fakeJwt({ sub: 'x', exp: 1_900_000_000 });
    const described = describeAccessToken(token, { nowMs: 0, readJwt: cache.read });
    assert.equal(described.jwt, cache.read(token));
    assert.equal(described.expiresAtMs, 1_900_000_000_000);
  });
});
