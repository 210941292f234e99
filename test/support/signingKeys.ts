// An issuer's signing key made at run time for signature tests: its public half as the JWK the
// issuer publishes (kid `key-1`), a stranger's key for forgeries, and access tokens signed with either.
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export interface SignOptions {
  /** Sign with this key instead of the issuer's (`otherPrivateKey` for a forgery). */
  key?: CryptoKey;
  kid?: string;
  /** Unix ms; five minutes after `nowMs` by default. */
  expiresAt?: number;
}

export interface IssuerKeys {
  publicJwk: JWK;
  otherPrivateKey: CryptoKey;
  /** An access token from `issuer` for `audience`, issued at `nowMs`, with `claims` on top. */
  sign(claims?: Record<string, unknown>, options?: SignOptions): Promise<string>;
}

export async function makeIssuerKeys(
  alg: 'RS256' | 'ES256',
  token: { issuer: string; audience: string; nowMs: number },
): Promise<IssuerKeys> {
  const pair = await generateKeyPair(alg, { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg, use: 'sig' };
  const otherPrivateKey = (await generateKeyPair(alg)).privateKey;
  return {
    publicJwk,
    otherPrivateKey,
    sign: (claims = {}, options = {}) =>
      new SignJWT({
        iss: token.issuer,
        aud: token.audience,
        iat: token.nowMs / 1000,
        exp: (options.expiresAt ?? token.nowMs + 300_000) / 1000,
        ...claims,
      })
        .setProtectedHeader({ alg, typ: 'at+jwt', kid: options.kid ?? 'key-1' })
        .sign(options.key ?? pair.privateKey),
  };
}
