// Secrets without a recognisable prefix, found by what they are assigned to: `aws_secret_access_key =
// "…"`, `AccountKey=…;`, `TWILIO_AUTH_TOKEN: …`, `password: "…"`. One analyser reads the name around
// a keyword, the separator and the value (each bounded), then classifies the pair: a provider's
// context rule when the name and the value's shape fit one, else the generic high-entropy rule.
import { mask } from '../../base/redact';
import { aidataContext } from './aidata';
import { appsContext } from './apps';
import { maxName, maxValue, normalise, readAssignment, secretName } from './assignment';
import { type ContextFormat, contextInfo } from './contextFormat';
import { isAlnum } from './define';
import { isKnownExample, isPlaceholder, isRepetitive, shannonEntropy } from './filters';
import { moreContext } from './more';
import { platformsContext } from './platforms';
import { classes, inClass, priority, type Rule, type RuleInfo } from './types';
import { isNotALiteralSecret, isNotSecretName } from './valueShapes';

const info = contextInfo;

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

const ownFormats: ContextFormat[] = [
  {
    rule: awsSecret,
    name: (name) =>
      (name.includes('aws') && name.includes('secret')) ||
      name.endsWith('secretaccesskey') ||
      name === 'secretkey',
    value: /^[A-Za-z0-9/+]{40}$/,
    minEntropy: 4,
    why: '40 base64 characters assigned to an AWS secret-key name',
  },
  {
    rule: azureStorage,
    name: (name) =>
      name.endsWith('accountkey') ||
      name.endsWith('storagekey') ||
      (name.includes('azure') && name.endsWith('key')),
    value: /^[A-Za-z0-9+/]{86}==$/,
    minEntropy: 4.5,
    why: 'an 88-character base64 key assigned to `AccountKey` or a storage-key name',
  },
  {
    rule: azureClientSecret,
    name: (name) =>
      (name.includes('azure') || name.includes('aad') || name.includes('entra')) && name.endsWith('secret'),
    value: /^[A-Za-z0-9_~.-]{30,44}$/,
    minEntropy: 4,
    why: 'a 30–44 character value assigned to an Azure client-secret name',
  },
  {
    rule: twilioAuth,
    name: (name) => name.includes('twilio'),
    value: /^[0-9a-f]{32}$/,
    minEntropy: 2.9,
    why: '32 hex digits assigned to a Twilio name',
  },
];

/** Every provider format known by its name, in the order they are asked. */
const contextFormats: readonly ContextFormat[] = [
  ...ownFormats,
  ...platformsContext,
  ...appsContext,
  ...aidataContext,
  ...moreContext,
];

/** Whether a provider's format takes this name and this value's shape (entropy aside). */
function isProviderShaped(name: string, value: string): boolean {
  for (const format of contextFormats) if (format.name(name) && format.value.test(value)) return true;
  return false;
}

function classifyShape(name: string, value: string): Classification | undefined {
  const entropy = shannonEntropy(value);
  const bits = `entropy ${entropy.toFixed(1)} bits per character`;
  for (const format of contextFormats) {
    if (format.name(name) && format.value.test(value) && entropy >= format.minEntropy) {
      return { rule: format.rule, why: `${format.why}; ${bits}.` };
    }
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
    if (value.length < 12 || isNotALiteralSecret(value, found.quoted, () => isProviderShaped(name, value))) {
      return undefined;
    }
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
  // A rule may have several formats (a key and its secret): each is listed once.
  ...[...new Set(contextFormats.map((format) => format.rule))]
    .filter((rule) => rule !== twilioAuth)
    .map(metadataOnly),
  assignment,
];
