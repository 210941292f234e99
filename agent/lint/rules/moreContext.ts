// The "more" group, part two: secrets with no prefix of their own (a UUID, hex digits), recognised by
// the provider's name in what they are assigned to. Each needs the provider's name AND the shape
// its source documents; the source is cited above each format.
import { type ContextFormat, contextFormat } from './contextFormat';

const rotate = (where: string) =>
  `Revoke it in ${where}, create a new one, and read it from the environment or a secret store.`;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const format = contextFormat;

export const moreContextFormats: ContextFormat[] = [
  // Kingfisher kingfisher.asana.3–5 (developers.asana.com/docs/personal-access-token): `0/` and 32
  // hex digits, `1/`, a numeric id, `:` and 32 hex digits, or `2/`, two 16-digit ids and 32 hex digits.
  format({
    id: 'asana-personal-access-token',
    provider: 'Asana',
    title: 'Asana personal access token',
    description:
      'An Asana personal access or OAuth token (`1/…:…` or `2/…/…:…`, ids and 32 hex digits) assigned to an Asana name.',
    fix: rotate('Asana (My settings, Apps, Developer apps)'),
    envName: 'ASANA_ACCESS_TOKEN',
    shape: '`0/`, `1/<id>:` or `2/<id>/<id>:` and 32 hex digits, assigned to a name containing `asana`.',
    name: (name) => name.includes('asana'),
    value: /^(?:0\/|1\/[0-9]{14,16}:|2\/[0-9]{16}\/[0-9]{16}:)[a-f0-9]{32}$/,
    minEntropy: 3,
    why: 'an Asana token shape assigned to an Asana name',
  }),
  // Kingfisher kingfisher.postmark.1 (postmarkapp.com/developer/api/overview): server and account
  // tokens are UUIDs.
  format({
    id: 'postmark-server-token',
    provider: 'Postmark',
    title: 'Postmark API token',
    description: 'A Postmark server or account API token (a UUID) assigned to a Postmark name.',
    fix: rotate('Postmark (Server, API Tokens)'),
    envName: 'POSTMARK_SERVER_TOKEN',
    shape: 'A UUID assigned to a name containing `postmark`.',
    name: (name) => name.includes('postmark'),
    value: uuid,
    minEntropy: 3,
    why: 'a UUID assigned to a Postmark name',
  }),
  // Kingfisher kingfisher.opsgenie.1 (docs.opsgenie.com/docs/api-overview): API keys are UUIDs.
  format({
    id: 'opsgenie-api-key',
    provider: 'Opsgenie',
    title: 'Opsgenie API key',
    description: 'An Opsgenie API key (a UUID, sent as `GenieKey`) assigned to an Opsgenie name.',
    fix: rotate('Opsgenie (Settings, API key management, or the integration)'),
    envName: 'OPSGENIE_API_KEY',
    shape: 'A UUID assigned to a name containing `opsgenie`.',
    name: (name) => name.includes('opsgenie'),
    value: uuid,
    minEntropy: 3,
    why: 'a UUID assigned to an Opsgenie name',
  }),
  // Kingfisher kingfisher.ai21studio.1 (docs.ai21.com/reference/authentication): keys are UUIDs.
  format({
    id: 'ai21-api-key',
    provider: 'AI21 Labs',
    title: 'AI21 Studio API key',
    description: 'An AI21 Studio API key (a UUID) assigned to an AI21 name.',
    fix: rotate('AI21 Studio (Account, API key)'),
    envName: 'AI21_API_KEY',
    shape: 'A UUID assigned to a name containing `ai21`.',
    name: (name) => name.includes('ai21'),
    value: uuid,
    minEntropy: 3,
    why: 'a UUID assigned to an AI21 name',
  }),
  // The Scaleway SDK's own check (scaleway/scaleway-sdk-js, string-validation.ts: a secret key is a
  // UUID); SonarQube's secrets rule S7009 looks for the same next to `scaleway`.
  format({
    id: 'scaleway-secret-key',
    provider: 'Scaleway',
    title: 'Scaleway secret key',
    description:
      'A Scaleway API secret key (a UUID) assigned to a Scaleway secret-key name such as `SCW_SECRET_KEY`.',
    fix: rotate('the Scaleway console (IAM, API keys)'),
    envName: 'SCW_SECRET_KEY',
    shape: 'A UUID assigned to a name containing `scaleway` or starting `scw`, and `secret`.',
    name: (name) => (name.includes('scaleway') || name.startsWith('scw')) && name.includes('secret'),
    value: uuid,
    minEntropy: 3,
    why: 'a UUID assigned to a Scaleway secret-key name',
  }),
  // Kingfisher kingfisher.stabilityai.1 (platform.stability.ai/docs/api-reference): `sk-` and 48
  // letters or digits. Other providers use `sk-` too, hence the Stability name.
  format({
    id: 'stability-api-key',
    provider: 'Stability AI',
    title: 'Stability AI API key',
    description: 'A Stability AI API key (`sk-` and 48 letters or digits) assigned to a Stability name.',
    fix: rotate('the Stability AI platform (Account, API keys)'),
    envName: 'STABILITY_API_KEY',
    shape: '`sk-` and 48 letters or digits, assigned to a name containing `stability`.',
    name: (name) => name.includes('stability'),
    value: /^sk-[A-Za-z0-9]{48}$/,
    minEntropy: 4,
    why: '`sk-` and 48 letters or digits assigned to a Stability name',
  }),
  // Kingfisher kingfisher.upstash.1 (upstash.com/docs/redis/features/restapi): a REST token is
  // 32–48 letters or digits, or `AYNgAS` and base64.
  format({
    id: 'upstash-redis-rest-token',
    provider: 'Upstash',
    title: 'Upstash Redis REST token',
    description:
      'An Upstash Redis REST token assigned to an Upstash token name such as `UPSTASH_REDIS_REST_TOKEN`.',
    fix: rotate('the Upstash console (database, Reset token)'),
    envName: 'UPSTASH_REDIS_REST_TOKEN',
    shape: '32–48 letters or digits, or `AYNgAS` and base64, assigned to an Upstash token name.',
    name: (name) => name.includes('upstash') && name.includes('token'),
    value: /^(?:[A-Za-z0-9]{32,48}|AYNgAS[A-Za-z0-9+/_-]{26,90}={0,2})$/,
    minEntropy: 3.5,
    why: 'an Upstash REST token shape assigned to an Upstash token name',
  }),
  // Kingfisher kingfisher.upstash.4 (upstash.com/docs/devops/developer-api/authentication): a
  // management API key is a version-4 UUID.
  format({
    id: 'upstash-management-api-key',
    provider: 'Upstash',
    title: 'Upstash management API key',
    description: 'An Upstash management API key (a version-4 UUID) assigned to an Upstash key name.',
    fix: rotate('the Upstash console (Account, Management API)'),
    envName: 'UPSTASH_API_KEY',
    shape: 'A version-4 UUID assigned to a name containing `upstash` (not a token name).',
    name: (name) => name.includes('upstash') && !name.includes('token'),
    value: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    minEntropy: 3,
    why: 'a version-4 UUID assigned to an Upstash name',
  }),
  // gitleaks twitter-access-token (config/gitleaks.toml) and Kingfisher kingfisher.twitter.4: the
  // user's numeric id, `-`, and 20–40 letters or digits.
  format({
    id: 'twitter-access-token',
    provider: 'X (Twitter)',
    title: 'X (Twitter) access token',
    description:
      'An X (Twitter) OAuth 1.0a access token (a numeric user id, `-`, 20–40 letters or digits) assigned to a Twitter name.',
    fix: rotate('the X developer portal (Keys and tokens, Access token and secret: regenerate)'),
    envName: 'TWITTER_ACCESS_TOKEN',
    shape: '15–25 digits, `-` and 20–40 letters or digits, assigned to a name containing `twitter`.',
    name: (name) => name.includes('twitter'),
    value: /^[0-9]{15,25}-[A-Za-z0-9]{20,40}$/,
    minEntropy: 3.5,
    why: 'a numeric id, `-` and 20–40 letters or digits assigned to a Twitter name',
  }),
  // gitleaks twitter-api-secret (50 letters or digits) and twitter-access-secret (45), both next to
  // `twitter` (config/gitleaks.toml); Kingfisher kingfisher.twitter.3 and .5 alike.
  format({
    id: 'twitter-secret',
    provider: 'X (Twitter)',
    title: 'X (Twitter) consumer or access-token secret',
    description:
      'An X (Twitter) API consumer secret (50 letters or digits) or access-token secret (45) assigned to a Twitter secret name.',
    fix: rotate('the X developer portal (Keys and tokens: regenerate)'),
    envName: 'TWITTER_API_SECRET',
    shape: '45 or 50 letters or digits, assigned to a name containing `twitter` and `secret`.',
    name: (name) => name.includes('twitter') && name.includes('secret'),
    value: /^(?:[A-Za-z0-9]{45}|[A-Za-z0-9]{50})$/,
    minEntropy: 4,
    why: '45 or 50 letters or digits assigned to a Twitter secret name',
  }),
];
