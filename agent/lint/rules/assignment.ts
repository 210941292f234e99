// Reads `NAME <separator> VALUE` around a keyword: the name (bounded), the separator, and a string
// literal, XML text or — in configuration files, in strings and on config lines — a bare value.
// Expressions, calls, comparisons and message text are not values (measured on real code:
// docs/real-code-eval.md).
import { isAlnum } from './define';
import { charClass, type MatchContext } from './types';

const nameChars = charClass('A-Za-z0-9_.-');
export const maxName = 64;
export const maxValue = 256;

// A name is secret-like when, lower-cased and without `_`, `.` and `-`, it ends with one of these.
const secretEndings = [
  'secret',
  'secretkey',
  'password',
  'passwd',
  'passphrase',
  'pass',
  'pwd',
  'token',
  'apikey',
  // Datadog's application key (`DD_APP_KEY`) and the like: app keys that grant API access.
  'appkey',
  'applicationkey',
  'accesskey',
  'privatekey',
  'authkey',
  'signingkey',
  'encryptionkey',
  'masterkey',
  'accountkey',
  'storagekey',
  'sharedkey',
  'credential',
  'credentials',
  'bearer',
];
export const secretName = new RegExp(`(?:${secretEndings.join('|')})$`);

/** Lower-case without `_`, `.`, `-` and a leading `$` or `:`. */
export function normalise(name: string): string {
  const lower = name.toLowerCase();
  // Most names are camelCase: the replace, a regex run, only when there is something to remove.
  return hasSeparator(lower) ? lower.replace(/[-_.$:]/g, '') : lower;
}

function hasSeparator(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 45 || c === 95 || c === 46 || c === 36 || c === 58) return true; // - _ . $ :
  }
  return false;
}

function isQuote(c: string | undefined): boolean {
  return c === '"' || c === "'" || c === '`';
}

function isStringPrefix(c: string | undefined): boolean {
  return c === 'b' || c === 'B' || c === 'r' || c === 'R' || c === 'u' || c === 'U' || c === '@';
}

const separator = /[ \t]{0,8}(:=|=>|===|!==|==|!=|=|:|\(|,|>)[ \t]{0,8}/y;
const typeAnnotation = /[A-Za-z_$][\w$.<>[\]|]{0,40}[ \t]{1,4}=(?!=)[ \t]{0,4}/y;
const unquotedStop = charClass(' \t\r\n"\'`,;(){}[]<>');
// Value characters as classes, so that ctx.runEnd memoises the scans: many keywords inside one long
// run (`token=token=token=…`) then cost O(1) each instead of a fresh scan of up to 256 characters.
const complement = (cls: Uint8Array) => cls.map((member, code) => (code >= 32 && member === 0 ? 1 : 0));
const unquotedValue = complement(unquotedStop);
const insideQuotes: Record<string, Uint8Array> = {
  '"': complement(charClass('"\n')),
  "'": complement(charClass("'\n")),
  '`': complement(charClass('`\n')),
};
const insideXml = complement(charClass('<\n'));

/**
 * Whether `separator` can match at `i`: one of `:=!(,>` after at most 8 blanks. Most keywords are
 * not followed by one, and this settles them without running the regex.
 */
function mayStartSeparator(text: string, i: number): boolean {
  let j = i;
  while (j < i + 8 && (text[j] === ' ' || text[j] === '\t')) j++;
  const c = text[j];
  return c === ':' || c === '=' || c === '!' || c === '(' || c === ',' || c === '>';
}

// Not `inClass` from ./types: these loops run for every keyword in the text, and when modules are
// loaded one by one (tsx, the tests) each call through an import is a property read.
function isNameChar(code: number): boolean {
  return code < 128 && nameChars[code] === 1;
}

interface Assignment {
  name: string;
  valueStart: number;
  valueEnd: number;
  /** A string literal (or XML text), as opposed to a bare right-hand side. */
  quoted: boolean;
}

/** Separators after which a bare right-hand side is an argument or an operand, never a value. */
const quotedOnlySeparators = new Set(['(', ',', '==', '===', '!=', '!==']);
/** Characters before a name that put it inside a string: `"password=…`, `;AccountKey=`, `?token=`. */
const stringInnerBefore = new Set(['"', "'", '`', ';', '&', '?']);

/** Reads `NAME <separator> VALUE` around a keyword at `at`, or undefined when it is not that. */
export function readAssignment(ctx: MatchContext, at: number, keyword: string): Assignment | undefined {
  const { text } = ctx;
  const floor = Math.max(0, at - maxName);
  let nameStart = at;
  while (nameStart > floor && isNameChar(text.charCodeAt(nameStart - 1))) nameStart--;
  if (nameStart === floor && floor > 0 && isNameChar(text.charCodeAt(floor - 1))) return undefined;
  // A segment of a path or an ARN (`arn:aws:secretsmanager:…:secret:Name`, `/secret/x`), not a name.
  const before = text[nameStart - 1];
  if (before === ':' || before === '/') return undefined;
  if ((before === '?' || before === '&') && inBadgeUrl(text, nameStart)) return undefined;
  const ceiling = Math.min(text.length, at + keyword.length + maxName);
  let nameEnd = at + keyword.length;
  while (nameEnd < ceiling && isNameChar(text.charCodeAt(nameEnd))) nameEnd++;
  ctx.memo.set('nameEnd', nameEnd);
  ctx.stats.examined += nameEnd - nameStart;
  const opener = text[nameStart - 1];
  let i = nameEnd;
  const quotedName = isQuote(opener) && text[nameEnd] === opener;
  if (quotedName || text[nameEnd] === ']') i++;
  let sep: string;
  // Most keywords are not followed by a separator: the cheap tests come first, the name is cut late.
  if ((text[i] === ' ' || text[i] === '\t') && normalise(text.slice(nameStart, nameEnd)) === 'bearer') {
    sep = ' ';
    while (i < nameEnd + 8 && (text[i] === ' ' || text[i] === '\t')) i++;
  } else {
    ctx.stats.ruleExecs++;
    if (!mayStartSeparator(text, i)) return undefined;
    separator.lastIndex = i;
    const match = separator.exec(text);
    if (!match) return undefined;
    sep = match[1] ?? '';
    if (sep === ',' && !quotedName) return undefined;
    if (sep === '>' && opener !== '<') return undefined;
    i += match[0].length;
    if (sep === ':' && !isQuote(text[i])) {
      // A type annotation (`token: string = "…"`) comes between the name and the value.
      typeAnnotation.lastIndex = i;
      const annotation = typeAnnotation.exec(text);
      if (annotation) i += annotation[0].length;
    }
  }
  const name = text.slice(nameStart, nameEnd);
  // `setPassword("…")` passes a value; `getToken("scope")`, `create_secret(Name=…)` pass a key.
  if (sep === '(' && !isSetterName(name)) return undefined;
  // String prefixes: Python b"…"/r"…"/f"…", C# @"…".
  if (isStringPrefix(text[i]) && isQuote(text[i + 1])) i++;
  const quote = text[i];
  if (quote !== undefined && isQuote(quote)) {
    const close = valueEnd(ctx, i + 1, insideQuotes[quote] as Uint8Array);
    if (close === undefined || text[close] !== quote) return undefined;
    return { name, valueStart: i + 1, valueEnd: close, quoted: true };
  }
  if (sep === '>') {
    const end = valueEnd(ctx, i, insideXml);
    // An element's text ends at its closing tag; `(?<password>[^@]{1,200})` in a regex does not.
    if (end === undefined || text[end] !== '<' || text[end + 1] !== '/') return undefined;
    return { name, valueStart: i, valueEnd: end, quoted: true };
  }
  // In source code a bare right-hand side is an expression (`token = getToken()`, `password =
  // $this->password`, `apiKey: SensitiveString;`); only `Bearer xyz` inside a string is a value.
  // Inside a string (`"…;AccountKey=…;"`, `"?token=…&"`), a bare value after `=` is a value again.
  // So is a config line pasted into code (`API_KEY=…` alone on its line, as in a heredoc).
  const inString = !quotedName && stringInnerBefore.has(opener ?? '') && (sep === '=' || sep === ':');
  if (sep !== ' ' && quotedOnlySeparators.has(sep)) return undefined;
  const end = valueEnd(ctx, i, unquotedValue);
  // A call or an indexing expression (`getToken()`, `env["X"]`) is code, not a value.
  if (end === undefined || text[end] === '(' || text[end] === '[') return undefined;
  if (isProse(text, end)) return undefined;
  if (sep !== ' ' && ctx.codeFile && !inString && !isConfigLine(text, nameStart, end)) return undefined;
  return { name, valueStart: i, valueEnd: end, quoted: false };
}

/** `NAME=value` alone on its line (after indentation or `export `), nothing after the value. */
function isConfigLine(text: string, nameStart: number, valueEnd: number): boolean {
  let j = valueEnd;
  while (j < valueEnd + 8 && (text[j] === ' ' || text[j] === '\t' || text[j] === '\r')) j++;
  if (j < text.length && text[j] !== '\n') return false;
  let k = nameStart;
  if (text.slice(Math.max(0, k - 7), k) === 'export ') k -= 7;
  while (k > 0 && k > nameStart - 16 && (text[k - 1] === ' ' || text[k - 1] === '\t')) k--;
  return k === 0 || text[k - 1] === '\n';
}

/** A call that hands over a value: `setPassword`, `withApiKey`, `password`, `Bearer`. */
function isSetterName(name: string): boolean {
  const lower = normalise(name.slice(name.lastIndexOf('.') + 1));
  return /^(?:set|with|use|put|add)/.test(lower) || secretEndings.includes(lower);
}

/**
 * Whether more words follow a bare value on its line (`password.mismatch=Passwords do not match`):
 * message text, not a value, which runs to the end of its line or to a delimiter.
 */
function isProse(text: string, end: number): boolean {
  let j = end;
  while (j < end + 8 && (text[j] === ' ' || text[j] === '\t')) j++;
  return j > end && isAlnum(text.charCodeAt(j));
}

/** Where a value made of `cls` characters ends, or undefined when it runs past the longest value. */
function valueEnd(ctx: MatchContext, from: number, cls: Uint8Array): number | undefined {
  const end = ctx.runEnd(from, cls);
  return end - from > maxValue ? undefined : end;
}

/**
 * Whether a query parameter at `at` belongs to a badge image's URL (`codecov.io/…/badge.svg?token=…`,
 * shields.io): the token there is the read-only graph token a service publishes for README badges.
 */
function inBadgeUrl(text: string, at: number): boolean {
  const from = Math.max(text.lastIndexOf('\n', at) + 1, at - 300);
  const url = text.lastIndexOf('://', at);
  if (url < from) return false;
  const path = text.slice(url, at).toLowerCase();
  return path.includes('/badge') || path.includes('shields.io');
}
