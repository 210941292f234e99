// What Add Token says at its end: "Added" only for a token that works, else what failed and the fix.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, type TokenState } from '../../agent/protocol';
import { judgeNewToken, type NewToken } from '../../extension/newTokenOutcome';

const now = 1_800_000_000_000;
const refresh: NewToken = { name: 'api', type: 'oauth2-refresh-token', via: 'sign-in' };
const state = (overrides: Partial<TokenState> = {}): TokenState => ({
  name: 'api',
  type: 'oauth2-refresh-token',
  phase: 'fresh',
  refreshBeforeSeconds: 120,
  ...overrides,
});
const labels = (outcome: ReturnType<typeof judgeNewToken>) =>
  outcome.ok ? [] : outcome.fixes.map((f) => f.label);

describe('judgeNewToken', () => {
  it('says Added, and for how long the token is valid, only when it holds a valid token', () => {
    const outcome = judgeNewToken(refresh, { state: state({ expiresAt: now + 299_000 }) }, now);
    assert.deepEqual(outcome, {
      ok: true,
      message: "Added 'api' and signed in: valid for 4:59.",
    });
  });

  it('never says Added beside "sign in needed": it says so and offers Sign In', () => {
    const outcome = judgeNewToken(
      { ...refresh, via: 'secrets' },
      { state: state({ phase: 'needs-sign-in' }) },
      now,
    );
    assert.equal(outcome.ok, false);
    assert.match(outcome.message, /needs a sign-in/);
    assert.doesNotMatch(outcome.message, /^Added/);
    assert.deepEqual(labels(outcome), ['Sign In…', 'Set Secret…', 'Show Log']);
  });

  it('reports a sign-in that did not finish, with its reason, and offers to sign in again', () => {
    const outcome = judgeNewToken(
      refresh,
      { failure: { code: ErrorCode.signInTimeout, message: 'the device code expired' } },
      now,
    );
    assert.equal(outcome.ok, false);
    assert.match(outcome.message, /sign-in did not finish: the device code expired/);
    assert.deepEqual(labels(outcome), ['Sign In…', 'Set Secret…', 'Show Log']);
  });

  it('reports a failed first refresh of client credentials with Set Secret and Show Log', () => {
    const outcome = judgeNewToken(
      { name: 'svc', type: 'oauth2-client-credentials', via: 'secrets' },
      { failure: { code: ErrorCode.refreshFailed, message: 'invalid_client' } },
      now,
    );
    assert.match(outcome.message, /first refresh failed: invalid_client/);
    assert.deepEqual(labels(outcome), ['Set Secret…', 'Show Log']);
  });

  it('points a failed command at the log, and a secret store that is down too', () => {
    const command = judgeNewToken(
      { name: 'g', type: 'command', via: 'command' },
      { failure: { code: ErrorCode.commandFailed, message: 'exit code 1' } },
      now,
    );
    assert.match(command.message, /command did not give a token/);
    assert.deepEqual(labels(command), ['Show Log']);
    const store = judgeNewToken(
      { name: 's', type: 'static', via: 'secrets' },
      { failure: { code: ErrorCode.storeUnavailable, message: 'no Secret Service' } },
      now,
    );
    assert.deepEqual(labels(store), ['Set Secret…', 'Show Log']);
  });

  it('tells a pasted token that expired apart from one that works without an expiry', () => {
    const pasted: NewToken = { name: 's', type: 'static', via: 'secrets' };
    const expired = judgeNewToken(pasted, { state: state({ type: 'static', expiresAt: now - 1 }) }, now);
    assert.match(expired.message, /has expired/);
    assert.deepEqual(labels(expired), ['Set Secret…', 'Show Log']);
    const opaque = judgeNewToken(pasted, { state: state({ type: 'static', phase: 'fresh' }) }, now);
    assert.equal(opaque.ok, true);
    assert.match(opaque.message, /no expiry known/);
    const notHeld = judgeNewToken(pasted, { state: state({ type: 'static', phase: 'expired' }) }, now);
    assert.equal(notHeld.ok, false);
  });

  it('says so, with Show Log, when the agent does not show the token at all', () => {
    const outcome = judgeNewToken(refresh, {}, now);
    assert.equal(outcome.ok, false);
    assert.deepEqual(labels(outcome), ['Show Log']);
  });
});
