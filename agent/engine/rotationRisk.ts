// Whether a failed refresh may have cost the refresh token (#16 item 6). A rotating provider retires
// the presented refresh token the moment it commits the refresh; the new one travels only in the
// answer. When the request went out and no readable answer came back (a garbled body, a stall, a
// reset), the provider may have committed: the stored refresh token may be retired, and presenting it
// again is what a provider reads as theft, revoking the whole grant. Nothing a client can do recovers
// a refresh token it never received, so the honest next step is a sign-in, said with the time.
// Pure: the caller says what it saw (whether the request was posted, whether a new refresh token was
// kept) and hands over the coded error.
import { codes, type TokenAgentError } from '../base/errors';
import type { GrantErrorDetails } from './grants';

/**
 * `not-sent`: the provider never saw the request. `answered`: it answered, and no answer that issues
 * nothing retires anything (or the new refresh token was kept). `may-have-rotated`: it may have
 * committed a rotation whose result nobody received.
 */
export type RotationRisk = 'not-sent' | 'answered' | 'may-have-rotated';

export interface RefreshAttempt {
  /** The token request was handed to the network (a POST; discovery is a GET and spends nothing). */
  posted: boolean;
  /** A new refresh token from the answer was read and kept (rotation first, refresh.ts). */
  rotationKept: boolean;
}

/** Failures below HTTP that happen before a byte of the request reaches the provider. */
const beforeSending = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function rotationRisk(
  attempt: RefreshAttempt,
  error: TokenAgentError & { details?: GrantErrorDetails },
): RotationRisk {
  if (!attempt.posted) return 'not-sent';
  if (attempt.rotationKept) return 'answered';
  const details = error.details ?? {};
  if (details.errno !== undefined && beforeSending.has(details.errno)) return 'not-sent';
  // The provider refused the refresh token itself: nothing was issued.
  if (error.code === codes.needsSignIn) return 'answered';
  // An error answer issues nothing (RFC 6749 §5.2). A 504 is a gateway that gave up waiting for a
  // provider that may still have committed, which is the stall this module is about.
  if (details.status !== undefined && details.status !== 200)
    return details.status === 504 ? 'may-have-rotated' : 'answered';
  // A readable 200 without a new refresh token: the provider did not rotate, the presented one lives.
  if (error.code === codes.tokenEndpointResponse && !details.unreadable) return 'answered';
  // A timeout, a reset, a 200 that broke off or could not be read: the provider may have committed.
  return 'may-have-rotated';
}

/** HH:MM:SS UTC, the way the status and the error say when the rotation may have happened. */
export function utcTime(at: number): string {
  return `${new Date(at).toISOString().slice(11, 19)} UTC`;
}

/** What the user reads: what went wrong, when the provider may have rotated, and what to do. */
export function mayHaveRotatedMessage(name: string, at: number, cause?: string): string {
  const why = cause ? `${cause.replace(/\.?$/, '.')} ` : '';
  return `${why}The provider may have rotated the refresh token of '${name}' at ${utcTime(at)}, and no answer carrying the new one arrived; sign in again (token-agent login ${name}). Retrying with the old one would look like reuse to the provider and revoke the grant.`;
}
