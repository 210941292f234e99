import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { correctedNow, estimateSkewMs } from '../../agent/engine/skew';

// 2027-01-15T12:00:00Z, on a whole second as a Date header would be.
const t0 = Date.UTC(2027, 0, 15, 12, 0, 0);
const httpDate = (ms: number) => new Date(ms).toUTCString();

describe('estimateSkewMs', () => {
  it('is 0 when the clocks agree to within the threshold', () => {
    // The server stamped the same second in which our request ran.
    assert.equal(
      estimateSkewMs({ dateHeader: httpDate(t0), requestStartMs: t0 + 100, requestEndMs: t0 + 300 }),
      0,
    );
    // One and a half seconds off is below the 2 s threshold.
    assert.equal(
      estimateSkewMs({ dateHeader: httpDate(t0 + 1_000), requestStartMs: t0 - 500, requestEndMs: t0 - 400 }),
      0,
    );
  });

  it('estimates a server clock ahead of ours from the Date header', () => {
    // Server said 12:00:30 while our clock ran 12:00:00.100 to .300: the skew is in (29.7 s, 30.9 s).
    const skew = estimateSkewMs({
      dateHeader: httpDate(t0 + 30_000),
      requestStartMs: t0 + 100,
      requestEndMs: t0 + 300,
    });
    assert.equal(skew, 30_300);
  });

  it('estimates a server clock behind ours', () => {
    const skew = estimateSkewMs({
      dateHeader: httpDate(t0 - 60_000),
      requestStartMs: t0,
      requestEndMs: t0 + 200,
    });
    assert.equal(skew, -59_600);
  });

  it('does not claim a skew that a slow request cannot prove', () => {
    // Three seconds off, but the request itself took ten: the server could have been right all along.
    assert.equal(
      estimateSkewMs({
        dateHeader: httpDate(t0 + 3_000),
        requestStartMs: t0 - 5_000,
        requestEndMs: t0 + 5_000,
      }),
      0,
    );
  });

  it('uses iat as a lower bound when there is no Date header', () => {
    assert.equal(
      estimateSkewMs({ issuedAtSeconds: (t0 + 45_000) / 1000, requestStartMs: t0, requestEndMs: t0 + 200 }),
      44_800,
    );
    // A token issued long ago (cached by the provider) proves nothing.
    assert.equal(
      estimateSkewMs({ issuedAtSeconds: (t0 - 600_000) / 1000, requestStartMs: t0, requestEndMs: t0 + 200 }),
      0,
    );
  });

  it('narrows the Date header estimate with iat', () => {
    const skew = estimateSkewMs({
      dateHeader: httpDate(t0 + 30_000),
      issuedAtSeconds: (t0 + 30_000) / 1000,
      requestStartMs: t0 - 2_000,
      requestEndMs: t0,
    });
    // Date alone: (30 s, 33 s). iat raises nothing here; the middle is 31.5 s.
    assert.equal(skew, 31_500);
  });

  it('gives up when Date and iat contradict each other', () => {
    assert.equal(
      estimateSkewMs({
        dateHeader: httpDate(t0),
        issuedAtSeconds: (t0 + 600_000) / 1000,
        requestStartMs: t0,
        requestEndMs: t0 + 100,
      }),
      0,
    );
  });

  it('ignores an absent or malformed Date header', () => {
    for (const dateHeader of [undefined, null, '', 'yesterday', '2027-01-15T12:00:30Z']) {
      assert.equal(
        estimateSkewMs({ dateHeader, requestStartMs: t0, requestEndMs: t0 + 100 }),
        0,
        String(dateHeader),
      );
    }
  });

  it('honours a custom threshold', () => {
    const sample = { dateHeader: httpDate(t0 + 5_000), requestStartMs: t0, requestEndMs: t0 + 100 };
    assert.equal(estimateSkewMs(sample, 10_000), 0);
    assert.equal(estimateSkewMs(sample, 1_000), 5_450);
  });

  it('rejects a request that ended before it started', () => {
    assert.throws(() => estimateSkewMs({ requestStartMs: t0, requestEndMs: t0 - 1 }), TypeError);
  });
});

describe('correctedNow', () => {
  it('reads our clock as the server would', () => {
    assert.equal(correctedNow(t0, 30_000), t0 + 30_000);
    assert.equal(correctedNow(t0, -5_000), t0 - 5_000);
    assert.equal(correctedNow(t0, 0), t0);
  });
});
