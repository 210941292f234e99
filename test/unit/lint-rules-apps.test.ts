// The apps group's rules (agent/lint/rules/apps*.ts) beyond the labelled corpus: severities of keys
// made to be published, which rule wins where prefixes meet, and the name tests of context formats.
// Values are built at run time from the seeded generator.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scanText } from '../../agent/lint/scanner';
import { A, b64url, rng, rs } from '../support/corpusPrimitives';

const now = Date.parse('2025-06-01T00:00:00Z');
const r = rng(13);
const found = (text: string) => scanText(text, { path: 'a.ts', now }).map((f) => `${f.rule}:${f.severity}`);
const mapbox = (kind: string) =>
  `${kind}.${b64url({ u: rs(r, 8, A.lower), a: rs(r, 25, A.alnum) })}.${rs(r, 22, A.b64url)}`;

describe('apps group rules', () => {
  it('lists Mapbox public tokens as info and reports secret tokens as warnings', () => {
    assert.deepEqual(found(`const t = "${mapbox('pk')}";`), ['mapbox-public-token:info']);
    assert.deepEqual(found(`const t = "${mapbox('sk')}";`), ['mapbox-secret-token:warning']);
    // Not a Mapbox token unless the middle part is the JSON naming the account.
    assert.deepEqual(found(`const t = "sk.eyJ${rs(r, 57, A.alnum)}.${rs(r, 22, A.b64url)}";`), []);
  });

  it('reports Square EAAA tokens, but not the same letters inside a base64 blob', () => {
    const token = `EAAA${rs(r, 60, A.b64url)}`;
    assert.deepEqual(found(`square = "${token}"`), ['square-access-token:warning']);
    assert.deepEqual(found(`blob = "${rs(r, 40, A.b64)}+${token}/${rs(r, 20, A.b64)}"`), []);
  });

  it('finds a Mailchimp key by its data-centre suffix, whole or not at all', () => {
    const key = `${rs(r, 32, A.hex)}-us${1 + r.int(20)}`;
    assert.deepEqual(found(`mc = "${key}"`), ['mailchimp-api-key:warning']);
    assert.deepEqual(found(`mc = "${rs(r, 31, A.hex)}-us6"`), []);
    assert.deepEqual(found('const locale = "en-us";'), []);
  });

  it('keeps Stripe keys under their own rule next to the new pk_ and sl. prefixes', () => {
    assert.deepEqual(found(`s = "sk_live_${rs(r, 24, A.alnum)}"`), ['stripe-secret-key:warning']);
    assert.deepEqual(found(`c = "pk_${rs(r, 8, A.digits)}_${rs(r, 32, A.upperDigits)}"`), [
      'clickup-personal-token:warning',
    ]);
    assert.deepEqual(found(`s = "pk_live_${rs(r, 24, A.alnum)}"`), []);
  });

  it('lists Razorpay live key ids as info and leaves test ids alone', () => {
    assert.deepEqual(found(`key: "rzp_live_${rs(r, 14, A.alnum)}"`), ['razorpay-key-id:info']);
    assert.deepEqual(found(`key: "rzp_test_${rs(r, 14, A.alnum)}"`), []);
  });

  it('classifies context secrets by the provider name, and leaves public search keys to the generic rule', () => {
    const hex = (n: number) => rs(r, n, A.hex);
    assert.deepEqual(found(`DD_API_KEY = "${hex(32)}"`), ['datadog-api-key:warning']);
    assert.deepEqual(found(`DD_APP_KEY = "${hex(40)}"`), ['datadog-app-key:warning']);
    assert.deepEqual(found(`OKTA_API_TOKEN = "00${rs(r, 40, A.b64url)}"`), ['okta-api-token:warning']);
    const algolia = rs(r, 32, `${A.lower}${A.digits}`);
    assert.deepEqual(found(`ALGOLIA_ADMIN_API_KEY = "${algolia}"`), ['algolia-admin-key:warning']);
    assert.deepEqual(found(`ALGOLIA_SEARCH_API_KEY = "${algolia}"`), ['generic-secret:warning']);
    // The same 32 hex digits under an unrelated name are no Datadog key.
    assert.deepEqual(found(`CACHE_API_KEY = "${hex(32)}"`), ['generic-secret:warning']);
  });

  it('reports LaunchDarkly server keys, not the public mobile keys', () => {
    const uuid = () =>
      `${rs(r, 8, A.hex)}-${rs(r, 4, A.hex)}-4${rs(r, 3, A.hex)}-${rs(r, 4, A.hex)}-${rs(r, 12, A.hex)}`;
    assert.deepEqual(found(`ld = "sdk-${uuid()}"`), ['launchdarkly-key:warning']);
    assert.deepEqual(found(`ld = "mob-${uuid()}"`), []);
  });
});
