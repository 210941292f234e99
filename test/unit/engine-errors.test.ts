import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codes, isTokenAgentError, TokenAgentError } from '../../agent/base/errors';

describe('TokenAgentError', () => {
  it('carries a stable code, a message and a cause', () => {
    const cause = new Error('socket hang up');
    const error = new TokenAgentError(codes.tokenEndpointTimeout, 'the token endpoint did not answer', {
      cause,
    });
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'TokenAgentError');
    assert.equal(error.code, 'ERR_TOKEN_ENDPOINT_TIMEOUT');
    assert.equal(error.message, 'the token endpoint did not answer');
    assert.equal(error.cause, cause);
  });

  it('has no cause unless given one', () => {
    assert.equal('cause' in new TokenAgentError(codes.tokenUnknown, 'x'), false);
  });

  it('keeps every code distinct and in the ERR_ namespace', () => {
    const values = Object.values(codes);
    assert.equal(new Set(values).size, values.length);
    for (const code of values) assert.match(code, /^ERR_[A-Z_]+$/);
    assert.deepEqual(values.sort(), [
      'ERR_AGENT_UNAVAILABLE',
      'ERR_BAD_REQUEST',
      'ERR_COMMAND_FAILED',
      'ERR_CONFIG_INVALID',
      'ERR_DATA_DIR_UNWRITABLE',
      'ERR_HOST_NOT_ALLOWED',
      'ERR_INSECURE_ENDPOINT',
      'ERR_LOCK_TIMEOUT',
      'ERR_METHOD_NOT_ALLOWED',
      'ERR_NEEDS_SIGN_IN',
      'ERR_NOT_FOUND',
      'ERR_ORIGIN_NOT_ALLOWED',
      'ERR_REFRESH_BUDGET_EXHAUSTED',
      'ERR_REFRESH_FAILED',
      'ERR_SIGN_IN_CANCELLED',
      'ERR_SIGN_IN_DENIED',
      'ERR_SIGN_IN_FAILED',
      'ERR_SIGN_IN_STATE_MISMATCH',
      'ERR_SIGN_IN_TIMEOUT',
      'ERR_SIGN_IN_UNSUPPORTED',
      'ERR_STOPPING',
      'ERR_STORE_LOCKED',
      'ERR_STORE_UNAVAILABLE',
      'ERR_TEAM_UNAVAILABLE',
      'ERR_TOKEN_ENDPOINT_HTTP',
      'ERR_TOKEN_ENDPOINT_RESPONSE',
      'ERR_TOKEN_ENDPOINT_TIMEOUT',
      'ERR_TOKEN_EXPIRED',
      'ERR_TOKEN_UNKNOWN',
      'ERR_UNAUTHORIZED',
      'ERR_UNSAFE_PATH',
    ]);
  });

  it('is recognised by isTokenAgentError, optionally by code', () => {
    const error = new TokenAgentError(codes.needsSignIn, 'sign in again');
    assert.equal(isTokenAgentError(error), true);
    assert.equal(isTokenAgentError(error, codes.needsSignIn), true);
    assert.equal(isTokenAgentError(error, codes.tokenExpired), false);
    assert.equal(isTokenAgentError(new Error('plain')), false);
    assert.equal(isTokenAgentError({ code: codes.needsSignIn, message: 'look-alike' }), false);
  });
});
