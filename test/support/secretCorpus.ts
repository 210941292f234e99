// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` is the literal text under test here.
// A labelled corpus of fake secrets, generated at run time from a seed so that no token-shaped
// literal is ever committed: for every rule, true positives in several languages' syntax, and
// look-alike decoys (placeholders, documented examples, wrong lengths, low entropy, near-miss
// prefixes, hashes, UUIDs, base64 images) that must not be reported.
import { allRules } from '../../agent/lint/rules';
import { fillerLine, type Language, languages } from './corpusFiller';

export {
  A,
  alphabets,
  type Gen,
  makeJwt,
  named,
  neutral,
  type Rng,
  randomString,
  rng,
  rs,
  type Sample,
  s,
} from './corpusPrimitives';

import { sampleGroups } from './corpus';
import { badCrcToken, crcToken } from './corpus/platformsTokens';
import { A, b64url, type Gen, makeJwt, named, neutral, type Rng, rng, rs, s } from './corpusPrimitives';

function pem(r: Rng, kind: string, body: string): string {
  const lines = [`-----BEGIN ${kind}-----`];
  for (let i = 0; i < body.length; i += 64) lines.push(body.slice(i, i + 64));
  lines.push(`-----END ${kind}-----`);
  return r.next() < 0.5 ? lines.join('\n') : lines.join('\\n');
}

const pemRender = (value: string, language: Language): string =>
  value.includes('\\n') && language !== 'env' ? `const keyData = "${value}";` : value;

const discordId = (r: Rng) => `${1 + r.int(9)}${rs(r, 17, A.digits)}`;
const b64NoPad = (text: string) => Buffer.from(text).toString('base64').replace(/=+$/, '');

/** True positives: the rule id each must be reported under, and a generator. */
export const positives: Record<string, Gen[]> = {
  'anthropic-api-key': [(r) => s(`sk-ant-api03-${rs(r, 93, A.b64url)}AA`)],
  'openai-api-key': [
    (r) => s(`sk-${rs(r, 20, A.alnum)}T3BlbkFJ${rs(r, 20, A.alnum)}`),
    (r) => s(`sk-proj-${rs(r, 74, A.b64url)}T3BlbkFJ${rs(r, 74, A.b64url)}`),
    (r) => s(`sk-svcacct-${rs(r, 58, A.b64url)}T3BlbkFJ${rs(r, 58, A.b64url)}`),
    (r) => s(`sk-admin-${rs(r, 58, A.b64url)}T3BlbkFJ${rs(r, 58, A.b64url)}`),
  ],
  'huggingface-token': [(r) => s(`hf_${rs(r, 34, A.letters)}`)],
  'groq-api-key': [(r) => s(`gsk_${rs(r, 52, A.alnum)}`)],
  'xai-api-key': [(r) => s(`xai-${rs(r, 80, A.alnum)}`)],
  'perplexity-api-key': [(r) => s(`pplx-${rs(r, 48, A.alnum)}`)],
  'replicate-api-token': [(r) => s(`r8_${rs(r, 37, A.alnum)}`)],
  'github-token': [(r) => s(crcToken(r, `gh${r.pick(['p', 'o', 'u', 's', 'r'])}_`))],
  'github-fine-grained-pat': [(r) => s(`github_pat_${rs(r, 22, A.alnum)}_${rs(r, 59, A.alnum)}`)],
  'gitlab-token': [(r) => s(`${r.pick(['glpat-', 'gldt-', 'glrt-'])}${rs(r, 20, A.b64url)}`)],
  'bitbucket-app-password': [(r) => s(`ATBB${rs(r, 32, A.alnum)}`)],
  'npm-token': [(r) => s(crcToken(r, 'npm_'))],
  'pypi-token': [(r) => s(`pypi-AgEIcHlwaS5vcmc${rs(r, 150, A.b64url)}`)],
  'rubygems-api-key': [(r) => s(`rubygems_${rs(r, 48, A.hex)}`)],
  'dockerhub-token': [(r) => s(`dckr_pat_${rs(r, 27, A.b64url)}`)],
  'atlassian-api-token': [(r) => s(`ATATT3${rs(r, 180, A.b64url)}=${rs(r, 8, A.hex.toUpperCase())}`)],
  'aws-access-key-id': [(r) => s(`${r.pick(['AKIA', 'ASIA', 'ABIA', 'ACCA'])}${rs(r, 16, A.base32)}`)],
  'google-api-key': [(r) => s(`AIza${rs(r, 35, A.b64url)}`)],
  'google-oauth-client-secret': [(r) => s(`GOCSPX-${rs(r, 28, A.b64url)}`)],
  'azure-ad-client-secret': [(r) => s(`${rs(r, 3, A.alnum)}${r.int(10)}Q~${rs(r, 34, A.azure)}`)],
  'digitalocean-token': [(r) => s(`${r.pick(['dop', 'doo', 'dor'])}_v1_${rs(r, 64, A.hex)}`)],
  'databricks-token': [(r) => s(`dapi${rs(r, 32, A.hex)}`)],
  'vault-token': [(r) => s(`${r.pick(['hvs.', 'hvb.'])}${rs(r, 91, A.b64url)}`)],
  'terraform-cloud-token': [(r) => s(`${rs(r, 14, A.alnum)}.atlasv1.${rs(r, 67, A.b64url)}`)],
  'doppler-token': [(r) => s(`${r.pick(['dp.pt.', 'dp.st.', 'dp.sa.'])}${rs(r, 43, A.alnum)}`)],
  'pulumi-access-token': [(r) => s(`pul-${rs(r, 40, A.hex)}`)],
  'supabase-token': [(r) => s(`sbp_${rs(r, 40, A.hex)}`)],
  'planetscale-token': [(r) => s(`${r.pick(['pscale_tkn_', 'pscale_pw_'])}${rs(r, 43, A.alnum)}`)],
  'age-secret-key': [(r) => s(`AGE-SECRET-KEY-1${rs(r, 58, A.bech32)}`)],
  'slack-token': [
    (r) => s(`xoxb-${rs(r, 12, A.digits)}-${rs(r, 13, A.digits)}-${rs(r, 24, A.alnum)}`),
    (r) => s(`xoxp-${rs(r, 12, A.digits)}-${rs(r, 12, A.digits)}-${rs(r, 13, A.digits)}-${rs(r, 32, A.hex)}`),
    (r) => s(`xapp-1-A${rs(r, 10, A.upperDigits)}-${rs(r, 13, A.digits)}-${rs(r, 64, A.hex)}`),
  ],
  'stripe-secret-key': [(r) => s(`${r.pick(['sk', 'rk'])}_live_${rs(r, r.pick([24, 99]), A.alnum)}`)],
  'sendgrid-api-key': [(r) => s(`SG.${rs(r, 22, A.b64url)}.${rs(r, 43, A.b64url)}`)],
  'twilio-api-key': [(r) => s(`SK${rs(r, 32, A.hex)}`)],
  'shopify-token': [(r) => s(`${r.pick(['shpat_', 'shpss_', 'shpca_', 'shppa_'])}${rs(r, 32, A.hex)}`)],
  'discord-bot-token': [(r) => s(`${b64NoPad(discordId(r))}.${rs(r, 6, A.b64url)}.${rs(r, 38, A.b64url)}`)],
  'mailgun-api-key': [(r) => s(`key-${rs(r, 32, A.hex)}`)],
  'telegram-bot-token': [(r) => s(`${1 + r.int(9)}${rs(r, 9, A.digits)}:AA${rs(r, 33, A.b64url)}`)],
  'linear-api-key': [(r) => s(`lin_api_${rs(r, 40, A.alnum)}`)],
  // Key id (often ending CNTRL) and secret, from tailscale.com/kb/1277/key-prefixes.
  'tailscale-key': [
    (r) =>
      s(
        `tskey-${r.pick(['api', 'auth', 'client', 'scim', 'webhook'])}-${rs(r, 7, A.alnum)}CNTRL-${rs(r, 32, A.alnum)}`,
      ),
  ],
  'notion-token': [(r) => s(`ntn_${rs(r, 11, A.digits)}${rs(r, 35, A.alnum)}`)],
  'figma-token': [(r) => s(`figd_${rs(r, 40, A.b64url)}`)],
  'postman-api-key': [(r) => s(`PMAK-${rs(r, 24, A.hex)}-${rs(r, 34, A.hex)}`)],
  'sentry-token': [(r) => s(`sntryu_${rs(r, 64, A.hex)}`)],
  'grafana-token': [(r) => s(`glsa_${rs(r, 32, A.alnum)}_${rs(r, 8, A.hex)}`)],
  'newrelic-api-key': [(r) => s(`NRAK-${rs(r, 27, A.upperDigits)}`)],
  'square-token': [
    (r) => s(r.next() < 0.5 ? `sq0atp-${rs(r, 22, A.b64url)}` : `sq0csp-${rs(r, 43, A.b64url)}`),
  ],
  'dynatrace-token': [(r) => s(`dt0c01.${rs(r, 24, A.upperDigits)}.${rs(r, 64, A.upperDigits)}`)],
  'private-key': [
    (r) => ({ value: pem(r, 'RSA PRIVATE KEY', `MII${rs(r, 600, A.b64)}`), render: pemRender }),
    (r) => ({ value: pem(r, 'PRIVATE KEY', `MII${rs(r, 400, A.b64)}`), render: pemRender }),
    (r) => ({
      value: pem(r, 'OPENSSH PRIVATE KEY', `b3BlbnNzaC1rZXktdjE${rs(r, 300, A.b64)}`),
      render: pemRender,
    }),
    (r) => ({
      value: pem(r, 'EC PRIVATE KEY', `MHcCAQEEI${rs(r, 150, A.b64)}`.replace(/^MH/, 'MI')),
      render: pemRender,
    }),
  ],
  jwt: [
    (r) =>
      s(
        makeJwt(r, {
          sub: rs(r, 8, A.lower),
          iss: 'https://login.internal',
          exp: 1_700_000_000 + r.int(1e8),
        }),
      ),
    (r) => s(makeJwt(r, { sub: rs(r, 8, A.lower), scope: 'read write' }, { alg: 'HS256' })),
  ],
  'url-credentials': [
    (r) => ({
      value: `${r.pick(['postgres', 'mysql', 'redis', 'amqp', 'mongodb+srv', 'https'])}://${rs(r, 6, A.lower)}:${rs(r, 16, A.alnum)}@${rs(r, 8, A.lower)}.internal:5432/${rs(r, 4, A.lower)}`,
    }),
  ],
  'slack-webhook': [
    (r) =>
      s(
        `https://hooks.slack.com/services/T${rs(r, 10, A.upperDigits)}/B${rs(r, 10, A.upperDigits)}/${rs(r, 24, A.alnum)}`,
      ),
  ],
  'discord-webhook': [(r) => s(`https://discord.com/api/webhooks/${discordId(r)}/${rs(r, 68, A.b64url)}`)],
  'aws-secret-access-key': [
    (r) => ({
      value: rs(r, 40, A.b64),
      render: named(['aws_secret_access_key', 'AWS_SECRET_ACCESS_KEY', 'awsSecretKey', 'SecretAccessKey']),
    }),
  ],
  'azure-storage-account-key': [
    (r) => ({
      value: `${rs(r, 86, A.b64)}==`,
      render: (v) =>
        `conn = "DefaultEndpointsProtocol=https;AccountName=${rs(r, 10, A.lower)};AccountKey=${v};EndpointSuffix=core.windows.net"`,
    }),
    (r) => ({ value: `${rs(r, 86, A.b64)}==`, render: named(['AZURE_STORAGE_KEY', 'storage_account_key']) }),
  ],
  'azure-client-secret-context': [
    (r) => ({
      value: rs(r, 34, `${A.alnum}_.-`),
      render: named(['AZURE_CLIENT_SECRET', 'azureClientSecret', 'aad_client_secret']),
    }),
  ],
  'twilio-auth-token': [
    (r) => ({ value: rs(r, 32, A.hex), render: named(['TWILIO_AUTH_TOKEN', 'twilioAuthToken']) }),
    (r) => ({ value: rs(r, 32, A.hex), render: (v) => `client = Client("AC${rs(r, 32, A.hex)}", "${v}")` }),
  ],
  'generic-secret': [
    (r) => ({
      value: rs(r, 16 + r.int(24), A.password),
      render: named([
        'password',
        'db_password',
        'API_KEY',
        'client_secret',
        'SECRET_KEY',
        'apiToken',
        'authToken',
        'signing_key',
      ]),
    }),
    (r) => ({ value: rs(r, 32, A.alnum), render: (v) => `headers.put("X-Api-Key", "${v}");` }),
    (r) => ({ value: rs(r, 24, A.alnum), render: (v) => `<password>${v}</password>` }),
    (r) => ({ value: rs(r, 40, A.hex), render: named(['webhook_secret', 'SESSION_SECRET']) }),
    (r) => ({ value: rs(r, 30, A.alnum), render: (v) => `const token: string = "${v}";` }),
  ],
  ...Object.assign({}, ...sampleGroups.map((group) => group.positives)),
  // Last, so that the samples drawn for every rule above stay what they were before these existed.
  'github-token-unverified': [(r) => s(badCrcToken(r, `gh${r.pick(['p', 'o', 'u', 's', 'r'])}_`))],
  'npm-token-unverified': [(r) => s(badCrcToken(r, 'npm_'))],
};

/** Replaces the random tail of a value, keeping its prefix. */
const keepPrefix = (value: string, prefixLength: number, tail: string) =>
  value.slice(0, prefixLength) +
  tail.slice(0, value.length - prefixLength).padEnd(value.length - prefixLength, tail);

/** Decoys made from a positive of the same rule: each must not be reported. */
function derivedDecoys(rule: string, r: Rng): string[] {
  const gen = positives[rule]?.[0];
  const definition = allRules.find((candidate) => candidate.id === rule);
  if (!gen || !definition || definition.triggers.length === 0) return [];
  const { value } = gen(r);
  if (value.includes('\n') || value.includes('://') || value.includes('\\n')) return [];
  const trigger = [...definition.triggers]
    .sort((a, b) => b.length - a.length)
    .find((t) => value.startsWith(t));
  const prefix = trigger?.length ?? 4;
  const decoys = [
    keepPrefix(value, prefix, 'x'),
    keepPrefix(value, prefix, 'X'),
    `${value.slice(0, -7)}EXAMPLE`,
    keepPrefix(value, prefix, 'a'),
    keepPrefix(value, prefix, '0123456789abcdefghijklmnopqrstuvwxyz'),
    keepPrefix(value, prefix, 'ab'),
    `${value.slice(0, prefix)}your-token-here`,
    `${value.slice(0, prefix)}<token>`,
    `X${value}`,
  ];
  // Wrong lengths only make sense for fixed-length formats.
  if (positives[rule]?.length === 1 && isFixedLength(rule)) {
    decoys.push(value.slice(0, -3), `${value}${rs(r, 6, A.alnum)}`);
  }
  return decoys;
}

const variableLength = new Set([
  'stripe-secret-key',
  'pypi-token',
  'atlassian-api-token',
  'gitlab-token',
  'slack-token',
  'openai-api-key',
  'anthropic-api-key',
  'vault-token',
  'figma-token',
  'planetscale-token',
  'square-token',
  'terraform-cloud-token',
  'doppler-token',
  'discord-bot-token',
  'databricks-token',
  'azure-ad-client-secret',
  'tailscale-key',
  ...sampleGroups.flatMap((group) => group.variableLength),
]);

function isFixedLength(rule: string): boolean {
  return !variableLength.has(rule);
}

/** Decoys specific to a rule: the near misses people actually write. */
const specificDecoys: Record<string, ((r: Rng) => string)[]> = {
  'stripe-secret-key': [(r) => `pk_live_${rs(r, 24, A.alnum)}`, (r) => `sk_test_${rs(r, 24, A.alnum)}`],
  'aws-access-key-id': [
    () => 'AKIAIOSFODNN7EXAMPLE',
    (r) => `AKIA${rs(r, 16, '0189')}`,
    (r) => `AKIA${rs(r, 16, A.lower)}`,
  ],
  'openai-api-key': [(r) => `sk-${rs(r, 48, A.alnum)}`, (r) => `sk-proj-${rs(r, 100, A.b64url)}`],
  'anthropic-api-key': [(r) => `sk-ant-api03-${rs(r, 95, A.b64url)}xy`],
  jwt: [
    (r) => `eyJ${rs(r, 30, A.alnum)}.eyJ${rs(r, 40, A.alnum)}.${rs(r, 43, A.b64url)}`,
    (r) => `${b64url({ typ: 'JWT' })}.${b64url({ sub: rs(r, 5, A.lower) })}.${rs(r, 43, A.b64url)}`,
    (r) =>
      `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: '1234567890', name: 'John Doe', iat: 1516239022 })}.${rs(r, 43, A.b64url)}`,
    () => 'eyJhbGciOiJIUzI1NiJ9',
  ],
  'private-key': [
    () => '-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----',
    () => '-----BEGIN RSA PRIVATE KEY-----\n<your key here>\n-----END RSA PRIVATE KEY-----',
    (r) => `-----BEGIN PUBLIC KEY-----\nMII${rs(r, 300, A.b64)}\n-----END PUBLIC KEY-----`,
    (r) => `-----BEGIN CERTIFICATE-----\nMII${rs(r, 600, A.b64)}\n-----END CERTIFICATE-----`,
    () => 'const pattern = /-----BEGIN [A-Z ]+PRIVATE KEY-----/;',
  ],
  'url-credentials': [
    () => 'postgres://user:password@localhost:5432/app',
    () => 'https://deploy:${DEPLOY_PASSWORD}@registry.internal/',
    () => 'https://admin:changeme@example.com/',
    () => 'postgres://postgres:postgres@db:5432/postgres',
    () => 'https://x-access-token:<token>@github.com/org/repo.git',
    (r) => `https://${rs(r, 6, A.lower)}:${rs(r, 12, A.alnum)}@api.example.com/`,
    () => 'mysql://root:%DB_PASSWORD%@mysql:3306/db',
    (r) => `https://docs.internal/${rs(r, 8, A.lower)}?a=b:c@d`,
  ],
  'slack-webhook': [
    () => 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
    (r) =>
      `https://hooks.slack.com/services/T${rs(r, 10, A.upperDigits)}/B${rs(r, 10, A.upperDigits)}/${rs(r, 12, A.alnum)}`,
  ],
  'discord-webhook': [
    (r) => `https://discord.com/api/webhooks/123/${rs(r, 20, A.b64url)}`,
    (r) => `https://discord.com/api/webhooks/${rs(r, 18, A.digits)}/${'x'.repeat(68)}`,
  ],
  'twilio-api-key': [
    (r) => `SK${rs(r, 31, A.hex)}`,
    (r) => `SK${rs(r, 32, A.hex.toUpperCase()).replace(/[0-9]/g, 'G')}`,
  ],
  'twilio-auth-token': [(r) => `sid = "AC${rs(r, 32, A.hex)}"`],
  'discord-bot-token': [
    (r) => `${b64NoPad(rs(r, 18, A.lower))}.${rs(r, 6, A.b64url)}.${rs(r, 38, A.b64url)}`,
  ],
  'mailgun-api-key': [(r) => `api-key-${rs(r, 12, A.lower)}`],
  'azure-ad-client-secret': [(r) => `~/${rs(r, 4, A.lower)}Q~`],
  'generic-secret': [
    () => 'password = "changeme"',
    () => 'password = process.env.DB_PASSWORD',
    () => 'apiKey: ${API_KEY}',
    () => 'token = "{{ .Values.token }}"',
    () => 'secret_name = "my-app-secret"',
    () => 'password_field = "password"',
    () => 'token = getToken()',
    () => 'const tokenUrl = "https://login.internal/oauth2/token"',
    () => 'SECRET_KEY = "%SECRET_KEY%"',
    () => 'api_key = "your-api-key-here"',
    (r) => `api_key = "${uuid(r)}"`,
    () => 'max_tokens = 4096',
    () => 'password = "********"',
    (r) => `nextPageToken: "${rs(r, 40, A.b64url)}"`,
    () => 'export API_TOKEN=$(token-agent get api)',
    () => 'const secret = config.auth.clientSecret;',
    () => 'token_path = "/var/run/secrets/kubernetes.io/serviceaccount/token"',
    () => 'password: "hunter2"',
    () => 'SECRET_KEY = "django-insecure-changeme"',
    () => 'TOKEN_ENV_VAR = "GITHUB_TOKEN_FOR_RELEASE"',
  ],
  ...Object.assign({}, ...sampleGroups.map((group) => group.decoys)),
};

export function uuid(r: Rng): string {
  const h = (n: number) => rs(r, n, A.hex);
  return `${h(8)}-${h(4)}-4${h(3)}-${r.pick(['8', '9', 'a', 'b'])}${h(3)}-${h(12)}`;
}

/** Hashes and blobs any codebase has, none of them secrets. */
export const globalDecoys: ((r: Rng) => string)[] = [
  (r) => `    "integrity": "sha512-${rs(r, 86, A.b64)}==",`,
  (r) => `  integrity="sha384-${rs(r, 64, A.b64)}"`,
  (r) => `const requestId = "${uuid(r)}";`,
  (r) => `commit: ${rs(r, 40, A.hex)}`,
  (r) => `sha256: ${rs(r, 64, A.hex)}`,
  (r) => `<img src="data:image/png;base64,iVBORw0KGgo${rs(r, 1500, A.b64)}=" />`,
  (r) => `const blob = "${rs(r, 200, A.b64)}";`,
  (r) => `github.com/${rs(r, 6, A.lower)}/${rs(r, 6, A.lower)} v1.2.3 h1:${rs(r, 43, A.b64)}=`,
  (r) => `color: #${rs(r, 6, A.hex)};`,
  (r) => `const nonce = crypto.randomBytes(16).toString('hex'); // e.g. ${rs(r, 8, A.hex)}`,
];

export interface Label {
  rule: string;
  start: number;
  end: number;
}

export interface CorpusDocument {
  path: string;
  text: string;
  /** Planted secrets that must be found. */
  labels: Label[];
}

const extensions: Record<Language, string> = {
  ts: 'ts',
  py: 'py',
  go: 'go',
  yaml: 'yaml',
  json: 'json',
  sh: 'sh',
  env: 'env',
};

export interface CorpusOptions {
  seed: number;
  positivesPerRule: number;
  decoysPerRule: number;
  /** Filler lines between planted lines (average). */
  fillerPerItem?: number;
  /** Planted items per document. */
  itemsPerDocument?: number;
}

interface Item {
  line: string;
  label?: Label;
}

/** Builds documents holding every rule's positives and decoys, shuffled, with filler around them. */
export function buildCorpus(options: CorpusOptions): CorpusDocument[] {
  const r = rng(options.seed);
  const items: Item[] = [];
  for (const [rule, gens] of Object.entries(positives)) {
    for (let i = 0; i < options.positivesPerRule; i++) {
      const sample = (gens[i % gens.length] as Gen)(r);
      const language = r.pick(languages);
      const line = (sample.render ?? neutral)(sample.value, language, r);
      const at = line.indexOf(sample.value);
      items.push({ line, label: { rule, start: at, end: at + sample.value.length } });
    }
    const decoys = [...derivedDecoys(rule, r), ...(specificDecoys[rule] ?? []).map((d) => d(r))];
    for (let i = 0; i < options.decoysPerRule && decoys.length > 0; i++) {
      const decoy = decoys[i % decoys.length] as string;
      const isStatement = /[=:(]/.test(decoy) && /\s/.test(decoy);
      items.push({
        line: isStatement || decoy.includes('-----') ? decoy : neutral(decoy, r.pick(languages), r),
      });
    }
  }
  for (let i = 0; i < options.decoysPerRule * 4; i++) items.push({ line: r.pick(globalDecoys)(r) });
  shuffle(items, r);
  return assemble(items, r, options.itemsPerDocument ?? 40, options.fillerPerItem ?? 3);
}

export function assemble(
  items: Item[],
  r: Rng,
  perDocument: number,
  fillerPerItem: number,
): CorpusDocument[] {
  const documents: CorpusDocument[] = [];
  for (let d = 0; d * perDocument < items.length; d++) {
    const language = r.pick(languages);
    const lines: string[] = [];
    const labels: Label[] = [];
    let offset = 0;
    const push = (line: string) => {
      lines.push(line);
      offset += line.length + 1;
    };
    for (const item of items.slice(d * perDocument, (d + 1) * perDocument)) {
      const filler = r.int(fillerPerItem * 2 + 1);
      for (let f = 0; f < filler; f++) push(fillerLine(r, language));
      if (item.label)
        labels.push({ ...item.label, start: offset + item.label.start, end: offset + item.label.end });
      push(item.line);
    }
    documents.push({ path: `src/file${d}.${extensions[language]}`, text: `${lines.join('\n')}\n`, labels });
  }
  return documents;
}

function shuffle<T>(items: T[], r: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}

export interface RuleScore {
  planted: number;
  found: number;
  reported: number;
  correct: number;
  recall: number;
  precision: number;
}

/** Scores findings against labels, per rule: recall over planted, precision over reported. */
export function score(
  documents: readonly CorpusDocument[],
  findingsFor: (document: CorpusDocument) => readonly { rule: string; start: number; end: number }[],
): Map<string, RuleScore> {
  const scores = new Map<string, RuleScore>();
  const get = (rule: string) => {
    let entry = scores.get(rule);
    if (!entry) {
      entry = { planted: 0, found: 0, reported: 0, correct: 0, recall: 1, precision: 1 };
      scores.set(rule, entry);
    }
    return entry;
  };
  for (const document of documents) {
    const findings = findingsFor(document);
    const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) =>
      a.start < b.end && b.start < a.end;
    for (const label of document.labels) {
      const entry = get(label.rule);
      entry.planted++;
      if (findings.some((f) => f.rule === label.rule && overlaps(f, label))) entry.found++;
    }
    for (const finding of findings) {
      const entry = get(finding.rule);
      entry.reported++;
      if (document.labels.some((l) => l.rule === finding.rule && overlaps(l, finding))) entry.correct++;
    }
  }
  for (const entry of scores.values()) {
    entry.recall = entry.planted === 0 ? 1 : entry.found / entry.planted;
    entry.precision = entry.reported === 0 ? 1 : entry.correct / entry.reported;
  }
  return scores;
}
