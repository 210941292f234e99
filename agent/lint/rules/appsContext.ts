// Apps group, part three: secrets with no prefix of their own, recognised by the provider's name in
// what they are assigned to (`DD_API_KEY = "…"`). Each needs the provider's name AND the documented
// shape; the sources are gitleaks' context rules (config/gitleaks.toml) and TruffleHog's detectors.
import { type ContextFormat, contextFormat } from './contextFormat';

const rotate = (where: string) =>
  `Revoke it in ${where}, create a new one, and read it from the environment or a secret store.`;

const format = contextFormat;

const datadogName = (name: string) => name.includes('datadog') || name.startsWith('dd');

export const appsContextFormats: ContextFormat[] = [
  // TruffleHog `datadogtoken`: API key 32 hex digits, application key 40, next to a Datadog name.
  format({
    id: 'datadog-api-key',
    provider: 'Datadog',
    title: 'Datadog API key',
    description: 'A Datadog API key (32 hex digits) assigned to a Datadog name such as `DD_API_KEY`.',
    fix: rotate('Datadog (Organization settings, API keys)'),
    envName: 'DD_API_KEY',
    shape: '32 lower-case hex digits assigned to a name containing `datadog` or starting `dd`.',
    name: datadogName,
    value: /^[a-f0-9]{32}$/,
    minEntropy: 3,
    why: '32 hex digits assigned to a Datadog name',
  }),
  format({
    id: 'datadog-app-key',
    provider: 'Datadog',
    title: 'Datadog application key',
    description:
      'A Datadog application key (40 hex digits) assigned to a Datadog name such as `DD_APP_KEY`: with an API key it reads and changes the account.',
    fix: rotate('Datadog (Organization settings, Application keys)'),
    envName: 'DD_APP_KEY',
    shape: '40 lower-case hex digits assigned to a name containing `datadog` or starting `dd`.',
    name: datadogName,
    value: /^[a-f0-9]{40}$/,
    minEntropy: 3,
    why: '40 hex digits assigned to a Datadog name',
  }),
  // gitleaks `algolia-api-key`; search-only keys are made for browsers, so names with `search` are left out.
  format({
    id: 'algolia-admin-key',
    provider: 'Algolia',
    title: 'Algolia admin or write API key',
    description:
      'An Algolia API key (32 characters) assigned to an Algolia name other than a search-only key (`ALGOLIA_SEARCH_KEY` is public by design).',
    fix: rotate('the Algolia dashboard (Settings, API Keys)'),
    envName: 'ALGOLIA_ADMIN_API_KEY',
    shape: '32 lower-case letters or digits assigned to a name containing `algolia` but not `search`.',
    name: (name) => name.includes('algolia') && !name.includes('search'),
    value: /^[a-z0-9]{32}$/,
    minEntropy: 3,
    why: '32 characters assigned to an Algolia (non-search) key name',
  }),
  // gitleaks `okta-access-token`: `00` and 40 characters next to an Okta name.
  format({
    id: 'okta-api-token',
    provider: 'Okta',
    title: 'Okta API token',
    description: 'An Okta API (SSWS) token: `00` and 40 characters, assigned to an Okta name.',
    fix: rotate('the Okta Admin Console (Security, API, Tokens)'),
    envName: 'OKTA_API_TOKEN',
    shape: '`00` and 40 base64url characters assigned to a name containing `okta`.',
    name: (name) => name.includes('okta'),
    value: /^00[A-Za-z0-9_=-]{40}$/,
    minEntropy: 4,
    why: '`00` and 40 characters assigned to an Okta name',
  }),
  // gitleaks `dropbox-api-token`: 15 lower-case letters or digits next to a Dropbox name.
  format({
    id: 'dropbox-app-secret',
    provider: 'Dropbox',
    title: 'Dropbox app secret',
    description: 'A Dropbox app secret (15 lower-case letters or digits) assigned to a Dropbox name.',
    fix: rotate('the Dropbox App Console (Settings, App secret)'),
    envName: 'DROPBOX_APP_SECRET',
    shape: '15 lower-case letters or digits assigned to a name containing `dropbox`.',
    name: (name) => name.includes('dropbox'),
    value: /^[a-z0-9]{15}$/,
    // 15 characters of 36 reach only about 3.6 bits; random ones fall to 3.0 often enough.
    minEntropy: 2.8,
    why: '15 characters assigned to a Dropbox name',
  }),
  // TruffleHog `airtablepersonalaccesstoken`: `pat`, 14 characters, `.`, 64 hex digits, near `airtable`.
  format({
    id: 'airtable-personal-access-token',
    provider: 'Airtable',
    title: 'Airtable personal access token',
    description:
      'An Airtable personal access token (`pat`, a 14-character id, `.` and 64 hex digits) assigned to an Airtable name.',
    fix: rotate('Airtable (Builder hub, Personal access tokens)'),
    envName: 'AIRTABLE_TOKEN',
    shape: '`pat`, 14 letters or digits, `.` and 64 hex digits, assigned to a name containing `airtable`.',
    name: (name) => name.includes('airtable'),
    value: /^pat[A-Za-z0-9]{14}\.[a-f0-9]{64}$/,
    minEntropy: 3.5,
    why: 'an Airtable token shape (`pat….`) assigned to an Airtable name',
  }),
  // TruffleHog `pagerdutyapikey`.
  format({
    id: 'pagerduty-api-key',
    provider: 'PagerDuty',
    title: 'PagerDuty API key',
    description: 'A PagerDuty REST API key (20 characters such as `u+…-xx-…`) assigned to a PagerDuty name.',
    fix: rotate("PagerDuty (Integrations, API Access Keys, or the user's API tokens)"),
    envName: 'PAGERDUTY_API_KEY',
    shape:
      'A letter, `+`, 9 letters, `-`, 2 letters, `-`, 5 characters, assigned to a name containing `pagerduty`.',
    name: (name) => name.includes('pagerduty'),
    value: /^[a-z]\+[A-Za-z]{9}-[a-z]{2}-[a-z0-9]{5}$/,
    minEntropy: 3,
    why: 'a PagerDuty key shape assigned to a PagerDuty name',
  }),
  // TruffleHog `honeycomb`: 32 hex digits (classic) or 22 letters or digits (newer keys).
  format({
    id: 'honeycomb-api-key',
    provider: 'Honeycomb',
    title: 'Honeycomb API key',
    description: 'A Honeycomb API key (32 hex digits, or 22 letters or digits) assigned to a Honeycomb name.',
    fix: rotate('Honeycomb (Environment settings, API keys)'),
    envName: 'HONEYCOMB_API_KEY',
    shape: '32 hex digits or 22 letters or digits, assigned to a name containing `honeycomb`.',
    name: (name) => name.includes('honeycomb'),
    value: /^(?:[0-9a-f]{32}|[0-9A-Za-z]{22})$/,
    minEntropy: 3,
    why: 'a Honeycomb key shape assigned to a Honeycomb name',
  }),
  // TruffleHog `mandrill` (22 base64url characters near `mandrill`); newer keys carry `md-` before them.
  format({
    id: 'mandrill-api-key',
    provider: 'Mailchimp Transactional (Mandrill)',
    title: 'Mandrill API key',
    description:
      'A Mailchimp Transactional (Mandrill) API key (`md-` and 22 characters, or 22 alone) assigned to a Mandrill name.',
    fix: rotate('Mailchimp Transactional (Settings, SMTP & API Info)'),
    envName: 'MANDRILL_API_KEY',
    shape: 'An optional `md-` and 22 base64url characters, assigned to a name containing `mandrill`.',
    name: (name) => name.includes('mandrill'),
    value: /^(?:md-)?[A-Za-z0-9_-]{22}$/,
    minEntropy: 3.6,
    why: 'a Mandrill key shape assigned to a Mandrill name',
  }),
  // gitleaks `intercom-api-key`: 60 characters next to an Intercom name.
  format({
    id: 'intercom-access-token',
    provider: 'Intercom',
    title: 'Intercom access token',
    description: 'An Intercom access token (60 base64 characters) assigned to an Intercom name.',
    fix: rotate('the Intercom Developer Hub (your app, Authentication)'),
    envName: 'INTERCOM_ACCESS_TOKEN',
    shape: '60 base64url characters (with `=`), assigned to a name containing `intercom`.',
    name: (name) => name.includes('intercom'),
    value: /^[A-Za-z0-9=_-]{60}$/,
    minEntropy: 4,
    why: '60 characters assigned to an Intercom name',
  }),
  // gitleaks `zendesk-secret-key`: 40 letters or digits next to a Zendesk name.
  format({
    id: 'zendesk-api-token',
    provider: 'Zendesk',
    title: 'Zendesk API token',
    description: 'A Zendesk API token (40 letters or digits) assigned to a Zendesk name.',
    fix: rotate('Zendesk Admin Center (Apps and integrations, Zendesk API)'),
    envName: 'ZENDESK_API_TOKEN',
    shape: '40 letters or digits assigned to a name containing `zendesk`.',
    name: (name) => name.includes('zendesk'),
    value: /^[A-Za-z0-9]{40}$/,
    minEntropy: 4,
    why: '40 characters assigned to a Zendesk name',
  }),
  // gitleaks `messagebird-api-token`: 25 letters or digits next to a MessageBird name.
  format({
    id: 'messagebird-api-key',
    provider: 'MessageBird (Bird)',
    title: 'MessageBird access key',
    description: 'A MessageBird (Bird) access key (25 letters or digits) assigned to a MessageBird name.',
    fix: rotate('the MessageBird dashboard (Developers, API access)'),
    envName: 'MESSAGEBIRD_ACCESS_KEY',
    shape: '25 letters or digits assigned to a name containing `messagebird`.',
    name: (name) => name.includes('messagebird'),
    value: /^[A-Za-z0-9]{25}$/,
    minEntropy: 3.8,
    why: '25 characters assigned to a MessageBird name',
  }),
  // gitleaks `mattermost-access-token`: 26 lower-case letters or digits next to a Mattermost name.
  format({
    id: 'mattermost-access-token',
    provider: 'Mattermost',
    title: 'Mattermost access token',
    description:
      'A Mattermost personal access or bot token (26 lower-case letters or digits) assigned to a Mattermost name.',
    fix: rotate('Mattermost (Profile, Security, Personal access tokens; or Integrations, Bot accounts)'),
    envName: 'MATTERMOST_TOKEN',
    shape: '26 lower-case letters or digits assigned to a name containing `mattermost`.',
    name: (name) => name.includes('mattermost'),
    value: /^[a-z0-9]{26}$/,
    minEntropy: 3.5,
    why: '26 characters assigned to a Mattermost name',
  }),
  // gitleaks `sendbird-access-token`: 40 hex digits next to a Sendbird name.
  format({
    id: 'sendbird-api-token',
    provider: 'Sendbird',
    title: 'Sendbird API token',
    description: 'A Sendbird master or secondary API token (40 hex digits) assigned to a Sendbird name.',
    fix: rotate('the Sendbird dashboard (Settings, Application, General: API tokens)'),
    envName: 'SENDBIRD_API_TOKEN',
    shape: '40 hex digits assigned to a name containing `sendbird`.',
    name: (name) => name.includes('sendbird'),
    value: /^[a-f0-9]{40}$/,
    minEntropy: 3,
    why: '40 hex digits assigned to a Sendbird name',
  }),
  // gitleaks `sumologic-access-token`: 64 letters or digits next to a Sumo Logic name.
  format({
    id: 'sumologic-access-key',
    provider: 'Sumo Logic',
    title: 'Sumo Logic access key',
    description: 'A Sumo Logic access key (64 letters or digits) assigned to a Sumo Logic name.',
    fix: rotate('Sumo Logic (Administration, Security, Access Keys)'),
    envName: 'SUMO_ACCESS_KEY',
    shape: '64 letters or digits assigned to a name containing `sumo`.',
    name: (name) => name.includes('sumo'),
    value: /^[A-Za-z0-9]{64}$/,
    minEntropy: 4.5,
    why: '64 characters assigned to a Sumo Logic name',
  }),
  // TruffleHog `razorpay` pairs the `rzp_live_` key id with its 24-character secret.
  format({
    id: 'razorpay-key-secret',
    provider: 'Razorpay',
    title: 'Razorpay key secret',
    description: 'A Razorpay key secret (24 letters or digits) assigned to a Razorpay name.',
    fix: rotate('the Razorpay Dashboard (Account & Settings, API Keys: regenerate)'),
    envName: 'RAZORPAY_KEY_SECRET',
    shape: '24 letters or digits assigned to a name containing `razorpay`.',
    name: (name) => name.includes('razorpay'),
    value: /^[A-Za-z0-9]{24}$/,
    minEntropy: 3.8,
    why: '24 characters assigned to a Razorpay name',
  }),
];
