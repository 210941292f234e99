// Reads what a client may usefully know from an access token: when it expires, and a few claims to
// show people. Nothing is verified here, on purpose: an access token is meant for the resource server,
// and a client must not trust its contents for anything but hints. The agent only uses them to schedule
// a refresh a little early or late. (Where the issuer publishes its keys, verify.ts can check the
// signature, for the status to show; nothing depends on the answer.)

import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { LRUCache } from 'lru-cache';

export interface JwtInfo {
  header: { alg?: string; typ?: string; kid?: string };
  expiresAtMs?: number;
  issuedAtMs?: number;
  notBeforeMs?: number;
  jti?: string;
  iss?: string;
  /** Always a list, whether the token carries one audience or several. */
  aud?: string[];
  sub?: string;
  /** From `scope` (RFC 9068) or `scp`, which providers send as a space-separated string or a list. */
  scopes?: string[];
}

/**
 * Decodes a JWS-shaped access token without verifying it. Returns undefined for anything else: opaque
 * tokens, encrypted (JWE) tokens, and tokens too malformed to read.
 */
export function readJwtInfo(token: string): JwtInfo | undefined {
  let claims: Record<string, unknown>;
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch {
    return undefined;
  }
  const info: JwtInfo = {
    header: {
      ...(typeof header.alg === 'string' && { alg: header.alg }),
      ...(typeof header.typ === 'string' && { typ: header.typ }),
      ...(typeof header.kid === 'string' && { kid: header.kid }),
    },
  };
  const expiresAtMs = numericDateMs(claims.exp);
  const issuedAtMs = numericDateMs(claims.iat);
  const notBeforeMs = numericDateMs(claims.nbf);
  if (expiresAtMs !== undefined) info.expiresAtMs = expiresAtMs;
  if (issuedAtMs !== undefined) info.issuedAtMs = issuedAtMs;
  if (notBeforeMs !== undefined) info.notBeforeMs = notBeforeMs;
  if (typeof claims.jti === 'string') info.jti = claims.jti;
  if (typeof claims.iss === 'string') info.iss = claims.iss;
  if (typeof claims.sub === 'string') info.sub = claims.sub;
  const aud = stringList(claims.aud);
  if (aud !== undefined) info.aud = aud;
  const scopes = scopeList(claims.scope) ?? scopeList(claims.scp);
  if (scopes !== undefined) info.scopes = scopes;
  return info;
}

export interface AccessTokenDescription {
  format: 'jwt' | 'opaque';
  /** The earlier of the two expiries when both are known; undefined when neither is. */
  expiresAtMs?: number;
  expirySource?: 'exp' | 'expires_in';
  jwt?: JwtInfo;
}

/**
 * Decoded claims kept in memory, keyed by a digest of the token so that no token outlives its use as a
 * map key. The engine decodes the same tokens again and again (every store re-read under the lock,
 * every refresh another window announces); this bounds that work and the memory it takes.
 */
export class JwtInfoCache {
  readonly #cache: LRUCache<string, { info: JwtInfo | undefined }>;

  constructor(max = 128) {
    this.#cache = new LRUCache({ max });
  }

  get size(): number {
    return this.#cache.size;
  }

  readonly read = (token: string): JwtInfo | undefined => {
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = this.#cache.get(key);
    if (hit) return hit.info;
    const info = readJwtInfo(token);
    this.#cache.set(key, { info });
    return info;
  };
}

export interface DescribeOptions {
  /** Where decoded claims come from; a JwtInfoCache's `read` avoids decoding the same token twice. */
  readJwt?: (token: string) => JwtInfo | undefined;
  /** The token response's `expires_in`, when it had one. */
  expiresInSeconds?: number;
  /**
   * When the token response was requested. `expires_in` counts from issuance, which comes after the
   * request was sent, so counting from the request start errs on the early side.
   */
  nowMs: number;
  /** Server clock minus local clock (skew.ts), applied to the token's absolute `exp`. */
  skewMs?: number;
}

/**
 * Works out when an access token expires, from its `exp` (if it is a JWT) and the response's
 * `expires_in`. When both are known the earlier wins: `expires_in` is immune to clock skew, `exp` to
 * a slow response, and refreshing a little early costs less than using an expired token.
 */
export function describeAccessToken(token: string, options: DescribeOptions): AccessTokenDescription {
  const jwt = (options.readJwt ?? readJwtInfo)(token);
  const fromExp = jwt?.expiresAtMs === undefined ? undefined : jwt.expiresAtMs - (options.skewMs ?? 0);
  const { expiresInSeconds } = options;
  const fromExpiresIn =
    expiresInSeconds !== undefined && Number.isFinite(expiresInSeconds) && expiresInSeconds >= 0
      ? options.nowMs + expiresInSeconds * 1000
      : undefined;

  const description: AccessTokenDescription = { format: jwt === undefined ? 'opaque' : 'jwt' };
  if (jwt !== undefined) description.jwt = jwt;
  if (fromExp !== undefined && (fromExpiresIn === undefined || fromExp <= fromExpiresIn)) {
    description.expiresAtMs = fromExp;
    description.expirySource = 'exp';
  } else if (fromExpiresIn !== undefined) {
    description.expiresAtMs = fromExpiresIn;
    description.expirySource = 'expires_in';
  }
  return description;
}

// A JWT NumericDate is seconds since the epoch, possibly fractional (RFC 7519 §2).
function numericDateMs(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? Math.round(value * 1000) : undefined;
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return [...value];
  return undefined;
}

function scopeList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(' ').filter((scope) => scope !== '');
  return Array.isArray(value) ? stringList(value) : undefined;
}
