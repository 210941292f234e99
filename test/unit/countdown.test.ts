import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenState } from '../../agent/protocol';
import {
  expiryText,
  formatTimeLeft,
  mostUrgent,
  refreshLeadMs,
  tokenSeverity,
  tokenSummary,
} from '../../extension/countdown';

const now = 1_800_000_000_000;
const token = (overrides: Partial<TokenState> = {}): TokenState => ({
  name: 't',
  type: 'oauth2-refresh-token',
  phase: 'fresh',
  refreshBeforeSeconds: 120,
  ...overrides,
});

describe('formatTimeLeft', () => {
  it('shows hours and minutes, then minutes, then m:ss under ten minutes', () => {
    assert.equal(formatTimeLeft((3 * 3600 + 12 * 60 + 59) * 1000), '3h 12m');
    assert.equal(formatTimeLeft(3600 * 1000), '1h 0m');
    assert.equal(formatTimeLeft(3599 * 1000), '59m');
    assert.equal(formatTimeLeft(42 * 60 * 1000 + 30_000), '42m');
    assert.equal(formatTimeLeft(600 * 1000), '10m');
    assert.equal(formatTimeLeft(599_999), '9:59');
    assert.equal(formatTimeLeft(598_000), '9:58');
    assert.equal(formatTimeLeft(5_000), '0:05');
    assert.equal(formatTimeLeft(999), '0:00');
  });

  it('says expired at and past zero', () => {
    assert.equal(formatTimeLeft(0), 'expired');
    assert.equal(formatTimeLeft(-60_000), 'expired');
  });

  it('ticks each second under ten minutes (the text changes every second)', () => {
    const texts = new Set([0, 1, 2, 3].map((s) => formatTimeLeft(300_000 - s * 1000)));
    assert.equal(texts.size, 4);
  });
});

describe('tokenSeverity', () => {
  it('is ok while a refreshable token is before its refresh point', () => {
    assert.equal(tokenSeverity(token({ expiresAt: now + 121_000 }), now, 300), 'ok');
  });

  it('warns once a refreshable token is past its refresh point (the refresh is late)', () => {
    assert.equal(tokenSeverity(token({ expiresAt: now + 119_000 }), now, 300), 'warning');
  });

  it('uses a third of the lifetime as the refresh point of short-lived tokens', () => {
    const short = token({ issuedAt: now - 15_000, expiresAt: now + 15_000 });
    assert.equal(refreshLeadMs(short), 10_000);
    assert.equal(tokenSeverity(short, now, 300), 'ok');
    assert.equal(tokenSeverity(short, now + 6_000, 300), 'warning');
  });

  it('warns after a failed refresh even with time left', () => {
    const failed = token({
      expiresAt: now + 3_600_000,
      lastError: { code: 'ERR_TOKEN_ENDPOINT_HTTP', message: '500' },
    });
    assert.equal(tokenSeverity(failed, now, 300), 'warning');
  });

  it('uses warnBeforeSeconds for pasted tokens the agent cannot refresh', () => {
    const pasted = token({ type: 'static', expiresAt: now + 299_000 });
    assert.equal(tokenSeverity(pasted, now, 300), 'warning');
    assert.equal(tokenSeverity(pasted, now, 120), 'ok');
  });

  it('is an error when expired or when only a new sign-in helps', () => {
    assert.equal(tokenSeverity(token({ expiresAt: now }), now, 300), 'error');
    assert.equal(tokenSeverity(token({ phase: 'needs-sign-in' }), now, 300), 'error');
    assert.equal(tokenSeverity(token({ phase: 'error' }), now, 300), 'error');
  });
});

describe('mostUrgent', () => {
  it('prefers the worst off, then the soonest expiry', () => {
    const soon = token({ name: 'soon', expiresAt: now + 200_000 });
    const later = token({ name: 'later', expiresAt: now + 900_000 });
    const broken = token({ name: 'broken', phase: 'needs-sign-in' });
    assert.equal(mostUrgent([later, soon], now, 300)?.name, 'soon');
    assert.equal(mostUrgent([later, soon, broken], now, 300)?.name, 'broken');
    assert.equal(mostUrgent([], now, 300), undefined);
  });
});

describe('tokenSummary', () => {
  it('says what is wrong when there is no time to count down', () => {
    assert.equal(
      tokenSummary(token({ phase: 'needs-sign-in', expiresAt: now + 60_000 }), now),
      'sign in needed',
    );
    assert.equal(tokenSummary(token({ type: 'static' }), now), 'no expiry');
    assert.equal(tokenSummary(token({ phase: 'error' }), now), 'error');
    assert.equal(tokenSummary(token({}), now), 'no token yet');
  });

  it('marks an assumed expiry as approximate, and says "assumed" where the time is written out', () => {
    const assumed = token({ expiresAt: now + 3_540_000, expiryAssumed: true });
    assert.equal(tokenSummary(assumed, now), '~59m');
    assert.equal(tokenSummary(token({ expiresAt: now + 3_540_000 }), now), '59m');
    assert.equal(tokenSummary({ ...assumed, expiresAt: now - 1 }, now), 'expired');
    const at = (ms: number) => `T${(ms - now) / 1000}`;
    assert.equal(expiryText(assumed, at), 'expires ~T3540, assumed');
    assert.equal(expiryText(token({ expiresAt: now + 60_000 }), at), 'expires T60');
    assert.equal(expiryText(token({ type: 'static' }), at), 'no expiry');
  });
});
