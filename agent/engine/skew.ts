// Estimates how far the identity provider's clock is from ours, so that an absolute `exp` can be read
// on the right clock. Pure: the caller passes what it measured around one token request.
import { parseHttpDate } from './backoff';

/** Skews smaller than this are not corrected: the measurements are only good to about a second. */
export const skewThresholdMs = 2_000;

export interface SkewSample {
  /** The token response's `Date` header (second resolution). */
  dateHeader?: string | null;
  /** The new access token's `iat` (Unix seconds), when it is a JWT. */
  issuedAtSeconds?: number;
  /** Local clock just before the request was sent and just after the response arrived. */
  requestStartMs: number;
  requestEndMs: number;
}

/**
 * Returns the skew (server clock minus local clock) in milliseconds when the sample proves it is
 * beyond the threshold, and 0 otherwise. Each measurement bounds the skew:
 * - `Date: D` was written at a server time in [D, D + 1 s) while our clock read between the request's
 *   start and end, so the skew lies in (D - end, D + 1 s - start).
 * - `iat` only bounds it from below: an identity provider may hand out a cached token issued long
 *   before this request, but never one issued after the response left.
 * When the bounds contradict each other (the token was signed on a machine with yet another clock),
 * nothing is proven and the answer is 0.
 */
export function estimateSkewMs(sample: SkewSample, thresholdMs: number = skewThresholdMs): number {
  const { requestStartMs, requestEndMs } = sample;
  if (!(requestEndMs >= requestStartMs))
    throw new TypeError('requestEndMs must not be earlier than requestStartMs');
  let lowerMs = Number.NEGATIVE_INFINITY;
  let upperMs = Number.POSITIVE_INFINITY;
  const dateMs = sample.dateHeader ? parseHttpDate(sample.dateHeader.trim()) : undefined;
  if (dateMs !== undefined) {
    lowerMs = dateMs - requestEndMs;
    upperMs = dateMs + 1_000 - requestStartMs;
  }
  if (sample.issuedAtSeconds !== undefined && Number.isFinite(sample.issuedAtSeconds))
    lowerMs = Math.max(lowerMs, sample.issuedAtSeconds * 1_000 - requestEndMs);
  if (lowerMs > upperMs) return 0;

  const provenAhead = lowerMs > thresholdMs;
  const provenBehind = upperMs < -thresholdMs;
  if (!provenAhead && !provenBehind) return 0;
  // With both bounds the middle is the best guess; with `iat` alone only its lower bound is known.
  return Math.round(Number.isFinite(upperMs) && Number.isFinite(lowerMs) ? (lowerMs + upperMs) / 2 : lowerMs);
}

/** The server's clock now, as best we know it. Compare absolute server times (`exp`) with this. */
export function correctedNow(nowMs: number, skewMs: number): number {
  return nowMs + skewMs;
}
