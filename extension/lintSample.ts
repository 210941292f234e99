// The walkthrough's "try the lint" step: a short file with one hard-coded token, made up when the
// step runs (a JWT-shaped value no issuer signed, so nothing real is ever shown or committed).
// Pure, so a unit test can check that the agent's lint really flags it.

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function lintSampleText(now: number = Date.now()): string {
  const claims = {
    iss: 'https://login.example.invalid',
    sub: 'walkthrough-sample',
    exp: Math.floor(now / 1000) + 3_600,
  };
  const token = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}.${Buffer.from('not-a-real-signature').toString('base64url')}`;
  return [
    '// Token Agent: a hard-coded token (a fake one, made up just now) for the lint to find.',
    '// Hover the underlined value to see what it is, then press Ctrl+. (Cmd+. on macOS) for the fixes:',
    '// read it from the environment, or store it in the secret store and replace it.',
    `const apiToken = "${token}";`,
    '',
  ].join('\n');
}
