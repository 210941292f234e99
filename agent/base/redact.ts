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
  // A value may run into the sentence's own punctuation ("client_secret=abcdefgh…."): still masked.
  const bare = value.replace(/[.,;:!?)\]]+$/, '');
  return bare === '' || bare === fullMask || bare.endsWith(ellipsis) ? value : mask(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where a secret-finding rule (the leak lint's) found something in a text; end exclusive. */
export interface SecretSpan {
  start: number;
  end: number;
}

/** Finds secrets in a text; injected from above, since base/ imports nothing of the lint. */
export type SecretFinder = (text: string) => readonly SecretSpan[];

export interface OutsideTextOptions {
  /** The secrets the agent holds right now (access and refresh tokens, client secrets). */
  secrets?: Iterable<string | undefined>;
  /** The leak lint's rules, or any other finder. */
  find?: SecretFinder;
  /** The longest result; longer text is cut and ends with an ellipsis. Default 300. */
  maxLength?: number;
}

/** What an outside string may be cut to, by default: enough for a reason, too short for a body dump. */
export const outsideMaxLength = 300;
// Work is bounded before any rule runs: a megabyte of stderr is not worth scanning for a 300-char line.
// The cut is marked after a space, so that a value cut short never looks already masked (maskOnce).
const scanLimit = 16_384;

/**
 * The one redactor for strings that come from outside the agent (a token command's stderr, a
 * provider's error fields, a response body, a Redis error) before they reach an error message, the
 * status, a log line or the audit log. It masks the secrets given, what `find` finds, credential
 * shapes (JWTs, `Bearer`/`Basic` values, `name=value`, `name: value` and JSON members whose name says
 * secret), turns control characters into spaces (one line, no forged log lines) and caps the length.
 * Redacting first and cutting after means a cut never leaves half of an unmasked secret behind.
 * Running it twice changes nothing more.
 */
export function redactOutside(text: string, options: OutsideTextOptions = {}): string {
  const maxLength = options.maxLength ?? outsideMaxLength;
  if (!Number.isInteger(maxLength) || maxLength < 1)
    throw new TypeError('maxLength must be a positive integer');
  let out = text.length > scanLimit ? `${text.slice(0, scanLimit)} ${ellipsis}` : text;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced.
  out = out.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
  const secrets = [...(options.secrets ?? [])].filter(
    (s): s is string => typeof s === 'string' && s.length > 0,
  );
  out = redactText(out, secrets);
  if (options.find) out = maskSpans(out, options.find(out));
  out = redactNamedValues(redactTokensInText(out));
  return cap(out, maxLength);
}

/**
 * The sinks' pass, for text the agent composed around outside strings (a log line, a status message):
 * the secrets held right now, what `find` finds, and credential shapes, but not `name: value`, which
 * the agent's own wording uses (`token 'ci-token': refresh failed`). Outside strings inside it already
 * went through redactOutside where they came in.
 */
export function redactKnown(text: string, options: Omit<OutsideTextOptions, 'maxLength'> = {}): string {
  const secrets = [...(options.secrets ?? [])].filter(
    (s): s is string => typeof s === 'string' && s.length > 0,
  );
  let out = redactText(text, secrets);
  if (options.find) out = maskSpans(out, options.find(out));
  return redactTokensInText(out);
}

/** Masks each span (the longest first wins an overlap); spans already masked are left alone. */
export function maskSpans(text: string, spans: readonly SecretSpan[]): string {
  const sorted = [...spans]
    .filter((span) => span.start >= 0 && span.end <= text.length && span.end > span.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (const span of sorted) {
    if (span.start < at) continue;
    // A finder's character class may stop short of the ellipsis of a value masked already.
    const masked = text[span.end] === ellipsis ? text.slice(span.start, span.end) : null;
    out += text.slice(at, span.start) + (masked ?? maskOnce(text.slice(span.start, span.end)));
    at = span.end;
  }
  return out + text.slice(at);
}

/** Cuts text to `maxLength` characters, the last being an ellipsis; never splits a surrogate pair. */
export function cap(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  let end = maxLength - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}${ellipsis}`;
}

// A name that says "secret": the word anywhere in it (client_secret, X-Api-Key, db_password, AUTH_TOKEN).
// Names that only describe a secret (token_type, token_endpoint, code_challenge_method) are not values.
const secretWord =
  '(?:secret|token|passw(?:or)?d|pwd|passphrase|code|assertion|authorization|auth|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|session|cookie|signature|verifier)';
const secretName = `[A-Za-z0-9_.-]*${secretWord}[A-Za-z0-9_.-]*`;
const describingEnd =
  /(?:type|types|endpoint|uri|url|hint|method|methods|expires_in|expiry|id|name|kind|count|length|format|use)$/i;
// Codes that are not OAuth authorization codes: an error's, an HTTP status, a process's exit.
const describingStart = /^(?:error|status|exit|http|response|return|reason)/i;
const describes = (name: string) => describingEnd.test(name) || describingStart.test(name);
// An optional auth scheme stays visible: `Authorization: Bearer xyz` masks xyz only.
const scheme = '(?:(?:Bearer|BEARER|bearer|Basic|Token|Digest|Negotiate|token)\\s+)?';
const namedQuoted = new RegExp(
  `(["']?)(?<![A-Za-z0-9_.-])(${secretName})\\1(\\s*[:=]\\s*)(["'])((?:(?!\\4)[^\\\\]|\\\\.)*)\\4`,
  'gi',
);
const namedBare = new RegExp(
  `(["']?)(?<![A-Za-z0-9_.-])(${secretName})\\1([ \\t]*[:=][ \\t]*)(${scheme})([^\\s"'&,;)}\\]]+)`,
  'gi',
);
// `scheme://user:password@host`: the password part.
const urlPassword = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)([^\s@/]+)(@)/gi;

/**
 * Masks values whose name says they are secret, in the shapes outside text uses: `name=value`,
 * `name: value`, `"name": "value"`, and a URL's password. Values already masked are left alone;
 * values of descriptive names (`token_type`, `code_challenge_method`) are not secrets.
 */
export function redactNamedValues(text: string): string {
  return text
    .replace(
      urlPassword,
      (_whole, before: string, value: string, at: string) => `${before}${maskOnce(value)}${at}`,
    )
    .replace(namedQuoted, (whole, q: string, name: string, sep: string, quote: string, value: string) =>
      describes(name) ? whole : `${q}${name}${q}${sep}${quote}${maskWithScheme(value)}${quote}`,
    )
    .replace(namedBare, (whole, q: string, name: string, sep: string, schemeText: string, value: string) =>
      describes(name) ? whole : `${q}${name}${q}${sep}${schemeText}${maskOnce(value)}`,
    );
}

/** A quoted value may itself start with an auth scheme ("Bearer xyz"): keep the scheme, mask the rest. */
function maskWithScheme(value: string): string {
  const match = /^((?:Bearer|Basic|Token|Digest|Negotiate)\s+)(.*)$/i.exec(value);
  return match ? `${match[1]}${maskOnce(match[2] ?? '')}` : maskOnce(value);
}

/**
 * Redacts an error in place for the outside world: its message through `redact`, its stack's first
 * line with it, and its `cause` dropped (a child process's error carries the whole stderr and the
 * command line). Codes and other fields stay. Returns the same error, for `throw redactError(…)`.
 */
export function redactError<E>(error: E, redact: (text: string) => string): E {
  if (!(error instanceof Error)) return error;
  const message = redact(error.message);
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  Object.defineProperty(error, 'message', { value: message, writable: true, configurable: true });
  Object.defineProperty(error, 'stack', {
    value: [`${error.name}: ${message}`, ...frames].join('\n'),
    writable: true,
    configurable: true,
  });
  if ('cause' in error) delete (error as { cause?: unknown }).cause;
  return error;
}
