import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { needsRefresh, nextRefreshAt } from '../../agent/engine/schedule';

const nowMs = 1_800_000_000_000;
const minute = 60_000;
const hour = 60 * minute;
const noJitter = () => 0;
const maxJitter = () => 0.999_999;

describe('nextRefreshAt', () => {
  it('refreshes refreshBeforeSeconds ahead of expiry', () => {
    const at = nextRefreshAt({
      issuedAtMs: nowMs,
      expiresAtMs: nowMs + hour,
      nowMs,
      refreshBeforeSeconds: 120,
      jitter: noJitter,
    });
    assert.equal(at, nowMs + hour - 2 * minute);
  });

  it('moves the refresh earlier by at most 10% of the lead, never later', () => {
    const input = { issuedAtMs: nowMs, expiresAtMs: nowMs + hour, nowMs, refreshBeforeSeconds: 120 };
    assert.equal(nextRefreshAt({ ...input, jitter: () => 0.5 }), nowMs + hour - 120_000 - 6_000);
    const earliest = nextRefreshAt({ ...input, jitter: maxJitter });
    assert.equal(earliest, nowMs + hour - 120_000 - 12_000);
  });

  it('caps the jitter at 30 s however long the lead', () => {
    const at = nextRefreshAt({
      expiresAtMs: nowMs + 24 * hour,
      nowMs,
      refreshBeforeSeconds: 3_600,
      jitter: maxJitter,
    });
    const target = nowMs + 23 * hour;
    assert.equal(target - at, 30_000);
  });

  it('refreshes at two thirds of a lifetime shorter than the lead, counted from iat', () => {
    // A 90 s token issued 30 s ago, with a 120 s lead: refresh at iat + 60 s, 30 s from now.
    const at = nextRefreshAt({
      issuedAtMs: nowMs - 30_000,
      expiresAtMs: nowMs + 60_000,
      nowMs,
      refreshBeforeSeconds: 120,
      jitter: noJitter,
    });
    assert.equal(at, nowMs + 30_000);
  });

  it('treats a lifetime exactly equal to the lead as short', () => {
    const at = nextRefreshAt({
      issuedAtMs: nowMs,
      expiresAtMs: nowMs + 120_000,
      nowMs,
      refreshBeforeSeconds: 120,
      jitter: noJitter,
    });
    assert.equal(at, nowMs + 80_000);
  });

  it('counts the lifetime from now when iat is missing', () => {
    const at = nextRefreshAt({
      expiresAtMs: nowMs + 90_000,
      nowMs,
      refreshBeforeSeconds: 120,
      jitter: noJitter,
    });
    assert.equal(at, nowMs + 60_000);
    // Jitter of a short lifetime stays within 10% of its last third.
    const jittered = nextRefreshAt({
      expiresAtMs: nowMs + 90_000,
      nowMs,
      refreshBeforeSeconds: 120,
      jitter: () => 0.5,
    });
    assert.equal(jittered, nowMs + 60_000 - 1_500);
  });

  it('ignores an iat that is not before exp', () => {
    const at = nextRefreshAt({
      issuedAtMs: nowMs + 2 * hour,
      expiresAtMs: nowMs + 90_000,
      nowMs,
      refreshBeforeSeconds: 120,
      jitter: noJitter,
    });
    assert.equal(at, nowMs + 60_000);
  });

  it('never schedules earlier than now', () => {
    // Long-lived token found with less than the lead left: refresh right away.
    assert.equal(
      nextRefreshAt({
        issuedAtMs: nowMs - hour,
        expiresAtMs: nowMs + 60_000,
        nowMs,
        refreshBeforeSeconds: 120,
        jitter: maxJitter,
      }),
      nowMs,
    );
    // Already expired, with or without iat.
    assert.equal(
      nextRefreshAt({ expiresAtMs: nowMs - 1, nowMs, refreshBeforeSeconds: 120, jitter: noJitter }),
      nowMs,
    );
    assert.equal(
      nextRefreshAt({
        issuedAtMs: nowMs - hour,
        expiresAtMs: nowMs,
        nowMs,
        refreshBeforeSeconds: 0,
        jitter: noJitter,
      }),
      nowMs,
    );
  });

  it('refreshes at expiry when the lead is zero', () => {
    assert.equal(
      nextRefreshAt({ expiresAtMs: nowMs + hour, nowMs, refreshBeforeSeconds: 0, jitter: maxJitter }),
      nowMs + hour,
    );
  });

  it('rejects misuse with a TypeError', () => {
    const input = { expiresAtMs: nowMs + hour, nowMs, refreshBeforeSeconds: 120, jitter: noJitter };
    assert.throws(() => nextRefreshAt({ ...input, jitter: () => 1 }), TypeError);
    assert.throws(() => nextRefreshAt({ ...input, jitter: () => Number.NaN }), TypeError);
    assert.throws(() => nextRefreshAt({ ...input, refreshBeforeSeconds: -1 }), TypeError);
  });
});

describe('needsRefresh', () => {
  it('is true when the token will not stay valid for minValidSeconds', () => {
    assert.equal(needsRefresh({ expiresAtMs: nowMs + 30_000, nowMs, minValidSeconds: 60 }), true);
    assert.equal(needsRefresh({ expiresAtMs: nowMs + 60_000, nowMs, minValidSeconds: 60 }), false);
    assert.equal(needsRefresh({ expiresAtMs: nowMs + 59_999, nowMs, minValidSeconds: 60 }), true);
    assert.equal(needsRefresh({ expiresAtMs: nowMs - 1, nowMs, minValidSeconds: 0 }), true);
    assert.equal(needsRefresh({ expiresAtMs: nowMs, nowMs, minValidSeconds: 0 }), false);
  });
});
