// Apps group, part two: payments, commerce, shipping, maps, social and observability tokens with a
// prefix of their own. Keys made to be published (Mapbox `pk.`, New Relic browser keys, Razorpay key
// ids) are reported with severity info. Each rule cites its source.
import { tokenRule } from './define';
import { charClass, classes, type MatchContext, type Rule } from './types';

const rotate = (where: string) =>
  `Revoke it in ${where}, create a new one, and load it from the environment or a secret store.`;

/**
 * Tokens that start with a few base64 letters (`EAAA`, `EAAC`) also start runs inside base64 blobs,
 * where a `+` or `/` comes before them: such a start is not a token.
 */
function notInBase64(ctx: MatchContext, at: number): number {
  const before = ctx.text.charCodeAt(at - 1);
  return before === 43 || before === 47 ? -1 : at; // + or /
}

/** A Mapbox token's middle part is the base64url of a JSON object naming the user (`{"u":…}`). */
function isMapboxToken(token: string): boolean {
  const middle = token.slice(3, token.lastIndexOf('.'));
  try {
    const claims: unknown = JSON.parse(Buffer.from(middle, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null && 'u' in claims;
  } catch {
    return false;
  }
}

export const appsCommerceRules: Rule[] = [
  // gitleaks `square-access-token` (`EAAA` and up to 60 more characters); Square's production access
  // tokens are 64 characters (developer.squareup.com/docs/build-basics/access-tokens).
  tokenRule({
    id: 'square-access-token',
    provider: 'Square',
    title: 'Square access token (EAAA)',
    description:
      'A Square production access token in the current format: `EAAA` and 60 base64url characters.',
    fix: rotate('the Square Developer Console (Credentials, Production: replace access token)'),
    envName: 'SQUARE_ACCESS_TOKEN',
    triggers: ['EAAA'],
    pattern: /EAAA[A-Za-z0-9_-]{60}/y,
    cls: classes.b64url,
    length: [64, 64],
    randomFrom: 4,
    minEntropy: 4.2,
    why: 'prefix `EAAA` and 60 base64url characters',
    startBefore: notInBase64,
  }),
  // gitleaks `facebook-page-access-token`: `EAAM` or `EAAC` and 100 or more letters or digits.
  tokenRule({
    id: 'facebook-access-token',
    provider: 'Meta',
    title: 'Facebook (Meta) access token',
    description:
      'A Facebook Graph API user or page access token: `EAAC` or `EAAM` (the app part) and 100 or more letters or digits.',
    fix: 'Invalidate the session (or reset the app secret) in the Meta app dashboard, and load tokens from the environment or a secret store.',
    envName: 'FACEBOOK_ACCESS_TOKEN',
    triggers: ['EAAC', 'EAAM'],
    pattern: /EAA[CM][A-Za-z0-9]{100,400}/y,
    cls: classes.alnum,
    length: [104, 404],
    randomFrom: 4,
    minEntropy: 4.5,
    why: 'prefix `EAAC` or `EAAM` and at least 100 letters or digits',
    startBefore: notInBase64,
  }),
  // TruffleHog `mapbox` (`sk.` and 80–240 characters); gitleaks `mapbox-api-token` gives the parts:
  // a 60-character base64url JSON part and 22 more characters after a dot.
  tokenRule({
    id: 'mapbox-secret-token',
    provider: 'Mapbox',
    title: 'Mapbox secret access token',
    description:
      'A Mapbox secret access token: `sk.`, the base64url of a JSON object naming the account, `.` and 22 characters.',
    fix: rotate('Mapbox (Account, Tokens)'),
    envName: 'MAPBOX_SECRET_TOKEN',
    triggers: ['sk.eyJ'],
    pattern: /sk\.eyJ[A-Za-z0-9_-]{40,300}\.[A-Za-z0-9_-]{22}/y,
    cls: classes.b64urlDot,
    length: [69, 329],
    randomFrom: 3,
    minEntropy: 4,
    check: isMapboxToken,
    why: 'prefix `sk.eyJ`, a base64url JSON part naming the account and a 22-character secret',
  }),
  tokenRule({
    id: 'mapbox-public-token',
    provider: 'Mapbox',
    title: 'Mapbox public access token',
    description:
      'A Mapbox public access token (`pk.`): made to be used in browsers and apps, so it is listed, not a reason to fail. Restrict it by URL in the Mapbox account.',
    fix: 'Nothing is secret here; make sure the token carries only public scopes and URL restrictions (Mapbox, Account, Tokens).',
    envName: 'MAPBOX_ACCESS_TOKEN',
    severity: 'info',
    triggers: ['pk.eyJ'],
    pattern: /pk\.eyJ[A-Za-z0-9_-]{40,300}\.[A-Za-z0-9_-]{22}/y,
    cls: classes.b64urlDot,
    length: [69, 329],
    randomFrom: 3,
    minEntropy: 4,
    check: isMapboxToken,
    why: 'prefix `pk.eyJ`, a base64url JSON part naming the account and a 22-character part',
  }),
  // gitleaks `duffel-api-token`: `duffel_live_` (or `duffel_test_`) and 43 characters.
  tokenRule({
    id: 'duffel-api-token',
    provider: 'Duffel',
    title: 'Duffel live access token',
    description:
      'A Duffel live-mode access token: `duffel_live_` and 43 characters. Test tokens are not reported.',
    fix: rotate('the Duffel dashboard (Developers, Access tokens)'),
    envName: 'DUFFEL_ACCESS_TOKEN',
    triggers: ['duffel_live_'],
    pattern: /duffel_live_[A-Za-z0-9_=-]{43}/y,
    cls: charClass('A-Za-z0-9_=-'),
    length: [55, 55],
    randomFrom: 12,
    minEntropy: 4,
    why: 'prefix `duffel_live_` and 43 base64url characters',
  }),
  // gitleaks `easypost-api-token`: `EZAK` and 54 letters or digits (`EZTK` test keys are not reported).
  tokenRule({
    id: 'easypost-api-key',
    provider: 'EasyPost',
    title: 'EasyPost production API key',
    description:
      'An EasyPost production API key: `EZAK` and 54 letters or digits. Test keys (`EZTK`) are not reported.',
    fix: rotate('EasyPost (Account settings, API keys)'),
    envName: 'EASYPOST_API_KEY',
    triggers: ['EZAK'],
    pattern: /EZAK[A-Za-z0-9]{54}/y,
    cls: classes.alnum,
    length: [58, 58],
    randomFrom: 4,
    minEntropy: 4,
    why: 'prefix `EZAK` and 54 letters or digits',
  }),
  // gitleaks `shippo-api-token`: `shippo_live_` (or `_test_`) and 40 hex digits.
  tokenRule({
    id: 'shippo-api-token',
    provider: 'Shippo',
    title: 'Shippo live API token',
    description: 'A Shippo live API token: `shippo_live_` and 40 hex digits. Test tokens are not reported.',
    fix: rotate('Shippo (Settings, API)'),
    envName: 'SHIPPO_API_TOKEN',
    triggers: ['shippo_live_'],
    pattern: /shippo_live_[a-fA-F0-9]{40}/y,
    cls: classes.word,
    length: [52, 52],
    randomFrom: 12,
    minEntropy: 3.2,
    why: 'prefix `shippo_live_` and 40 hex digits',
  }),
  // gitleaks `flutterwave-secret-key` (`FLWSECK_TEST-`, 32 characters, `-X`) for the live prefix
  // `FLWSECK-` that Flutterwave's v3 keys use.
  tokenRule({
    id: 'flutterwave-secret-key',
    provider: 'Flutterwave',
    title: 'Flutterwave live secret key',
    description:
      'A Flutterwave live secret key: `FLWSECK-`, 32 hex digits and `-X`. Test keys are not reported.',
    fix: rotate('the Flutterwave dashboard (Settings, API keys)'),
    envName: 'FLW_SECRET_KEY',
    triggers: ['FLWSECK-'],
    pattern: /FLWSECK-[a-h0-9]{32}-X/y,
    cls: classes.b64url,
    length: [42, 42],
    randomFrom: 8,
    minEntropy: 3,
    check: (token) => token.endsWith('-X'),
    why: 'prefix `FLWSECK-`, 32 hex digits and `-X`',
  }),
  // The PayPal/Braintree rule of the scanners' common set (truffleHog's original regexes, many since):
  // `access_token$production$`, 16 characters, `$`, 32 hex digits.
  tokenRule({
    id: 'braintree-access-token',
    provider: 'PayPal Braintree',
    title: 'PayPal Braintree access token',
    description:
      'A Braintree (PayPal) production access token: `access_token$production$`, a 16-character merchant id, `$` and 32 hex digits.',
    fix: rotate('the Braintree Control Panel (API keys), or revoke the OAuth grant'),
    envName: 'BRAINTREE_ACCESS_TOKEN',
    triggers: ['access_token$production$'],
    pattern: /access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32}/y,
    cls: charClass('A-Za-z0-9_$'),
    length: [73, 73],
    randomFrom: 24,
    minEntropy: 3.5,
    why: 'prefix `access_token$production$`, a merchant id and 32 hex digits',
  }),
  // Razorpay's key id (`rzp_live_` and 14 characters) is the publishable half of a key pair: checkout
  // pages carry it. TruffleHog `razorpay` pairs it with the secret (appsContext.ts).
  tokenRule({
    id: 'razorpay-key-id',
    provider: 'Razorpay',
    title: 'Razorpay live key id',
    description:
      'A Razorpay live key id (`rzp_live_`): the public half of a key pair, used by checkout pages. Listed, not a reason to fail; its secret is reported as `razorpay-key-secret`.',
    fix: 'Nothing is secret here; keep the key secret next to it out of the code.',
    envName: 'RAZORPAY_KEY_ID',
    severity: 'info',
    triggers: ['rzp_live_'],
    pattern: /rzp_live_[A-Za-z0-9]{14}/y,
    cls: classes.word,
    length: [23, 23],
    randomFrom: 9,
    // 14 random characters reach 3.5 bits on average but often fall under 3.2 (a letter twice).
    minEntropy: 2.8,
    why: 'prefix `rzp_live_` and 14 letters or digits',
  }),
  // TruffleHog `launchdarkly`: `api-` or `sdk-` and a version-4 UUID (`mob-` keys are public).
  tokenRule({
    id: 'launchdarkly-key',
    provider: 'LaunchDarkly',
    title: 'LaunchDarkly API access token or server SDK key',
    description:
      'A LaunchDarkly API access token (`api-`) or server-side SDK key (`sdk-`) and a UUID. Mobile keys (`mob-`) are public and not reported.',
    fix: rotate("LaunchDarkly (Account settings, Authorization; or the environment's SDK key: reset)"),
    envName: 'LAUNCHDARKLY_SDK_KEY',
    triggers: ['api-', 'sdk-'],
    pattern: /(?:api|sdk)-[a-z0-9]{8}-[a-z0-9]{4}-4[a-z0-9]{3}-[a-z0-9]{4}-[a-z0-9]{12}/y,
    cls: classes.b64url,
    length: [40, 40],
    randomFrom: 4,
    minEntropy: 3.2,
    why: 'prefix `api-` or `sdk-` and a version-4 UUID',
  }),
  // gitleaks `new-relic-insert-key`: `NRII-` and 32 characters.
  tokenRule({
    id: 'newrelic-insert-key',
    provider: 'New Relic',
    title: 'New Relic insert key',
    description:
      'A New Relic Insights insert key: `NRII-` and 32 characters. It writes events into the account.',
    fix: rotate('New Relic (API keys, Insights insert keys)'),
    envName: 'NEW_RELIC_INSERT_KEY',
    triggers: ['NRII-'],
    pattern: /NRII-[A-Za-z0-9_-]{32}/y,
    cls: classes.b64url,
    length: [37, 37],
    randomFrom: 5,
    minEntropy: 3.8,
    why: 'prefix `NRII-` and 32 base64url characters',
  }),
  // gitleaks `new-relic-browser-api-token`: `NRJS-` and 19 hex digits. The browser agent puts it in
  // every page it monitors, so it is listed with severity info.
  tokenRule({
    id: 'newrelic-browser-key',
    provider: 'New Relic',
    title: 'New Relic browser key',
    description:
      'A New Relic browser ingest key (`NRJS-` and 19 hex digits): the browser agent publishes it in every page it monitors, so it is listed, not a reason to fail.',
    fix: 'Nothing is secret here; it only lets pages send browser data to the account.',
    envName: 'NEW_RELIC_BROWSER_KEY',
    severity: 'info',
    triggers: ['NRJS-'],
    pattern: /NRJS-[a-f0-9]{19}/y,
    cls: classes.b64url,
    length: [24, 24],
    randomFrom: 5,
    // 19 hex digits: 3.6 bits on average, under 2.9 now and then (seen in the corpus with other seeds).
    minEntropy: 2.5,
    why: 'prefix `NRJS-` and 19 hex digits',
  }),
];
