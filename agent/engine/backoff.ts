// How long to wait before trying the token endpoint again, and how many refreshes an hour to allow at
// most. Pure: the caller passes the clock and the randomness.
import { codes, TokenAgentError } from '../base/errors';

export type JitterKind = 'full' | 'equal';

export interface BackoffInput {
  /** 1 for the first retry. */
  attempt: number;
  /** Returns a number in [0, 1), like Math.random. */
  random: () => number;
  baseMs?: number;
  maxMs?: number;
  /**
   * `full` waits anywhere from 0 to the exponential cap; `equal` waits at least half of it. The
   * default is `equal`: one agent gains little from spreading out and much from never retrying at
   * once, which would spend the refresh budget for nothing.
   */
  jitter?: JitterKind;
}

export function backoffDelay({
  attempt,
  random,
  baseMs = 1_000,
  maxMs = 300_000,
  jitter = 'equal',
}: BackoffInput): number {
  if (!Number.isInteger(attempt) || attempt < 1)
    throw new TypeError(`attempt must be an integer of at least 1, got ${attempt}`);
  if (!(baseMs >= 0 && maxMs >= 0)) throw new TypeError('baseMs and maxMs must be non-negative');
  const value = random();
  if (!(value >= 0 && value < 1))
    throw new TypeError(`random() must return a number in [0, 1), got ${value}`);
  // The exponent is bounded so that a long outage cannot overflow to Infinity (and 0 * Infinity to NaN).
  const capMs = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 52));
  const delayMs = jitter === 'full' ? value * capMs : capMs / 2 + (value * capMs) / 2;
  return Math.min(maxMs, Math.floor(delayMs));
}

/** Longest Retry-After honoured by default; beyond that the server is not asking for a retry at all. */
export const maxRetryAfterMs = 3_600_000;

/** Retry-After is a request to wait only on these statuses (RFC 9110 §10.2.3 and RFC 6585 §4). */
export function retryAfterApplies(status: number): boolean {
  return status === 429 || status === 503;
}

/**
 * Reads a Retry-After header (delta-seconds or HTTP-date) as a wait in milliseconds, capped at
 * `capMs`; undefined when absent or invalid. A date in the past means "now": 0. For an HTTP-date,
 * pass the server's notion of now (see skew.ts) when the clocks are known to differ. Callers wait for
 * the longer of this and their own backoff.
 */
export function retryAfterMs(
  headerValue: string | null | undefined,
  nowMs: number,
  capMs: number = maxRetryAfterMs,
): number | undefined {
  if (headerValue === null || headerValue === undefined) return undefined;
  const value = headerValue.trim();
  let waitMs: number | undefined;
  if (/^\d+$/.test(value)) waitMs = Number(value) * 1000;
  else {
    const dateMs = parseHttpDate(value);
    if (dateMs !== undefined) waitMs = Math.max(0, dateMs - nowMs);
  }
  return waitMs === undefined ? undefined : Math.min(capMs, waitMs);
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const month = `(?<month>${months.join('|')})`;
const time = '(?<hour>\\d{2}):(?<minute>\\d{2}):(?<second>\\d{2})';
const shortDay = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const longDay = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const httpDateForms = [
  new RegExp(`^${shortDay}, (?<day>\\d{2}) ${month} (?<year>\\d{4}) ${time} GMT$`), // IMF-fixdate
  new RegExp(`^${longDay}, (?<day>\\d{2})-${month}-(?<year>\\d{2}) ${time} GMT$`), // obsolete RFC 850
  new RegExp(`^${shortDay} ${month} (?<day> \\d|\\d{2}) ${time} (?<year>\\d{4})$`), // obsolete asctime
];

/**
 * Parses an HTTP-date (RFC 9110 §5.6.7) in its three forms to Unix milliseconds. Date.parse is not
 * used: it accepts far more than HTTP allows (`-5` is a year to it) and reads asctime as local time.
 */
export function parseHttpDate(value: string): number | undefined {
  const fields = httpDateForms.map((form) => form.exec(value)?.groups).find((groups) => groups !== undefined);
  if (fields === undefined) return undefined;
  const number = (name: string) => Number(fields[name]);
  let year = number('year');
  // RFC 9110 reads a two-digit year relative to the current one; a fixed pivot gives the same answer
  // for every date a live server can send before 2070.
  if (year < 100) year += year < 70 ? 2000 : 1900;
  const monthIndex = months.indexOf(fields.month ?? '');
  const ms = Date.UTC(year, monthIndex, number('day'), number('hour'), number('minute'), number('second'));
  // Date.UTC rolls 31 Feb over into March and 24:00 into the next day; a real date survives the trip.
  const date = new Date(ms);
  const exact =
    date.getUTCDate() === number('day') &&
    date.getUTCMonth() === monthIndex &&
    date.getUTCHours() === number('hour') &&
    date.getUTCMinutes() === number('minute') &&
    date.getUTCSeconds() === number('second');
  return exact ? ms : undefined;
}

export interface RefreshBudgetOptions {
  /** Refreshes allowed per window. */
  limit?: number;
  windowMs?: number;
}

/**
 * A sliding window of refresh timestamps: a safety net against refresh loops (a token that comes back
 * already expired, a clock far off). It reads no clock itself; pass timestamps from one clock.
 */
export class RefreshBudget {
  readonly limit: number;
  readonly windowMs: number;
  #spent: number[] = [];

  constructor({ limit = 60, windowMs = 3_600_000 }: RefreshBudgetOptions = {}) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new TypeError(`limit must be a positive integer, got ${limit}`);
    if (!(windowMs > 0)) throw new TypeError(`windowMs must be positive, got ${windowMs}`);
    this.limit = limit;
    this.windowMs = windowMs;
  }

  canSpend(nowMs: number): boolean {
    return this.#live(nowMs).length < this.limit;
  }

  /** Refreshes still allowed now. */
  remaining(nowMs: number): number {
    return this.limit - this.#live(nowMs).length;
  }

  /** Records a refresh, or throws ERR_REFRESH_BUDGET_EXHAUSTED (recording nothing) when none is left. */
  spend(nowMs: number): void {
    if (!this.canSpend(nowMs)) {
      const minutes = Math.round(this.windowMs / 60_000);
      throw new TokenAgentError(
        codes.refreshBudgetExhausted,
        `the refresh budget of ${this.limit} per ${minutes} min is spent; the next refresh is allowed at ${new Date(this.resetsAt(nowMs)).toISOString()}`,
      );
    }
    this.#spent.push(nowMs);
  }

  /** The refreshes still inside the window, oldest first: what budget.json keeps across restarts. */
  spentTimes(nowMs: number): number[] {
    return [...this.#live(nowMs)];
  }

  /**
   * Adds refreshes recorded elsewhere (budget.json from before a restart, another process on this
   * machine); a timestamp already counted is not counted twice.
   */
  restore(timestamps: readonly number[], nowMs: number): void {
    const known = new Set(this.#spent);
    for (const at of timestamps) if (Number.isFinite(at) && !known.has(at)) this.#spent.push(at);
    this.#live(nowMs);
  }

  /** When the next refresh is allowed: now if one is allowed already. */
  resetsAt(nowMs: number): number {
    const live = this.#live(nowMs);
    if (live.length < this.limit) return nowMs;
    return (live[live.length - this.limit] ?? nowMs) + this.windowMs;
  }

  // Drops refreshes that left the window. A timestamp later than now means the clock went back; it is
  // counted as now rather than dropped, so that a clock change cannot reset the budget of a loop.
  #live(nowMs: number): number[] {
    this.#spent = this.#spent
      .map((at) => Math.min(at, nowMs))
      .filter((at) => at > nowMs - this.windowMs)
      .sort((a, b) => a - b);
    return this.#spent;
  }
}
