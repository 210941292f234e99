// What Copy Fresh Token and Refresh Now say (#14 item 6): a pasted token is never "Refreshed", and a
// toast without buttons fits its one line instead of being cut off ("The clipboard is cl…").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, type TokenState } from '../../agent/protocol';
import {
  type CopiedToken,
  copiedNotice,
  refreshedNotice,
  remedyFor,
  shortNameChars,
  staticRefreshNotice,
  toastLineChars,
} from '../../extension/notices';

const now = 1_800_000_000_000;
const name = 'x'.repeat(shortNameChars);
const options = { minValidSeconds: 300, clearAfterSeconds: 45, now };

describe('copiedNotice', () => {
  it('says how long the copied token is valid and when the clipboard clears', () => {
    assert.deepEqual(copiedNotice('demo', { expiresAt: now + 599_000 }, options), {
      message: "Copied 'demo', valid for 9:59. Clipboard clears in 45s.",
      buttons: [],
    });
    assert.equal(
      copiedNotice('demo', { expiresAt: now + 599_000 }, { ...options, clearAfterSeconds: 0 }).message,
      "Copied 'demo', valid for 9:59.",
    );
  });

  it('hands over a token shorter than asked with how long it lasts, and the setting that asks for more', () => {
    const notice = copiedNotice('demo', { expiresAt: now + 179_000, shortOfMinValid: true }, options);
    assert.equal(
      notice.message,
      "Copied 'demo', valid for 2:59, less than the 5:00 asked. Clipboard clears in 45s.",
    );
    assert.deepEqual(notice.buttons, ['Open Settings']);
  });

  it('says an assumed, unknown or missing expiry', () => {
    const message = (token: CopiedToken) => copiedNotice('demo', token, options).message;
    assert.match(message({ expiresAt: now + 3_540_000, expiryAssumed: true }), /valid for ~59m\. /);
    assert.match(message({ expiryUnknown: true }), /^Copied 'demo', expiry unknown\./);
    assert.match(message({}), /^Copied 'demo', no expiry\./);
  });

  it('fits a collapsed toast line whenever there is no button to expand it', () => {
    const tokens: CopiedToken[] = [
      { expiresAt: now + 599_000 },
      { expiresAt: now + 3 * 3_600_000 + 59 * 60_000 },
      { expiresAt: now + 3_540_000, expiryAssumed: true },
      { expiresAt: now + 25 * 3_600_000, expiryAssumed: true },
      { expiryUnknown: true },
      {},
    ];
    for (const token of tokens) {
      const notice = copiedNotice(name, token, options);
      assert.deepEqual(notice.buttons, []);
      assert.ok(notice.message.length <= toastLineChars, `${notice.message.length}: ${notice.message}`);
    }
  });
});

describe('Refresh Now notices', () => {
  it('a pasted token is not "Refreshed": it says it cannot be, and offers Set Secret', () => {
    const notice = staticRefreshNotice('pasted');
    assert.doesNotMatch(notice.message, /Refreshed/);
    assert.match(notice.message, /'pasted' is a pasted token and cannot be refreshed/);
    assert.deepEqual(notice.buttons, ['Set Secret…']);
  });

  it('a refreshed token says its time left, an undated one without "left"', () => {
    const state = (overrides: Partial<TokenState>): TokenState => ({
      name: 'api',
      type: 'oauth2-refresh-token',
      phase: 'fresh',
      refreshBeforeSeconds: 120,
      ...overrides,
    });
    assert.equal(
      refreshedNotice(state({ expiresAt: now + 3_600_000 }), now).message,
      "Refreshed 'api': 1h 0m left.",
    );
    assert.equal(
      refreshedNotice(state({ type: 'command', expiryUnknown: true }), now).message,
      "Refreshed 'api': expiry unknown.",
    );
    for (const s of [
      state({ name, expiresAt: now + 3_600_000 }),
      state({ name, expiresAt: now + 3_540_000, expiryAssumed: true }),
    ])
      assert.ok(refreshedNotice(s, now).message.length <= toastLineChars);
  });
});

describe('remedyFor', () => {
  it('gives every error that points at the log a Show Log button, and a sign-in error Sign In', () => {
    const label = (code: string | undefined, message: string) => remedyFor(code, message)?.label;
    assert.equal(
      label(ErrorCode.refreshFailed, "The agent did not pick up 'svc2' in time; see the log."),
      'Show Log',
    );
    assert.equal(label(undefined, 'Scanning failed: see the log for the paths.'), 'Show Log');
    assert.equal(label(ErrorCode.storeLocked, 'The keyring is locked.'), 'Show Log');
    assert.equal(label(ErrorCode.needsSignIn, "Sign in to 'api' again."), 'Sign In…');
    assert.equal(label(ErrorCode.tokenUnknown, "No token named 'x'. Define it with Add Token."), undefined);
    // A word that merely contains "log" is not a pointer at the log.
    assert.equal(label(undefined, 'The login page did not answer.'), undefined);
  });
});
