// Obviously fake tokens, built at run time so no token-shaped literal is committed.
import { crc32, toBase62 } from '../../agent/lint/rules/checksum';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function fakeJwt(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  const signature = Buffer.from('fake-signature-for-tests-only').toString('base64url');
  return `${b64url(header)}.${b64url(claims)}.${signature}`;
}

/**
 * A GitHub- or npm-style token (`ghp_`, `gho_`, `npm_`, …) that passes the checksum the scanner checks
 * (agent/lint/rules/checksum.ts): the first 30 characters of `random` (letters or digits), then their
 * CRC32 in base62. A token without it is reported only at severity info (`github-token-unverified`).
 */
export function checksummedToken(prefix: string, random: string): string {
  if (random.length < 30) throw new TypeError('checksummedToken needs 30 random characters');
  const body = random.slice(0, 30);
  return `${prefix}${body}${toBase62(crc32(body), 6)}`;
}
