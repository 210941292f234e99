// The token endpoint's 200 answer, read rotation-first: the refresh token out of any answer that has
// one, then the rest, taking what real providers send and naming the field (never its value) of what
// cannot be used.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseBody,
  readTokenResponse,
  rotatedRefreshToken,
  shape,
  TokenResponseError,
} from '../../agent/engine/tokenResponse';

// Built at run time: obviously fake, never a real-looking literal.
const access = `at-${'x'.repeat(8)}`;
const refresh = `rt-${'y'.repeat(8)}`;
const base = { access_token: access, token_type: 'Bearer', expires_in: 300, refresh_token: refresh };

function refused(body: Record<string, unknown>, message: RegExp): void {
  assert.throws(
    () => readTokenResponse(body),
    (error: unknown) => {
      assert.ok(error instanceof TokenResponseError);
      assert.equal(error.code, 'ERR_TOKEN_ENDPOINT_RESPONSE');
      assert.match(error.message, message);
      for (const value of Object.values(body))
        if (typeof value === 'string' && value.length > 3) assert.ok(!error.message.includes(value));
      return true;
    },
  );
}

describe('rotatedRefreshToken', () => {
  it('finds the refresh token in answers the full read refuses', () => {
    for (const odd of [
      { expires_in: -100 },
      { expires_in: 'soon' },
      { token_type: 'mac' },
      { access_token: '' },
      { access_token: 12345 },
      { scope: 7 },
    ])
      assert.equal(rotatedRefreshToken({ ...base, ...odd }), refresh);
  });

  it('is undefined without a usable one', () => {
    assert.equal(rotatedRefreshToken({ access_token: access }), undefined);
    assert.equal(rotatedRefreshToken({ ...base, refresh_token: '' }), undefined);
    assert.equal(rotatedRefreshToken({ ...base, refresh_token: 42 }), undefined);
  });
});

describe('readTokenResponse', () => {
  it('reads a plain answer', () => {
    assert.deepEqual(readTokenResponse({ ...base, scope: 'a b' }), {
      accessToken: access,
      expiresInSeconds: 300,
      refreshToken: refresh,
      scope: 'a b',
    });
  });

  it('takes expires_in as a numeric string, and as 0', () => {
    assert.equal(readTokenResponse({ ...base, expires_in: '3600' }).expiresInSeconds, 3600);
    assert.equal(readTokenResponse({ ...base, expires_in: ' 59.5 ' }).expiresInSeconds, 59.5);
    assert.equal(readTokenResponse({ ...base, expires_in: 0 }).expiresInSeconds, 0);
  });

  it('leaves the expiry unknown when expires_in is absent or null', () => {
    assert.equal(readTokenResponse({ access_token: access }).expiresInSeconds, undefined);
    assert.equal('expiresInSeconds' in readTokenResponse({ ...base, expires_in: null }), false);
  });

  it('takes token_type in any case, and a missing one as Bearer', () => {
    for (const token_type of ['bearer', 'BEARER', 'Bearer', undefined])
      assert.equal(readTokenResponse({ ...base, token_type }).accessToken, access);
  });

  it('takes scope as a string or a list, and ignores any other shape', () => {
    assert.equal(readTokenResponse({ ...base, scope: ['openid', 'api:read'] }).scope, 'openid api:read');
    assert.equal(readTokenResponse({ ...base, scope: 7 }).scope, undefined);
  });

  it('hands over an id_token for checking', () => {
    assert.equal(readTokenResponse({ ...base, id_token: 'a.b.c' }).idToken, 'a.b.c');
  });

  it('refuses what cannot be used, naming the field and the shape of its value', () => {
    refused({ ...base, access_token: '' }, /^access_token is empty$/);
    refused({ ...base, access_token: 12345 }, /^access_token is a number$/);
    refused({ token_type: 'Bearer' }, /^access_token is missing$/);
    refused({ ...base, expires_in: -100 }, /^expires_in is negative$/);
    refused({ ...base, expires_in: '-5' }, /^expires_in is negative$/);
    refused({ ...base, expires_in: 'soon' }, /^expires_in is a string that is not a number$/);
    refused({ ...base, expires_in: true }, /^expires_in is a boolean$/);
    refused({ ...base, expires_in: Number.POSITIVE_INFINITY }, /^expires_in is not a finite number$/);
    refused({ ...base, token_type: 'mac' }, /^token_type is not Bearer/);
    refused({ ...base, token_type: 1 }, /^token_type is a number$/);
    refused({ ...base, refresh_token: ['x'] }, /^refresh_token is an array$/);
    refused({ ...base, id_token: {} }, /^id_token is an object$/);
  });
});

describe('parseBody', () => {
  it('refuses what is not a JSON object without quoting it', () => {
    const truncated = `{"access_token":"${access}`;
    assert.throws(
      () => parseBody(truncated),
      (error: Error) => error.message === `the body is not JSON (${truncated.length} characters)`,
    );
    assert.throws(() => parseBody('[1]'), /the body is an array, not a JSON object/);
    assert.throws(() => parseBody('null'), /the body is null, not a JSON object/);
    assert.deepEqual(parseBody('{"a":1}'), { a: 1 });
  });
});

describe('shape', () => {
  it('says what a value is', () => {
    assert.deepEqual([undefined, null, [], {}, 1, 's', true].map(shape), [
      'missing',
      'null',
      'an array',
      'an object',
      'a number',
      'a string',
      'a boolean',
    ]);
  });
});
