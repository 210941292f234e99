// Keeps secrets out of messages and logs. A secret is shown by its first few characters at most,
// enough to tell two tokens apart and never enough to use one.

/** The character that ends every mask; text already ending in it is not masked again. */
export const ellipsis = '…';
export const fullMask = '***';

const maxVisible = 8;
const minVisible = 6;

/**
 * Masks a secret as its first characters and an ellipsis: at most 8, and never more than a quarter of
 * the secret. A secret too short to show 6 characters of is masked whole.
 */
export function mask(secret: string): string {
  const visible = Math.min(maxVisible, Math.floor(secret.length / 4));
  return visible < minVisible ? fullMask : `${secret.slice(0, visible)}${ellipsis}`;
}

/** Replaces every occurrence of the given secrets with its mask, longest secret first. */
export function redactText(text: string, secrets: readonly string[]): string {
  const unique = [...new Set(secrets.filter((secret) => secret !== ''))].sort((a, b) => b.length - a.length);
  if (unique.length === 0) return text;
  // One pass over one alternation, so that a mask is never scanned again for a shorter secret.
  const pattern = new RegExp(unique.map(escapeRegExp).join('|'), 'g');
  return text.replace(pattern, (secret) => mask(secret));
}

// Authorization header values: `Bearer` tokens and `Basic` client credentials (token68 syntax). The
// lookahead refuses a partial match: a `realm="x"` parameter, or a value already masked. `Basic` is
// matched capitalised only, because "basic" is an everyday word in error messages.
const authScheme = /\b([Bb]earer|BEARER|Basic)(\s+)([A-Za-z0-9\-._~+/]+=*)(?![A-Za-z0-9\-._~+/="…])/g;
// A JWS has three base64url segments and a JWE five; both begin with a JSON header (`eyJ` is `{"`).
const jwtShape =
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)?(?![A-Za-z0-9_\-…])/g;
// OAuth parameters that carry secrets, as JSON members or form fields (token endpoint bodies in logs).
const secretParameter =
  '(?:access_token|refresh_token|id_token|client_secret|client_assertion|code_verifier|password|subject_token|actor_token)';
const jsonMember = new RegExp(`("${secretParameter}"\\s*:\\s*")((?:[^"\\\\]|\\\\.)*)"`, 'g');
const formField = new RegExp(`(\\b${secretParameter}=)([^&\\s"']+)`, 'g');

/**
 * Masks what looks like a credential in free text (an error body, a command's stderr): JWTs, Bearer
 * and Basic values, and OAuth secret parameters. Running it twice changes nothing more.
 */
export function redactTokensInText(text: string): string {
  return text
    .replace(
      authScheme,
      (_whole, scheme: string, space: string, value: string) => `${scheme}${space}${mask(value)}`,
    )
    .replace(jwtShape, (jwt) => mask(jwt))
    .replace(jsonMember, (_whole, before: string, value: string) => `${before}${maskOnce(value)}"`)
    .replace(formField, (_whole, before: string, value: string) => `${before}${maskOnce(value)}`);
}

function maskOnce(value: string): string {
  return value === '' || value === fullMask || value.endsWith(ellipsis) ? value : mask(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
