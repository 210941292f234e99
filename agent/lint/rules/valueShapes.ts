// What a value assigned to a secret-like name is when it is not a secret. Measured on real code
// (docs/real-code-eval.md): most false alarms of the generic rule were code that only mentions a
// secret — expressions, references, identifiers, password hashes, truncated or bracketed examples —
// or names that say "token" about something that is not a credential (CSRF, nonces, pagination).
// Each check reads only the candidate (bounded by the rule), never the text around it.

/** File extensions of programming languages, where an unquoted right-hand side is an expression. */
const codeExtensions = new Set(
  (
    'js mjs cjs jsx ts mts cts tsx py pyi rb php phtml java kt kts scala groovy go rs c h cc cpp cxx hpp hh ' +
    'cs fs vb swift m mm dart lua pl pm r jl ex exs erl hrl clj cljs elm hs ml vue svelte'
  ).split(' '),
);

/** Whether `path` is source code in a language whose string literals are quoted. */
export function isCodePath(path: string): boolean {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const name = path.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 && codeExtensions.has(name.slice(dot + 1).toLowerCase());
}

/**
 * Names that say "token" or "key" about something that is not a credential: anti-forgery and replay
 * tokens, pagination and idempotency tokens, public keys. Tested on the normalised name (lower case,
 * no `_ . - $ :`).
 */
const notSecretParts = ['csrf', 'xsrf', 'nonce', 'idempoten', 'antiforgery', 'publickey'];
const notSecretEndings = [
  'pagetoken',
  'nexttoken',
  'continuationtoken',
  'synctoken',
  'cancellationtoken',
  'resumetoken',
  'outputtoken',
  'inputtoken',
  'requesttoken',
  'paginationtoken',
  'starttoken',
  'markertoken',
  'bypass',
  'compass',
];

export function isNotSecretName(name: string): boolean {
  for (const part of notSecretParts) if (name.includes(part)) return true;
  for (const ending of notSecretEndings) if (name.endsWith(ending)) return true;
  return false;
}

// Password hashes: stored instead of the password, they are the opposite of a leak. Spring's
// `{bcrypt}`/`{pbkdf2}`… prefixes, modular crypt (`$2a$10$…`, `$argon2id$…`, `$6$…`), Django's
// `pbkdf2_sha256$…`, LDAP's `{SSHA}`.
const passwordHash =
  /^(?:\{[A-Za-z0-9_-]{2,16}\})?(?:\$(?:2[abxy]?|1|5|6|y|gy|7|argon2(?:id|i|d)|pbkdf2[-_a-z0-9]{0,12}|scrypt|sha1|md5)\$|(?:pbkdf2_sha(?:1|256|512)|bcrypt(?:_sha256)?|argon2|scrypt|sha1|md5|crypt)\$)/;
const ldapHash = /^\{(?:SSHA|SHA|SMD5|MD5|CRYPT|SSHA256|SSHA512|SHA256|SHA512)\}/i;

export function isPasswordHash(value: string): boolean {
  return passwordHash.test(value) || ldapHash.test(value);
}

/**
 * Code rather than a literal: a variable reference (`$x`, `@x`, `%x`), a member or static access
 * (`a::B`, `$a->b`), a call, an operator expression. A quoted value is a literal unless it
 * interpolates (`"$password"`) or spells an access path; a bare one is code on far less.
 */
export function isExpression(value: string, quoted: boolean): boolean {
  if (value.includes('::') || value.includes('->')) return true;
  if (quoted) return /^\$[A-Za-z_{(]/.test(value);
  const first = value.charCodeAt(0);
  // $ @ & * % !
  if (first === 36 || first === 64 || first === 38 || first === 42 || first === 37 || first === 33)
    return true;
  return (
    value.includes('=>') ||
    value.includes('(') ||
    value.includes('??') ||
    value.includes('||') ||
    value.includes('&&') ||
    value.endsWith('?') ||
    value.endsWith('.')
  );
}

/**
 * An identifier made of words: `UsernamePasswordAuthenticationToken`, `new_password1`,
 * `XmlStringMaxLen256`, `GetRandomPassword$`. Camel humps need two lower-case letters after their
 * capital (an isolated lower-case letter between capitals is what random text looks like), longer
 * words a vowel, and digits only end a part. A hand-written scan: a regex with overlapping upper-case runs could backtrack.
 */
export function isWordsIdentifier(value: string): boolean {
  if (value.length < 2 || value.length > 96) return false;
  const core = value.replace(/^[$_]+|[$_]+$/g, '');
  let words = 0;
  for (const part of core.split(/[-_.]/)) {
    const split = /^([A-Za-z]*)([0-9]{0,4})$/.exec(part);
    if (!split) return false;
    const counted = countWords(split[1] ?? '');
    if (counted < 0) return false;
    words += counted + (split[2] ? 1 : 0);
  }
  return words >= 2;
}

/** The words of a letters-only camel-case part, or -1 when it is not one. */
function countWords(letters: string): number {
  const isUpper = (i: number) => {
    const c = letters.charCodeAt(i);
    return c >= 65 && c <= 90;
  };
  let words = 0;
  let i = 0;
  while (i < letters.length) {
    let caps = 0;
    while (i < letters.length && isUpper(i)) {
      caps++;
      i++;
    }
    let lower = 0;
    let vowels = 0;
    while (i < letters.length && !isUpper(i)) {
      if ('aeiouy'.includes(letters[i] ?? '')) vowels++;
      lower++;
      i++;
    }
    // Words of four letters or more have a vowel (`Pktb`, `bjdhzs` are what random text looks like).
    if (lower >= 4 && vowels === 0) return -1;
    if (caps > 8) return -1;
    if (lower === 1 && (caps === 0 || i < letters.length)) return -1;
    if (caps === 0 && lower > 0 && words > 0) return -1;
    words += caps > 1 && lower > 0 ? 2 : 1;
  }
  return words;
}

/** A dotted name such as `AADServerParamKeys.CLIENT_SECRET` or `settings.auth.clientSecret`. */
export function isDottedName(value: string): boolean {
  if (!value.includes('.')) return false;
  const parts = value.split('.');
  return parts.every(
    (part) =>
      /^[A-Z][A-Z0-9_]{0,63}$/.test(part) || /^[A-Za-z][a-z]{1,24}$/.test(part) || isWordsIdentifier(part),
  );
}

// A value that names what it holds ("MyTestDatabaseSecret", "term-token-…", "VERYLONGSECRET…") is a
// name, a label or a placeholder: a drawn secret contains such a word by chance with negligible
// probability (each is 5+ letters).
const selfNaming = ['password', 'passwd', 'secret', 'token', 'apikey', 'api_key', 'api-key', 'credential'];

export function namesItself(value: string): boolean {
  const lower = value.toLowerCase();
  for (const word of selfNaming) if (lower.includes(word)) return true;
  return false;
}

/** Cut short (`eyJ2Ij...`), bracketed (`[new_password]`, `(secret)`) or an ARN. */
export function isTruncatedOrBracketed(value: string): boolean {
  if (value.endsWith('...') || value.endsWith('…')) return true;
  // A format string (`"relationship:%s"`, `"%(password)s"`) is filled in at run time.
  if (/%(?:[sd]|\()/.test(value)) return true;
  const first = value[0];
  const last = value[value.length - 1];
  if ((first === '[' && last === ']') || (first === '(' && last === ')')) return true;
  return value.startsWith('arn:') || value.startsWith('urn:');
}

/**
 * Whether a value fails as a literal secret whatever its entropy: the checks above, in order of
 * cost. `quoted` is false for a bare right-hand side (a `.env`, YAML or properties value).
 * `providerShaped`, asked only of a value that looks like a word-number name: whether it has a
 * provider's own shape under that provider's name, which outweighs the look (a random Dropbox secret
 * ends in digits alone one time in thirty).
 */
export function isNotALiteralSecret(
  value: string,
  quoted: boolean,
  providerShaped: () => boolean = () => false,
): boolean {
  return (
    isExpression(value, quoted) ||
    isTruncatedOrBracketed(value) ||
    isPasswordHash(value) ||
    namesItself(value) ||
    (isWordsIdentifier(value) && !providerShaped()) ||
    isDottedName(value)
  );
}
