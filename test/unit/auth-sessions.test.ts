import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenState } from '../../agent/protocol';
import { changedSessions, requestedToken, sessionAccount, sessionNames } from '../../extension/authSessions';

const token = (name: string, overrides: Partial<TokenState> = {}): TokenState => ({
  name,
  type: 'oauth2-refresh-token',
  phase: 'fresh',
  refreshBeforeSeconds: 120,
  ...overrides,
});

describe('requestedToken', () => {
  const tokens = [token('demo'), token('api')];

  it('takes the only scope as the name of a token the agent holds', () => {
    assert.deepEqual(requestedToken(['demo'], tokens), { name: 'demo' });
  });

  it('refuses no scope, several scopes or an unknown name, naming the tokens there are', () => {
    for (const scopes of [undefined, [], ['demo', 'api'], ['']]) {
      const answer = requestedToken(scopes, tokens);
      assert.ok('error' in answer && answer.error.includes('one of: demo, api'), JSON.stringify(scopes));
    }
    assert.deepEqual(requestedToken(['nope'], tokens), {
      error: "Token Agent has no token named 'nope': one of: demo, api.",
    });
    const none = requestedToken(['demo'], []);
    assert.ok('error' in none && /none is configured yet/.test(none.error));
  });
});

describe('sessionNames', () => {
  it('lists every shared token without scopes, and the named one only when it is shared', () => {
    assert.deepEqual(sessionNames(['demo', 'api'], undefined), ['demo', 'api']);
    assert.deepEqual(sessionNames(['demo', 'api'], []), ['demo', 'api']);
    assert.deepEqual(sessionNames(['demo', 'api'], ['api']), ['api']);
    assert.deepEqual(sessionNames(['demo'], ['api']), [], 'not shared yet: the caller must ask the user');
    assert.deepEqual(sessionNames(['demo'], ['demo', 'api']), []);
  });
});

describe('sessionAccount', () => {
  it("labels the account with the token's name and, when known, its subject", () => {
    assert.deepEqual(sessionAccount(token('demo', { subject: 'alice' }), 'demo'), {
      id: 'demo',
      label: 'demo (alice)',
    });
    assert.deepEqual(sessionAccount(undefined, 'demo'), { id: 'demo', label: 'demo' });
  });
});

describe('changedSessions', () => {
  it('names shared tokens that were refreshed, need a sign-in or disappeared, and no others', () => {
    const before = [
      token('demo', { expiresAt: 1_000, lastRefreshAt: 10 }),
      token('api', { expiresAt: 5_000 }),
      token('gone', { expiresAt: 5_000 }),
      token('private', { expiresAt: 1_000 }),
    ];
    const after = [
      token('demo', { expiresAt: 2_000, lastRefreshAt: 20 }),
      token('api', { expiresAt: 5_000 }),
      token('private', { expiresAt: 2_000 }),
    ];
    assert.deepEqual(changedSessions(['demo', 'api', 'gone'], before, after), ['demo', 'gone']);
    const signIn = [token('api', { expiresAt: 5_000, phase: 'needs-sign-in' })];
    assert.deepEqual(changedSessions(['api'], before, signIn), ['api']);
  });
});
