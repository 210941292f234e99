// Checks an access token's signature against the keys its issuer publishes (the `jwks_uri` of its
// metadata), with the issuer and, when the definition names one, the audience. The agent never relies
// on the answer: it is shown in the status so that a person can tell a real token from a pasted
// look-alike, or notice that a server signs with keys it does not publish. Never throws for a token
// that does not verify; the answer says why in one sentence and a stable code.
import {
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  errors,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { AuthorizationServer } from 'oauth4webapi';
import type { TokenVerification } from '../protocol';
import { isLoopback, resolveAuthorizationServer } from './grants';

export type VerifyFailure =
  /** Not a JWT at all: only the issuer can say anything about an opaque token. */
  | 'opaque'
  /** A JWE: encrypted for the resource server, unreadable here. */
  | 'encrypted'
  /** No issuer to ask for keys (a definition with a bare token endpoint), or none publishes keys. */
  | 'no-keys'
  /** The issuer's keys are served over plain http on a non-loopback host. */
  | 'insecure-keys'
  /** The key set could not be fetched (network, timeout, not a JWKS). */
  | 'keys-unavailable'
  /** No published key matches the token's `kid`/`alg`. */
  | 'unknown-key'
  | 'bad-signature'
  | 'expired'
  /** `iss`, `aud`, `nbf` or another claim does not hold. */
  | 'claims';

export type Verification =
  | { verified: true; algorithm: string; keyId?: string }
  | { verified: false; code: VerifyFailure; reason: string };

/** Where key sets live between calls: a Map or an LRUCache, owned by the caller, keyed by jwks_uri. */
export interface KeySetCache {
  get(jwksUri: string): JWTVerifyGetKey | undefined;
  set(jwksUri: string, keySet: JWTVerifyGetKey): unknown;
}

export interface VerifyOptions {
  /** The expected `iss`: the issuer's identifier from its metadata. */
  issuer: string;
  /** The issuer's `jwks_uri`; undefined when it publishes none. */
  jwksUri: string | undefined;
  /** The expected `aud`, usually the definition's `resource`; not checked when absent. */
  audience?: string;
  keySets: KeySetCache;
  /** The clock for `exp`/`nbf`. */
  now?: () => number;
  fetch?: typeof fetch;
  /** The budget of one key-set fetch, 5 s by default. */
  timeoutMs?: number;
}

export async function verifyAccessToken(token: string, options: VerifyOptions): Promise<Verification> {
  const segments = token.split('.').length;
  if (segments === 5)
    return fail('encrypted', 'the access token is encrypted (JWE), for the resource server only');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    if (segments !== 3) throw new TypeError('not a JWS');
    header = decodeProtectedHeader(token);
  } catch {
    return fail('opaque', 'the access token is opaque (not a JWT); only its issuer can check it');
  }
  if (!options.jwksUri)
    return fail('no-keys', `the issuer ${options.issuer} publishes no signing keys (jwks_uri)`);
  const jwksUrl = new URL(options.jwksUri);
  if (!(jwksUrl.protocol === 'https:' || (jwksUrl.protocol === 'http:' && isLoopback(jwksUrl))))
    return fail('insecure-keys', `the issuer's keys are served over plain http (${jwksUrl.origin})`);

  let keySet = options.keySets.get(jwksUrl.href);
  if (!keySet) {
    keySet = createRemoteJWKSet(jwksUrl, {
      timeoutDuration: options.timeoutMs ?? 5_000,
      ...(options.fetch ? { [customFetch]: options.fetch } : {}),
    });
    options.keySets.set(jwksUrl.href, keySet);
  }
  try {
    await jwtVerify(token, keySet, {
      issuer: options.issuer,
      ...(options.audience ? { audience: options.audience } : {}),
      ...(options.now ? { currentDate: new Date(options.now()) } : {}),
    });
  } catch (error) {
    return explain(error, options);
  }
  return {
    verified: true,
    algorithm: header.alg ?? 'unknown',
    ...(typeof header.kid === 'string' ? { keyId: header.kid } : {}),
  };
}

export interface DefinitionVerifyContext {
  /** Discovery results keyed by issuer, owned by the caller (the engine's obtain context has one). */
  discovered: Map<string, AuthorizationServer>;
  keySets: KeySetCache;
  now?: () => number;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * Verifies a token of a configured definition: its issuer's metadata says where the keys are, and its
 * `resource` is the audience. A definition with only a token endpoint has no issuer to ask.
 */
export async function verifyDefinitionToken(
  token: string,
  definition: { issuer?: string | undefined; resource?: string | undefined },
  context: DefinitionVerifyContext,
): Promise<Verification> {
  if (!definition.issuer)
    return fail('no-keys', 'the token names a token endpoint but no issuer, so there are no published keys');
  let as = context.discovered.get(definition.issuer);
  if (!as) {
    try {
      as = await resolveAuthorizationServer(
        { issuer: definition.issuer },
        {
          timeoutMs: context.timeoutMs ?? 5_000,
          now: context.now ?? Date.now,
          ...(context.fetch ? { fetch: context.fetch } : {}),
        },
      );
    } catch (error) {
      return fail(
        'keys-unavailable',
        `the issuer's metadata could not be read (${(error as Error).message})`,
      );
    }
    context.discovered.set(definition.issuer, as);
  }
  return verifyAccessToken(token, {
    issuer: as.issuer,
    jwksUri: as.jwks_uri,
    keySets: context.keySets,
    ...(definition.resource ? { audience: definition.resource } : {}),
    ...(context.now ? { now: context.now } : {}),
    ...(context.fetch ? { fetch: context.fetch } : {}),
    ...(context.timeoutMs !== undefined ? { timeoutMs: context.timeoutMs } : {}),
  });
}

function explain(error: unknown, options: VerifyOptions): Verification {
  if (error instanceof errors.JWTExpired) return fail('expired', 'the access token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    const expected =
      error.claim === 'iss'
        ? ` (expected ${options.issuer})`
        : error.claim === 'aud'
          ? ` (expected ${options.audience})`
          : '';
    return fail('claims', `its "${error.claim}" claim does not hold${expected}`);
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return fail('unknown-key', "no key the issuer publishes matches the token's key id and algorithm");
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return fail('bad-signature', "the signature does not match the issuer's published key");
  if (error instanceof errors.JWKSTimeout)
    return fail('keys-unavailable', "the issuer's keys did not arrive in time");
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return fail(
      'unknown-key',
      `its algorithm is not one the issuer's keys allow (${(error as Error).message})`,
    );
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return fail('opaque', `the access token is not a well-formed JWT (${(error as Error).message})`);
  const reason =
    (error as { cause?: { code?: string } })?.cause?.code ?? (error as Error)?.message ?? String(error);
  return fail('keys-unavailable', `the issuer's keys could not be fetched (${reason})`);
}

/** The answer as the status and the sign-in result carry it: the key id stays in the agent. */
export function toTokenVerification(verification: Verification): TokenVerification {
  return verification.verified
    ? { verified: true, algorithm: verification.algorithm }
    : { verified: false, code: verification.code, reason: verification.reason };
}

function fail(code: VerifyFailure, reason: string): Verification {
  return { verified: false, code, reason };
}
