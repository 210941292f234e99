// Obviously fake tokens, built at run time so no token-shaped literal is committed.
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function fakeJwt(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  const signature = Buffer.from('fake-signature-for-tests-only').toString('base64url');
  return `${b64url(header)}.${b64url(claims)}.${signature}`;
}
