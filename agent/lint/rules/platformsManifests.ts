// Platforms group, part 4: secrets recognised by the file structure around them — a registry login
// in a Docker config's `auths`, a Kubernetes `Secret` manifest's values — and the Firebase web
// config's API key, which is published by design and so only worth an `info`.
import { mask } from '../../base/redact';
import { tokenRule } from './define';
import { isPlaceholder, isRepetitive, shannonEntropy } from './filters';
import { classes, priority, type Rule, type RuleInfo } from './types';
import { namesItself } from './valueShapes';

function info(rule: Omit<RuleInfo, 'severity'>): RuleInfo {
  return { ...rule, severity: 'warning' };
}

/** A value a person chose as a stand-in (`changeme`, `password123`, `{{ x }}`), or too weak to matter. */
function isSecretText(value: string): boolean {
  if (value.length < 8 || isPlaceholder(value) || isRepetitive(value) || namesItself(value)) return false;
  if (/^(?:https?:\/\/[^@]*|[0-9.:]+|true|false|null)$/i.test(value)) return false;
  return shannonEntropy(value) >= 2.8;
}

// Docker's config.json (docs.docker.com/reference/cli/docker/login/#credential-stores): without a
// credential helper, `auths.<registry>.auth` holds base64("user:password").
const dockerAuth = /"auth"[ \t]{0,4}:[ \t]{0,4}"([A-Za-z0-9+/]{8,1000}={0,2})"/y;

const dockerConfigAuth: Rule = {
  ...info({
    id: 'docker-config-auth',
    provider: 'Docker',
    title: 'Registry credentials in a Docker config',
    description:
      'A registry login stored in a Docker `config.json` (or a `.dockerconfigjson`): an `"auth"` entry under `"auths"` whose value is the base64 of `user:password`. The password or token is readable by anyone with the file.',
    fix: 'Change the registry password or token, remove the entry, and use a credential helper (`credsStore`/`credHelpers`) or `docker login` in CI from a secret.',
    envName: 'DOCKER_AUTH_CONFIG',
    shape:
      '`"auth": "<base64>"` inside an `"auths"` object, where the base64 decodes to `user:password` with a real-looking password.',
  }),
  triggers: ['"auth"'],
  priority: priority.provider,
  maxLength: 1100,
  match(ctx, at) {
    const { text } = ctx;
    ctx.stats.ruleExecs++;
    dockerAuth.lastIndex = at;
    const found = dockerAuth.exec(text);
    if (!found?.[1]) return undefined;
    // Only a Docker config's `auths` map holds these; 4 KB back covers its registries before this one.
    const from = Math.max(0, at - 4096);
    ctx.stats.examined += at - from;
    if (!text.slice(from, at).includes('"auths"')) return undefined;
    const decoded = Buffer.from(found[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1 || !isPrintable(decoded)) return undefined;
    if (!isSecretText(decoded.slice(colon + 1))) return undefined;
    // The value ends one character (its closing quote) before the match.
    const valueStart = at + found[0].length - 1 - found[1].length;
    return {
      start: valueStart,
      end: valueStart + found[1].length,
      why: `an \`auths\` entry whose base64 decodes to \`user:password\` (a ${decoded.length - colon - 1}-character password).`,
      masked: mask(found[1]),
    };
  },
};

// Kubernetes Secret (kubernetes.io/docs/concepts/configuration/secret/; gitleaks kubernetes-secret-yaml):
// `kind: Secret` with `data:` (base64 values) or `stringData:` (plain values) in the same document.
const documentLimit = 16_384;
// Keys that name a Secret's non-secret parts: who, where and public certificates.
const publicKeys = new Set([
  'username',
  'user',
  'host',
  'hostname',
  'port',
  'database',
  'namespace',
  'ca.crt',
  'tls.crt',
  'url',
  'endpoint',
  'region',
  'email',
]);
const entryLine = /^([ \t]{1,16})([A-Za-z0-9._-]{1,253}):[ \t]{0,8}(\S{0,4096})[ \t]{0,8}$/;

interface SecretValue {
  key: string;
  start: number;
  end: number;
}

/** The first value of a `data:` or `stringData:` block in [from, to) that holds a secret. */
function secretValue(text: string, from: number, to: number): SecretValue | undefined {
  let block: 'data' | 'stringData' | undefined;
  let offset = from;
  for (const line of text.slice(from, to).split('\n')) {
    const lineStart = offset;
    offset += line.length + 1;
    const header = /^(data|stringData):[ \t]{0,8}\r?$/.exec(line);
    if (header) {
      block = header[1] as 'data' | 'stringData';
      continue;
    }
    if (!block) continue;
    const entry = entryLine.exec(line.replace(/\r$/, ''));
    if (!entry) {
      if (line.trim() !== '' && !/^[ \t]/.test(line)) block = undefined;
      continue;
    }
    const [, indent = '', key = '', raw = ''] = entry;
    const value = raw.replace(/^["']|["']$/g, '');
    if (value === '' || publicKeys.has(key.toLowerCase())) continue;
    if (block === 'data' ? !isBase64Secret(value) : !isSecretText(value)) continue;
    const start = text.indexOf(value, lineStart + indent.length + key.length + 1);
    return { key, start, end: start + value.length };
  }
  return undefined;
}

/** Printable ASCII, tabs and line breaks: what a decoded password or token is made of. */
function isPrintable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 || c > 126) && c !== 9 && c !== 10 && c !== 13) return false;
  }
  return true;
}

function isBase64Secret(value: string): boolean {
  if (!/^[A-Za-z0-9+/]{8,4096}={0,2}$/.test(value)) return false;
  const bytes = Buffer.from(value, 'base64');
  const text = bytes.toString('utf8');
  // Key material and keystores decode to bytes, not text: secret whenever they are long enough.
  if (!isPrintable(text)) return bytes.length >= 16;
  return isSecretText(text.trim());
}

const kubernetesSecret: Rule = {
  ...info({
    id: 'kubernetes-secret',
    provider: 'Kubernetes',
    title: 'Kubernetes Secret manifest with values',
    description:
      'A Kubernetes `Secret` manifest (`kind: Secret`) whose `data:` values decode (base64) to, or whose `stringData:` values are, real-looking secrets. Base64 is an encoding, not encryption: the values are as good as plain text in the repository.',
    fix: 'Change the values it held, remove them from the manifest, and create the Secret from a secret store at deploy time (External Secrets, Sealed Secrets, SOPS, or `kubectl create secret` in CI).',
    envName: 'KUBERNETES_SECRET',
    shape:
      '`kind: Secret` and, in the same YAML document, a `data:` value that decodes to a non-placeholder secret (or binary key material), or a `stringData:` value that is one. `username`, `host`, `ca.crt` and the like are skipped.',
  }),
  triggers: ['kind: Secret'],
  priority: priority.provider,
  maxLength: 2 * documentLimit,
  match(ctx, at) {
    const { text } = ctx;
    // `kind: SecretStore`, `kind: SecretProviderClass` are other resources.
    if (/[A-Za-z0-9]/.test(text[at + 12] ?? '')) return undefined;
    if (at > 0 && text[at - 1] !== '\n' && text[at - 1] !== ' ' && text[at - 1] !== '\t') return undefined;
    const floor = Math.max(0, at - documentLimit);
    const separator = text.lastIndexOf('\n---', at);
    const from = separator >= floor ? separator + 4 : floor;
    const next = ctx.indexOf('\n---', at);
    const to = Math.min(next === -1 ? text.length : next, at + documentLimit);
    ctx.stats.ruleExecs++;
    ctx.stats.examined += to - from;
    const found = secretValue(text, from, to);
    if (!found) return undefined;
    return {
      start: found.start,
      end: found.end,
      why: `a \`kind: Secret\` manifest whose \`${found.key}\` holds a real-looking value.`,
      message: `Kubernetes Secret manifest holds a value in \`${found.key}\``,
      masked: mask(text.slice(found.start, found.end)),
      resumeAt: to,
    };
  },
};

// A Firebase web config (firebase.google.com/docs/projects/api-keys): its `apiKey` is a Google API
// key (`AIza…`) that identifies the project and is shipped to every browser; security comes from
// Firebase Security Rules and App Check. Tried before google-api-key: its trigger `AIzaSy` is longer.
const firebaseMarkers = ['authDomain', 'firebaseapp.com', 'initializeApp', 'messagingSenderId'];
const googleKey = tokenRule({
  id: 'firebase-web-api-key',
  provider: 'Firebase',
  title: 'Firebase web API key (public)',
  description:
    'A Google API key inside a Firebase web app config (next to `authDomain`, `firebaseapp.com`, `messagingSenderId` or `initializeApp`). Firebase publishes this key to every browser: it is not a secret, and is listed for information only. Make sure the key is restricted and that Security Rules and App Check protect the data.',
  fix: 'Nothing to rotate. Check the key restrictions in the Google Cloud console (APIs & Services, Credentials) and that Firebase Security Rules protect the data.',
  envName: 'FIREBASE_API_KEY',
  severity: 'info',
  triggers: ['AIzaSy'],
  pattern: /AIza[A-Za-z0-9_-]{35}/y,
  cls: classes.b64url,
  length: [39, 39],
  randomFrom: 4,
  minEntropy: 3.8,
  why: 'a Google API key (`AIza` and 35 base64url characters) inside a Firebase web config',
});

const firebaseWebApiKey: Rule = {
  ...googleKey,
  match(ctx, at, trigger) {
    const from = Math.max(0, at - 600);
    const to = Math.min(ctx.text.length, at + 600);
    ctx.stats.examined += to - from;
    const around = ctx.text.slice(from, to);
    if (!firebaseMarkers.some((marker) => around.includes(marker))) return undefined;
    return googleKey.match(ctx, at, trigger);
  },
};

export const platformsManifestRules: Rule[] = [dockerConfigAuth, kubernetesSecret, firebaseWebApiKey];
