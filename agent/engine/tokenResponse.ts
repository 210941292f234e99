// Reads a token endpoint's 200 answer (RFC 6749 §5.1) in two steps. First the rotated refresh token,
// alone: a rotating provider has already retired the one it was sent, so the new one must reach the
// store whatever else the answer holds. Then the rest, accepting what real providers send (an
// `expires_in` as a numeric string, a `token_type` in any case or missing, a `scope` as a list) and
// refusing only what cannot be used, with a message naming the field and its value's shape, never the
// value. Pure: no I/O, no clock.
import { codes, TokenAgentError } from '../base/errors';

export interface TokenResponse {
  accessToken: string;
  /** Seconds, as sent; absent when the provider did not say. */
  expiresInSeconds?: number;
  refreshToken?: string;
  /** Space-separated, whichever shape it came in. */
  scope?: string;
  /** Handed over for checking against a configured issuer only; never stored, never logged. */
  idToken?: string;
}

/** ERR_TOKEN_ENDPOINT_RESPONSE for one field: `access_token is empty`. */
export class TokenResponseError extends TokenAgentError {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(codes.tokenEndpointResponse, `${field} ${problem}`);
  }
}

/** The body as JSON, or ERR_TOKEN_ENDPOINT_RESPONSE saying it is not a JSON object (never quoting it). */
export function parseBody(text: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TokenResponseError('the body', `is not JSON (${text.length} characters)`);
  }
  if (!isRecord(json)) throw new TokenResponseError('the body', `is ${shape(json)}, not a JSON object`);
  return json;
}

/**
 * The new refresh token of an answer, before anything else is looked at: a non-empty string, or
 * undefined when the answer has none (or none usable, which the full read then reports).
 */
export function rotatedRefreshToken(body: Record<string, unknown>): string | undefined {
  const value = body.refresh_token;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The whole answer, or a TokenResponseError naming the first field that makes it unusable. */
export function readTokenResponse(body: Record<string, unknown>): TokenResponse {
  const accessToken = body.access_token;
  if (typeof accessToken !== 'string')
    throw new TokenResponseError('access_token', `is ${shape(accessToken)}`);
  if (accessToken === '') throw new TokenResponseError('access_token', 'is empty');
  // RFC 6750 tokens are all the agent hands out: a caller sends them as `Authorization: Bearer`. The
  // type is case-insensitive (RFC 6749 §5.1); a missing one is what several providers send for Bearer.
  const tokenType = body.token_type;
  if (tokenType !== undefined) {
    if (typeof tokenType !== 'string') throw new TokenResponseError('token_type', `is ${shape(tokenType)}`);
    if (tokenType.toLowerCase() !== 'bearer')
      throw new TokenResponseError('token_type', 'is not Bearer, the only type the agent can hand out');
  }
  const response: TokenResponse = { accessToken };
  const expiresIn = readExpiresIn(body.expires_in);
  if (expiresIn !== undefined) response.expiresInSeconds = expiresIn;
  const refreshToken = body.refresh_token;
  if (refreshToken !== undefined && typeof refreshToken !== 'string')
    throw new TokenResponseError('refresh_token', `is ${shape(refreshToken)}`);
  if (refreshToken) response.refreshToken = refreshToken;
  const scope = readScope(body.scope);
  if (scope !== undefined) response.scope = scope;
  const idToken = body.id_token;
  if (idToken !== undefined && (typeof idToken !== 'string' || idToken === ''))
    throw new TokenResponseError('id_token', `is ${idToken === '' ? 'empty' : shape(idToken)}`);
  if (typeof idToken === 'string') response.idToken = idToken;
  return response;
}

/** Seconds from a number or a numeric string (as some providers send it); absent or null is unknown. */
function readExpiresIn(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  let seconds: number;
  if (typeof value === 'number') seconds = value;
  else if (typeof value === 'string' && /^\s*[-+]?\d+(?:\.\d+)?\s*$/.test(value)) seconds = Number(value);
  else if (typeof value === 'string')
    throw new TokenResponseError('expires_in', 'is a string that is not a number');
  else throw new TokenResponseError('expires_in', `is ${shape(value)}`);
  if (!Number.isFinite(seconds)) throw new TokenResponseError('expires_in', 'is not a finite number');
  if (seconds < 0) throw new TokenResponseError('expires_in', 'is negative');
  return seconds;
}

/**
 * A string as it is, a list of strings joined (as some providers send it). Any other shape is
 * ignored: the agent asks for scopes but does not depend on the answer naming them.
 */
function readScope(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(' ');
  return undefined;
}

/** What a value is, never what it says: "missing", "a number", "an array". */
export function shape(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
