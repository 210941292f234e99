// Samples for the rules in agent/lint/rules/more.ts and moreContext.ts, written from each format's
// source (cited next to the rule). Values are built at run time from the seeded generator: no
// token-shaped literal is committed.
import { A, type Gen, named, type Rng, rs, s } from '../corpusPrimitives';
import type { SampleGroup } from './group';

const lowerDigits = `${A.lower}${A.digits}`;
const hex = (r: Rng, n: number) => rs(r, n, A.hex);
const uuid = (r: Rng, version = hex(r, 1)) =>
  `${hex(r, 8)}-${hex(r, 4)}-${version}${hex(r, 3)}-${r.pick(['8', '9', 'a', 'b'])}${hex(r, 3)}-${hex(r, 12)}`;
/** Letters and digits with at least two digits, as the sources require: a digit pair up front. */
const withDigits = (r: Rng, n: number, alphabet: string) => `${rs(r, 2, A.digits)}${rs(r, n - 2, alphabet)}`;

/** A value assigned to one of a provider's names. */
const assigned =
  (names: readonly string[], value: (r: Rng) => string): Gen =>
  (r) => ({ value: value(r), render: named(names) });

const prefixPositives: Record<string, Gen[]> = {
  'xata-api-key': [(r) => s(`xau_${withDigits(r, 33, A.alnum)}`)],
  'mailersend-api-token': [
    (r) => s(`mlsn.${withDigits(r, 64, A.hex)}`),
    (r) => s(`mlsn.${withDigits(r, 30 + r.int(60), A.alnum)}`),
  ],
  'voyage-api-key': [(r) => s(`pa-${rs(r, 43, A.b64url)}`)],
  'modal-token': [(r) => s(`${r.pick(['ak', 'as'])}-${withDigits(r, 22, A.alnum)}`)],
  'render-api-key': [(r) => s(`rnd_${withDigits(r, 24 + r.int(9), A.alnum)}`)],
  'scaleway-access-key': [(r) => s(`SCW${withDigits(r, 17, A.upperDigits)}`)],
  'adyen-api-key': [(r) => s(`AQE${rs(r, 5 + r.int(10), lowerDigits)}.${rs(r, 50 + r.int(31), A.b64url)}`)],
  'akamai-edgegrid-token': [(r) => s(`akab-${rs(r, 16, lowerDigits)}-${rs(r, 16, lowerDigits)}`)],
};

const contextPositives: Record<string, Gen[]> = {
  'twitter-access-token': [
    assigned(
      ['TWITTER_ACCESS_TOKEN', 'twitterAccessToken'],
      (r) => `${1 + r.int(9)}${rs(r, 14 + r.int(5), A.digits)}-${withDigits(r, 20 + r.int(21), A.alnum)}`,
    ),
  ],
  'twitter-secret': [
    assigned(['TWITTER_API_SECRET', 'twitterConsumerSecret'], (r) => withDigits(r, 50, A.alnum)),
    assigned(['TWITTER_ACCESS_TOKEN_SECRET', 'twitter_access_secret'], (r) => withDigits(r, 45, A.alnum)),
  ],
  'asana-personal-access-token': [
    assigned(
      ['ASANA_ACCESS_TOKEN', 'asanaToken', 'ASANA_PERSONAL_ACCESS_TOKEN'],
      (r) => `1/${1 + r.int(9)}${rs(r, 13 + r.int(3), A.digits)}:${hex(r, 32)}`,
    ),
    assigned(
      ['ASANA_ACCESS_TOKEN', 'asana_token'],
      (r) => `2/${1 + r.int(9)}${rs(r, 15, A.digits)}/${1 + r.int(9)}${rs(r, 15, A.digits)}:${hex(r, 32)}`,
    ),
  ],
  'postmark-server-token': [
    assigned(['POSTMARK_SERVER_TOKEN', 'postmarkApiToken', 'POSTMARK_API_KEY'], (r) => uuid(r)),
  ],
  'opsgenie-api-key': [assigned(['OPSGENIE_API_KEY', 'opsgenieApiKey'], (r) => uuid(r))],
  'ai21-api-key': [assigned(['AI21_API_KEY', 'ai21ApiKey'], (r) => uuid(r, '4'))],
  'scaleway-secret-key': [
    assigned(['SCW_SECRET_KEY', 'scaleway_secret_key', 'scalewaySecretKey'], (r) => uuid(r, '4')),
  ],
  'stability-api-key': [
    assigned(['STABILITY_API_KEY', 'stabilityApiKey'], (r) => `sk-${rs(r, 48, A.alnum)}`),
  ],
  'upstash-redis-rest-token': [
    assigned(['UPSTASH_REDIS_REST_TOKEN', 'upstashToken'], (r) => `AYNgAS${rs(r, 40 + r.int(40), A.b64)}`),
    assigned(['UPSTASH_REDIS_REST_TOKEN'], (r) => withDigits(r, 32 + r.int(17), A.alnum)),
  ],
  'upstash-management-api-key': [
    assigned(['UPSTASH_API_KEY', 'upstashManagementApiKey'], (r) => uuid(r, '4')),
  ],
};

const decoys: Record<string, ((r: Rng) => string)[]> = {
  // The sources ask for digits: an all-letter run is a word, not a key.
  'xata-api-key': [(r) => `xau_${rs(r, 33, A.letters)}`, () => 'XATA_API_KEY=xau_...'],
  'mailersend-api-token': [(r) => `mlsn.${rs(r, 40, A.letters)}`, () => 'MAILERSEND_API_KEY=mlsn.xxx'],
  'voyage-api-key': [() => 'VOYAGE_API_KEY = "<your-voyage-api-key>"', (r) => `pa-${rs(r, 30, A.b64url)}`],
  'modal-token': [
    (r) => `as-${rs(r, 22, A.letters)}`,
    () => 'modal token set --token-id ak-xxx --token-secret as-xxx',
  ],
  'render-api-key': [
    (r) => `rnd_${rs(r, 16, A.alnum)}`,
    () => 'RENDER_API_KEY=rnd_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  ],
  'scaleway-access-key': [
    () => 'SCW_ACCESS_KEY=SCWXXXXXXXXXXXXXXXXX',
    (r) => `SCW${rs(r, 17, A.letters.slice(0, 26))}`,
  ],
  // The API host has the same start; the EdgeGrid README writes X placeholders.
  'akamai-edgegrid-token': [
    (r) => `host = akab-${rs(r, 16, lowerDigits)}-${rs(r, 16, lowerDigits)}.luna.akamaiapis.net`,
    () => `client_token = akab-${'X'.repeat(16)}-${'X'.repeat(16)}`,
  ],
  // gitleaks' own near miss (`AXE`), and a key whose first part has capitals.
  'adyen-api-key': [
    (r) => `AXE${rs(r, 5, lowerDigits)}.${rs(r, 60, A.b64url)}`,
    (r) => `AQE${rs(r, 8, A.upperDigits)}.${rs(r, 60, A.b64url)}`,
  ],
  'twitter-access-token': [() => 'access_token = os.environ["TWITTER_ACCESS_TOKEN"]'],
  'twitter-secret': [() => 'TWITTER_API_SECRET=<your-api-secret>'],
  'asana-personal-access-token': [() => 'asana_token = os.environ["ASANA_ACCESS_TOKEN"]'],
  // Postmark's documented test token.
  'postmark-server-token': [() => "postmarkServerToken: 'POSTMARK_API_TEST'"],
  'opsgenie-api-key': [() => 'OPSGENIE_API_KEY=00000000-0000-0000-0000-000000000000'],
  'ai21-api-key': [() => 'AI21_API_KEY=<your-api-key>'],
  'scaleway-secret-key': [() => 'SCW_SECRET_KEY=<secret-key>'],
  'stability-api-key': [() => 'STABILITY_API_KEY=sk-...'],
  'upstash-redis-rest-token': [() => 'UPSTASH_REDIS_REST_TOKEN=********'],
  'upstash-management-api-key': [() => 'UPSTASH_API_KEY = process.env.UPSTASH_API_KEY'],
};

export const moreSamples: SampleGroup = {
  positives: { ...prefixPositives, ...contextPositives },
  decoys,
  variableLength: ['mailersend-api-token', 'adyen-api-key', 'render-api-key'],
};
