// Samples for the rules in agent/lint/rules/apps.ts, written from each provider's documentation.
// Every value is built at run time from the seeded generator: no token-shaped literal is committed.
import { A, b64url, named, type Rng, rs, s } from '../corpusPrimitives';
import type { SampleGroup } from './group';

const base58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const lowerDigits = `${A.lower}${A.digits}`;
const hex = (r: Rng, n: number) => rs(r, n, A.hex);
const uuid = (r: Rng, version = '4') =>
  `${hex(r, 8)}-${hex(r, 4)}-${version}${hex(r, 3)}-${hex(r, 4)}-${hex(r, 12)}`;
const mapbox = (r: Rng, kind: 'sk' | 'pk') =>
  `${kind}.${b64url({ u: rs(r, 8, A.lower), a: rs(r, 25, lowerDigits) })}.${rs(r, 22, A.b64url)}`;
const assigned = (names: string[], value: (r: Rng) => string) => (r: Rng) => ({
  value: value(r),
  render: named(names),
});

export const appsSamples: SampleGroup = {
  positives: {
    'mailchimp-api-key': [(r) => s(`${hex(r, 32)}-us${1 + r.int(20)}`)],
    'brevo-api-key': [(r) => s(`${r.pick(['xkeysib-', 'xsmtpsib-'])}${hex(r, 64)}-${rs(r, 16, A.alnum)}`)],
    'resend-api-key': [(r) => s(`re_${rs(r, 8, base58)}_${rs(r, 24, base58)}`)],
    'typeform-api-token': [(r) => s(`tfp_${rs(r, 59, A.b64url)}`)],
    'hubspot-private-app-token': [(r) => s(`pat-${r.pick(['na1', 'eu1'])}-${uuid(r)}`)],
    'clickup-personal-token': [(r) => s(`pk_${rs(r, 8, A.digits)}_${rs(r, 32, A.upperDigits)}`)],
    'contentful-personal-access-token': [(r) => s(`CFPAT-${rs(r, 43, A.b64url)}`)],
    'frameio-api-token': [(r) => s(`fio-u-${rs(r, 64, A.b64url)}`)],
    'dropbox-short-lived-token': [(r) => s(`sl.${rs(r, 135, A.b64url)}`)],
    'slack-workflow-webhook': [
      (r) =>
        s(
          `https://hooks.slack.com/workflows/T${rs(r, 10, A.upperDigits)}/A${rs(r, 10, A.upperDigits)}/${rs(r, 18, A.digits)}/${rs(r, 24, A.alnum)}`,
        ),
      (r) =>
        s(
          `https://hooks.slack.com/triggers/T${rs(r, 10, A.upperDigits)}/${rs(r, 13, A.digits)}/${rs(r, 24, A.alnum)}`,
        ),
    ],
    'microsoft-teams-webhook': [
      (r) =>
        s(
          `https://${rs(r, 8, A.lower)}.webhook.office.com/webhookb2/${uuid(r)}@${uuid(r)}/IncomingWebhook/${rs(r, 32, lowerDigits)}/${uuid(r)}`,
        ),
    ],
    'square-access-token': [(r) => s(`EAAA${rs(r, 60, A.b64url)}`)],
    'facebook-access-token': [(r) => s(`${r.pick(['EAAC', 'EAAM'])}${rs(r, 100 + r.int(150), A.alnum)}`)],
    'mapbox-secret-token': [(r) => s(mapbox(r, 'sk'))],
    'mapbox-public-token': [(r) => s(mapbox(r, 'pk'))],
    'duffel-api-token': [(r) => s(`duffel_live_${rs(r, 43, A.b64url)}`)],
    'easypost-api-key': [(r) => s(`EZAK${rs(r, 54, A.alnum)}`)],
    'shippo-api-token': [(r) => s(`shippo_live_${hex(r, 40)}`)],
    'flutterwave-secret-key': [(r) => s(`FLWSECK-${hex(r, 32)}-X`)],
    'braintree-access-token': [(r) => s(`access_token$production$${rs(r, 16, lowerDigits)}$${hex(r, 32)}`)],
    'razorpay-key-id': [(r) => s(`rzp_live_${rs(r, 14, A.alnum)}`)],
    'launchdarkly-key': [(r) => s(`${r.pick(['api', 'sdk'])}-${uuid(r)}`)],
    'newrelic-insert-key': [(r) => s(`NRII-${rs(r, 32, A.b64url)}`)],
    'newrelic-browser-key': [(r) => s(`NRJS-${hex(r, 19)}`)],
    'datadog-api-key': [assigned(['DD_API_KEY', 'DATADOG_API_KEY', 'datadogApiKey'], (r) => hex(r, 32))],
    'datadog-app-key': [assigned(['DD_APP_KEY', 'DATADOG_APP_KEY', 'dd_application_key'], (r) => hex(r, 40))],
    'algolia-admin-key': [
      assigned(['ALGOLIA_ADMIN_API_KEY', 'ALGOLIA_API_KEY', 'algoliaWriteApiKey'], (r) =>
        rs(r, 32, lowerDigits),
      ),
    ],
    'okta-api-token': [
      assigned(['OKTA_API_TOKEN', 'okta_token', 'oktaClientToken'], (r) => `00${rs(r, 40, A.b64url)}`),
    ],
    'dropbox-app-secret': [
      assigned(['DROPBOX_APP_SECRET', 'dropboxAppSecret'], (r) => rs(r, 15, lowerDigits)),
    ],
    'airtable-personal-access-token': [
      assigned(['AIRTABLE_TOKEN', 'AIRTABLE_API_KEY'], (r) => `pat${rs(r, 14, A.alnum)}.${hex(r, 64)}`),
    ],
    'pagerduty-api-key': [
      assigned(
        ['PAGERDUTY_API_KEY', 'pagerduty_token'],
        (r) => `${rs(r, 1, A.lower)}+${rs(r, 9, A.letters)}-${rs(r, 2, A.lower)}-${rs(r, 5, lowerDigits)}`,
      ),
    ],
    'honeycomb-api-key': [
      assigned(['HONEYCOMB_API_KEY', 'honeycombApiKey'], (r) =>
        r.next() < 0.5 ? rs(r, 22, A.alnum) : hex(r, 32),
      ),
    ],
    'mandrill-api-key': [
      assigned(['MANDRILL_API_KEY', 'mandrillApiKey'], (r) => `md-${rs(r, 22, A.b64url)}`),
    ],
    'intercom-access-token': [
      assigned(['INTERCOM_ACCESS_TOKEN', 'intercom_token'], (r) => rs(r, 60, A.b64url)),
    ],
    'zendesk-api-token': [assigned(['ZENDESK_API_TOKEN', 'zendeskToken'], (r) => rs(r, 40, A.alnum))],
    'messagebird-api-key': [
      assigned(['MESSAGEBIRD_ACCESS_KEY', 'messagebird_api_key'], (r) => rs(r, 25, A.alnum)),
    ],
    'mattermost-access-token': [
      assigned(['MATTERMOST_TOKEN', 'mattermostBotToken'], (r) => rs(r, 26, lowerDigits)),
    ],
    'sendbird-api-token': [assigned(['SENDBIRD_API_TOKEN', 'sendbirdApiToken'], (r) => hex(r, 40))],
    'sumologic-access-key': [
      assigned(['SUMO_ACCESS_KEY', 'SUMOLOGIC_ACCESS_KEY'], (r) => rs(r, 64, A.alnum)),
    ],
    'razorpay-key-secret': [assigned(['RAZORPAY_KEY_SECRET', 'razorpaySecret'], (r) => rs(r, 24, A.alnum))],
  },
  decoys: {
    // Documented near misses: test-mode keys, public counterparts, wrong shapes and placeholders.
    'mailchimp-api-key': [(r) => `${hex(r, 31)}-us6`, (r) => `locale = "${rs(r, 6, A.lower)}-us"`],
    'brevo-api-key': [(r) => `xkeysib-${hex(r, 64)}`, () => 'xsmtpsib-your_brevo_smtp_key_here'],
    'resend-api-key': [
      (r) => `re_${rs(r, 8, A.lower)}`,
      (r) => `re_${rs(r, 8, '0OIl')}_${rs(r, 24, base58)}`,
    ],
    'hubspot-private-app-token': [(r) => `pat-na2-${uuid(r)}`],
    'clickup-personal-token': [(r) => `pk_${rs(r, 8, A.digits)}_${rs(r, 32, A.lower)}`],
    'dropbox-short-lived-token': [(r) => `sl.${rs(r, 40, A.b64url)}`],
    'slack-workflow-webhook': [
      () => 'https://hooks.slack.com/workflows/T00000000/A00000000/123456789/abcdefghijklmnop',
      () => 'https://hooks.slack.com/workflows/PLACEHOLDER',
      (r) =>
        `https://hooks.slack.com/workflows/T${rs(r, 10, A.upperDigits)}/A${rs(r, 10, A.upperDigits)}/${rs(r, 18, A.digits)}/${rs(r, 12, A.alnum)}`,
    ],
    'microsoft-teams-webhook': [
      (r) =>
        `https://${rs(r, 8, A.lower)}.webhook.office.com/webhookb2/${uuid(r)}@${uuid(r)}/IncomingWebhook/${'x'.repeat(32)}/${uuid(r)}`,
      () => 'https://outlook.office.com/webhook/your-webhook-url',
    ],
    'square-access-token': [(r) => `EAAA${rs(r, 40, A.b64url)}`, (r) => `+EAAA${rs(r, 60, A.alnum)}+`],
    'facebook-access-token': [(r) => `EAAC${rs(r, 60, A.alnum)}`, (r) => `/EAAC${rs(r, 150, A.alnum)}/`],
    'mapbox-secret-token': [(r) => `sk.${rs(r, 60, A.b64url)}.${rs(r, 22, A.b64url)}`],
    'mapbox-public-token': [(r) => `pk.eyJ${rs(r, 57, A.alnum)}.${rs(r, 22, A.b64url)}`],
    'duffel-api-token': [(r) => `duffel_test_${rs(r, 43, A.b64url)}`],
    'easypost-api-key': [(r) => `EZTK${rs(r, 54, A.alnum)}`],
    'shippo-api-token': [(r) => `shippo_test_${hex(r, 40)}`],
    'flutterwave-secret-key': [
      (r) => `FLWSECK_TEST-${hex(r, 32)}-X`,
      (r) => `FLWPUBK-${hex(r, 32)}-X`,
      () => 'FLWSECK-xxxxxxxxxx',
    ],
    'braintree-access-token': [(r) => `access_token$sandbox$${rs(r, 16, lowerDigits)}$${hex(r, 32)}`],
    'razorpay-key-id': [(r) => `rzp_test_${rs(r, 14, A.alnum)}`, () => 'rzp_live_YOUR_LIVE_KEY_ID'],
    'launchdarkly-key': [(r) => `mob-${uuid(r)}`, (r) => `api-${uuid(r, '1')}`],
    'newrelic-browser-key': [(r) => `NRJS-${rs(r, 19, A.lower)}`],
    'datadog-api-key': [(r) => `DD_API_KEY = "${uuid(r)}"`, () => 'DD_API_KEY = "<DATADOG_API_KEY>"'],
    'algolia-admin-key': [(r) => `ALGOLIA_API_KEY = "${uuid(r)}"`],
    'okta-api-token': [(r) => `OKTA_API_TOKEN = "${uuid(r)}"`],
    'pagerduty-api-key': [() => 'PAGERDUTY_API_KEY = "$PAGERDUTY_TOKEN"'],
  },
  variableLength: ['mailchimp-api-key', 'brevo-api-key', 'facebook-access-token', 'slack-workflow-webhook'],
};
