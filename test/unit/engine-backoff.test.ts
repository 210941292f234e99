import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codes } from '../../agent/base/errors';
import {
  backoffDelay,
  parseHttpDate,
  RefreshBudget,
  retryAfterApplies,
  retryAfterMs,
} from '../../agent/engine/backoff';

const nowMs = Date.UTC(2027, 0, 15, 12, 0, 0);
const minute = 60_000;
const hour = 60 * minute;

describe('backoffDelay', () => {
  it('doubles the cap with each attempt, and equal jitter waits at least half of it', () => {
    const low = [1, 2, 3, 4].map((attempt) => backoffDelay({ attempt, random: () => 0 }));
    const high = [1, 2, 3, 4].map((attempt) => backoffDelay({ attempt, random: () => 0.999_999 }));
    assert.deepEqual(low, [500, 1_000, 2_000, 4_000]);
    assert.deepEqual(high, [999, 1_999, 3_999, 7_999]);
  });

  it('spreads full jitter from zero to the cap', () => {
    assert.equal(backoffDelay({ attempt: 3, random: () => 0, jitter: 'full' }), 0);
    assert.equal(backoffDelay({ attempt: 3, random: () => 0.5, jitter: 'full' }), 2_000);
  });

  it('never exceeds maxMs, even after a very long outage', () => {
    for (const attempt of [10, 11, 50, 1_000, 100_000]) {
      for (const jitter of ['full', 'equal'] as const) {
        const delay = backoffDelay({ attempt, random: () => 0.999_999, jitter });
        assert.ok(delay <= 300_000 && delay >= 299_000, `${attempt} ${jitter}: ${delay}`);
      }
    }
    assert.equal(
      backoffDelay({ attempt: 4, random: () => 0.5, baseMs: 100, maxMs: 500, jitter: 'full' }),
      250,
    );
    assert.equal(backoffDelay({ attempt: 2_000, random: () => 0.5, baseMs: 0 }), 0);
  });

  it('rejects misuse with a TypeError', () => {
    assert.throws(() => backoffDelay({ attempt: 0, random: () => 0 }), TypeError);
    assert.throws(() => backoffDelay({ attempt: 1.5, random: () => 0 }), TypeError);
    assert.throws(() => backoffDelay({ attempt: 1, random: () => 1 }), TypeError);
    assert.throws(() => backoffDelay({ attempt: 1, random: () => 0, maxMs: -1 }), TypeError);
  });
});

describe('retryAfterMs', () => {
  it('reads delta-seconds', () => {
    assert.equal(retryAfterMs('120', nowMs), 120_000);
    assert.equal(retryAfterMs(' 0 ', nowMs), 0);
  });

  it('reads an HTTP-date relative to now', () => {
    assert.equal(retryAfterMs('Fri, 15 Jan 2027 12:00:30 GMT', nowMs), 30_000);
  });

  it('treats an HTTP-date in the past as "retry now"', () => {
    assert.equal(retryAfterMs('Fri, 15 Jan 2027 11:00:00 GMT', nowMs), 0);
  });

  it('caps long waits at one hour by default', () => {
    assert.equal(retryAfterMs('86400', nowMs), hour);
    assert.equal(retryAfterMs('99999999999999999999999', nowMs), hour);
    assert.equal(retryAfterMs('Sat, 16 Jan 2027 12:00:00 GMT', nowMs), hour);
    assert.equal(retryAfterMs('600', nowMs, 60_000), 60_000);
  });

  it('returns undefined when the header is absent or invalid', () => {
    for (const value of [
      undefined,
      null,
      '',
      '-5',
      '1.5',
      'soon',
      '2027-01-15T12:00:30Z',
      'Fri, 15 Jan 2027 12:00:30',
    ]) {
      assert.equal(retryAfterMs(value, nowMs), undefined, String(value));
    }
  });

  it('applies to 429 and 503 only', () => {
    assert.deepEqual([400, 401, 429, 500, 502, 503].filter(retryAfterApplies), [429, 503]);
  });
});

describe('parseHttpDate', () => {
  const expected = Date.UTC(1994, 10, 6, 8, 49, 37);

  it('reads the three forms RFC 9110 requires, all as GMT', () => {
    assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), expected);
    assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT'), expected);
    assert.equal(parseHttpDate('Sun Nov  6 08:49:37 1994'), expected);
    assert.equal(parseHttpDate('Thursday, 15-Jan-27 12:00:00 GMT'), Date.UTC(2027, 0, 15, 12));
  });

  it('rejects impossible dates and other formats', () => {
    for (const value of [
      'Mon, 31 Feb 2027 00:00:00 GMT',
      'Mon, 01 Feb 2027 24:00:00 GMT',
      'Mon, 01 Foo 2027 00:00:00 GMT',
      'mon, 01 Feb 2027 00:00:00 gmt',
      'Mon, 01 Feb 2027 00:00:00 +0000',
      '1',
    ]) {
      assert.equal(parseHttpDate(value), undefined, value);
    }
  });
});

describe('RefreshBudget', () => {
  it('allows 60 refreshes an hour by default', () => {
    const budget = new RefreshBudget();
    assert.equal(budget.limit, 60);
    assert.equal(budget.windowMs, hour);
    for (let i = 0; i < 60; i++) budget.spend(nowMs + i);
    assert.equal(budget.canSpend(nowMs + 60), false);
    assert.equal(budget.remaining(nowMs + 60), 0);
  });

  it('slides: each refresh leaves the window one hour after it was spent', () => {
    const budget = new RefreshBudget({ limit: 3 });
    budget.spend(nowMs);
    budget.spend(nowMs + 10 * minute);
    budget.spend(nowMs + 20 * minute);
    assert.equal(budget.canSpend(nowMs + 30 * minute), false);
    assert.equal(budget.resetsAt(nowMs + 30 * minute), nowMs + hour);
    assert.equal(budget.canSpend(nowMs + hour - 1), false);
    assert.equal(budget.canSpend(nowMs + hour), true);
    assert.equal(budget.remaining(nowMs + hour), 1);
    budget.spend(nowMs + hour);
    assert.equal(budget.resetsAt(nowMs + hour), nowMs + 70 * minute);
    assert.equal(budget.remaining(nowMs + 2 * hour + 20 * minute), 3);
  });

  it('says a refresh is allowed now when one is', () => {
    const budget = new RefreshBudget({ limit: 2 });
    assert.equal(budget.resetsAt(nowMs), nowMs);
    budget.spend(nowMs);
    assert.equal(budget.resetsAt(nowMs + 1), nowMs + 1);
  });

  it('throws ERR_REFRESH_BUDGET_EXHAUSTED, recording nothing, when spent', () => {
    const budget = new RefreshBudget({ limit: 1 });
    budget.spend(nowMs);
    assert.throws(() => budget.spend(nowMs + minute), {
      name: 'TokenAgentError',
      code: codes.refreshBudgetExhausted,
      message:
        'the refresh budget of 1 per 60 min is spent; the next refresh is allowed at 2027-01-15T13:00:00.000Z',
    });
    assert.equal(budget.canSpend(nowMs + hour), true);
  });

  it('keeps counting when the clock goes back, instead of starting over', () => {
    const budget = new RefreshBudget({ limit: 2 });
    budget.spend(nowMs);
    budget.spend(nowMs + minute);
    const earlier = nowMs - 5 * hour;
    assert.equal(budget.canSpend(earlier), false);
    assert.equal(budget.resetsAt(earlier), earlier + hour);
  });

  it('rejects bad options with a TypeError', () => {
    assert.throws(() => new RefreshBudget({ limit: 0 }), TypeError);
    assert.throws(() => new RefreshBudget({ limit: 1.5 }), TypeError);
    assert.throws(() => new RefreshBudget({ windowMs: 0 }), TypeError);
  });
});
