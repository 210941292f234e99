// Secrets without a recognisable prefix, found by what they are assigned to: `aws_secret_access_key =
// "…"`, `AccountKey=…;`, `TWILIO_AUTH_TOKEN: …`, `password: "…"`. One analyser reads the name around
// a keyword, the separator and the value (each bounded), then classifies the pair: a provider's
// context rule when the name and the value's shape fit one, else the generic high-entropy rule.
import { mask } from '../../base/redact';
import { isAlnum } from './define';
import { isKnownExample, isPlaceholder, isRepetitive, shannonEntropy } from './filters';
import { charClass, classes, inClass, type MatchContext, priority, type Rule, type RuleInfo } from './types';
import { isNotALiteralSecret, isNotSecretName } from './valueShapes';

const nameChars = charClass('A-Za-z0-9_.-');
const maxName = 64;
const maxValue = 256;

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
const secretName = new RegExp(`(?:${secretEndings.join('|')})$`);

const info = (rule: Omit<RuleInfo, 'severity'>): RuleInfo => ({ ...rule, severity: 'warning' });

const awsSecret = info({
  id: 'aws-secret-access-key',
  provider: 'AWS',
  title: 'AWS secret access key',
  description:
    'An AWS secret access key (40 base64 characters) assigned to a name such as `aws_secret_access_key` or `SecretAccessKey`.',
  fix: 'Deactivate and delete the access key in the AWS IAM console, check CloudTrail for its use, and use roles, SSO or the environment instead.',
  envName: 'AWS_SECRET_ACCESS_KEY',
  shape:
    'Exactly 40 characters of `A-Z a-z 0-9 / +` assigned to a name containing `aws` and `secret`, or ending `secret_access_key`.',
});
const azureStorage = info({
  id: 'azure-storage-account-key',
  provider: 'Azure',
  title: 'Azure storage account key',
  description:
    'An Azure storage account key (88 base64 characters ending `==`), as `AccountKey=` in a connection string or assigned to a storage-key name.',
  fix: 'Rotate the key in the Azure portal (Storage account, Access keys), and prefer Entra ID authentication or SAS tokens read from the environment.',
  envName: 'AZURE_STORAGE_KEY',
  shape:
    '86 base64 characters and `==`, after `AccountKey=` or assigned to a name ending `storage_key`/`account_key`.',
});
const azureClientSecret = info({
  id: 'azure-client-secret-context',
  provider: 'Azure',
  title: 'Azure client secret (in context)',
  description:
    'An older-format Entra ID (Azure AD) client secret assigned to an Azure or AAD client-secret name.',
  fix: 'Delete the secret in the Azure portal (App registrations, Certificates & secrets), create a new one, and read it from the environment.',
  envName: 'AZURE_CLIENT_SECRET',
  shape:
    '30–44 characters of `A-Z a-z 0-9 _ ~ . -` assigned to a name containing `azure`, `aad` or `entra` and ending `secret`.',
});
const twilioAuth = info({
  id: 'twilio-auth-token',
  provider: 'Twilio',
  title: 'Twilio auth token',
  description:
    'A Twilio auth token (32 hex digits) assigned to a Twilio name, or written on the same line after a Twilio account SID (`AC` and 32 hex digits).',
  fix: 'Rotate the auth token in the Twilio console (Account, API keys & tokens) and read it from the environment.',
  envName: 'TWILIO_AUTH_TOKEN',
  shape:
    '32 lower-case hex digits assigned to a name containing `twilio`, or following `AC` and 32 hex digits on the same line.',
});
const generic = info({
  id: 'generic-secret',
  provider: 'Generic',
  title: 'Secret assigned to a secret-like name',
  description:
    'A high-entropy value assigned to a name like `password`, `secret`, `api_key` or `token`. Placeholders, references (`process.env.X`, `$X`, `{{ x }}`), identifiers, paths, URLs and UUIDs are not reported.',
  fix: 'Read the value from the environment or a secret store; if it was real, change it.',
  envName: 'SECRET',
  shape:
    '`NAME = value` (also `NAME: value`, `"NAME": "value"`, `NAME := value`, `<NAME>value</NAME>`, `setName("value")`) where NAME ends with password, secret, token, api_key, access_key, private_key, credentials …; the value has at least 12 characters and 3.5 bits of entropy per character (hex: 20 characters, 3.0 bits), and is not a word-number name, a UUID, a path or a URL.',
});

interface Classification {
  rule: RuleInfo;
  why: string;
}

function classify(name: string, value: string): Classification | undefined {
  if (value.length < 12 || isPlaceholder(value) || isRepetitive(value)) return undefined;
  const found = classifyShape(name, value);
  // Hashing is the dearest check, so it runs last, on what would otherwise be reported.
  return found && !isKnownExample(value) ? found : undefined;
}

function classifyShape(name: string, value: string): Classification | undefined {
  const entropy = shannonEntropy(value);
  const bits = `entropy ${entropy.toFixed(1)} bits per character`;
  if (
    (name.includes('aws') && name.includes('secret')) ||
    name.endsWith('secretaccesskey') ||
    name === 'secretkey'
  ) {
    if (/^[A-Za-z0-9/+]{40}$/.test(value) && entropy >= 4) {
      return { rule: awsSecret, why: `40 base64 characters assigned to an AWS secret-key name; ${bits}.` };
    }
  }
  if (
    name.endsWith('accountkey') ||
    name.endsWith('storagekey') ||
    (name.includes('azure') && name.endsWith('key'))
  ) {
    if (/^[A-Za-z0-9+/]{86}==$/.test(value) && entropy >= 4.5) {
      return {
        rule: azureStorage,
        why: `an 88-character base64 key assigned to \`AccountKey\` or a storage-key name; ${bits}.`,
      };
    }
  }
  if ((name.includes('azure') || name.includes('aad') || name.includes('entra')) && name.endsWith('secret')) {
    if (/^[A-Za-z0-9_~.-]{30,44}$/.test(value) && entropy >= 4) {
      return {
        rule: azureClientSecret,
        why: `a 30–44 character value assigned to an Azure client-secret name; ${bits}.`,
      };
    }
  }
  if (name.includes('twilio') && /^[0-9a-f]{32}$/.test(value) && entropy >= 2.9) {
    return { rule: twilioAuth, why: `32 hex digits assigned to a Twilio name; ${bits}.` };
  }
  if (isGenericSecret(value, entropy)) {
    return {
      rule: generic,
      why: `a ${value.length}-character value assigned to a secret-like name; ${bits}.`,
    };
  }
  return undefined;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const dottedPath = /^[A-Za-z_$][\w$]{0,64}(?:\.[A-Za-z_$][\w$]{0,64}){1,8}$/;
const fileLike = /\.(?:json|pem|key|crt|cer|p12|pfx|jks|txt|ya?ml|env|ini|conf|cfg|toml|xml)$/i;

function isGenericSecret(value: string, entropy: number): boolean {
  if (/\s/.test(value)) return false;
  if (uuid.test(value) || dottedPath.test(value) || fileLike.test(value)) return false;
  if (value.includes('://') || value.startsWith('data:') || /^(?:\.{0,2}\/|~\/)/.test(value)) return false;
  if (/^[0-9.:-]+$/.test(value)) return false; // numbers, dates, versions, addresses
  // Words and numbers joined by separators: names such as `service-3684` or `my-app-secret`.
  if (/^(?:[a-z]{1,32}|[0-9]{1,32})(?:[-_.](?:[a-z]{1,32}|[0-9]{1,32})){1,8}$/i.test(value)) return false;
  if (/^[0-9a-fA-F]+$/.test(value)) return value.length >= 20 && entropy >= 3;
  // Letters (and underscores) only: an identifier or a word unless long, random and mixed-case.
  if (/^[A-Za-z_]+$/.test(value)) {
    return value.length >= 24 && entropy >= 4 && /[a-z]/.test(value) && /[A-Z]/.test(value);
  }
  if (value.length < 16) return entropy >= Math.log2(value.length) - 0.35;
  return entropy >= 3.5;
}

/** Lower-case without `_`, `.`, `-` and a leading `$` or `:`. */
function normalise(name: string): string {
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
function readAssignment(ctx: MatchContext, at: number, keyword: string): Assignment | undefined {
  const { text } = ctx;
  const floor = Math.max(0, at - maxName);
  let nameStart = at;
  while (nameStart > floor && isNameChar(text.charCodeAt(nameStart - 1))) nameStart--;
  if (nameStart === floor && floor > 0 && isNameChar(text.charCodeAt(floor - 1))) return undefined;
  // A segment of a path or an ARN (`arn:aws:secretsmanager:…:secret:Name`, `/secret/x`), not a name.
  const before = text[nameStart - 1];
  if (before === ':' || before === '/') return undefined;
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

const assignment: Rule = {
  ...generic,
  keywords: ['secret', 'pass', 'pwd', 'token', 'key', 'credential', 'bearer'],
  triggers: [],
  priority: priority.generic,
  maxLength: 2 * maxName + maxValue + 32,
  match(ctx, at, keyword) {
    if (ctx.lockfile || at < (ctx.memo.get('nameEnd') ?? -1)) return undefined;
    const found = readAssignment(ctx, at, keyword);
    if (!found) return undefined;
    const name = normalise(found.name);
    if (!secretName.test(name) || isNotSecretName(name)) return undefined;
    const value = ctx.text.slice(found.valueStart, found.valueEnd).trim();
    if (value.length < 12 || isNotALiteralSecret(value, found.quoted)) return undefined;
    const valueStart = ctx.text.indexOf(value, found.valueStart);
    const classified = classify(name, value);
    if (!classified) return undefined;
    const { rule } = classified;
    return {
      rule: rule.id,
      start: valueStart,
      end: valueStart + value.length,
      why: classified.why,
      masked: mask(value),
      message: `${rule.title} hard-coded in \`${found.name}\``,
      // A provider token in the value is reported by its own rule, which wins the overlap.
      resumeAt: valueStart,
    };
  },
};

/** A Twilio account SID on a line, and a 32-hex auth token after it on the same line. */
const twilioSidPair: Rule = {
  ...twilioAuth,
  triggers: ['AC'],
  priority: priority.context,
  maxLength: 240,
  match(ctx, at) {
    const { text } = ctx;
    if (at > 0 && isAlnum(text.charCodeAt(at - 1))) return undefined;
    const sidEnd = ctx.runEnd(at, classes.alnum);
    if (sidEnd - at !== 34 || !/^AC[0-9a-f]{32}$/.test(text.slice(at, sidEnd))) return undefined;
    const limit = Math.min(text.length, sidEnd + 200);
    ctx.stats.examined += 200;
    for (let i = sidEnd; i < limit; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) return undefined;
      if (isAlnum(text.charCodeAt(i - 1)) || !inClass(classes.hex, c)) continue;
      let end = i;
      while (end < i + 33 && end < text.length && isAlnum(text.charCodeAt(end))) end++;
      const token = text.slice(i, end);
      if (token.length === 32 && /^[0-9a-f]{32}$/.test(token) && !isPlaceholder(token)) {
        const entropy = shannonEntropy(token);
        if (entropy >= 2.9 && !isRepetitive(token)) {
          return {
            start: i,
            end,
            why: `32 hex digits on the same line after a Twilio account SID (\`AC…\`); entropy ${entropy.toFixed(1)} bits per character.`,
            masked: mask(token),
          };
        }
      }
      i = end;
    }
    return undefined;
  },
};

function metadataOnly(rule: RuleInfo): Rule {
  return { ...rule, triggers: [], priority: priority.context, maxLength: 0, match: () => undefined };
}

export const contextRules: Rule[] = [
  twilioSidPair,
  metadataOnly(awsSecret),
  metadataOnly(azureStorage),
  metadataOnly(azureClientSecret),
  assignment,
];
