// More provider formats (issue #13 item 3): cloud, email, AI and data providers the other groups do
// not cover. Prefix rules here; formats with no prefix of their own are in moreContext.ts. Each rule
// cites the scanner rule or the provider's code its format comes from.

import type { ContextFormat } from './contextFormat';
import { tokenRule } from './define';
import { moreContextFormats } from './moreContext';
import { charClass, classes, type Rule } from './types';

const rotate = (where: string) =>
  `Revoke it in ${where}, create a new one, and load it from the environment or a secret store.`;

const digitCount = (token: string) => {
  let n = 0;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
};

export const moreRules: Rule[] = [
  // Kingfisher kingfisher.xata.1 (`xau_` and 33 letters or digits, at least one digit);
  // https://xata.io/docs/concepts/api-keys.
  tokenRule({
    id: 'xata-api-key',
    provider: 'Xata',
    title: 'Xata API key',
    description: 'A Xata API key: `xau_` and 33 letters or digits.',
    fix: rotate('Xata (Account settings, API keys)'),
    envName: 'XATA_API_KEY',
    triggers: ['xau_'],
    pattern: /xau_[A-Za-z0-9]{33}/y,
    cls: classes.word,
    length: [37, 37],
    randomFrom: 4,
    minEntropy: 3.5,
    check: (token) => digitCount(token) >= 1,
    why: 'prefix `xau_` and 33 letters or digits',
  }),
  // Kingfisher kingfisher.mailersend.1 (`mlsn.` and 30–100 letters or digits, two digits at least);
  // https://www.mailersend.com/help/managing-api-tokens.
  tokenRule({
    id: 'mailersend-api-token',
    provider: 'MailerSend',
    title: 'MailerSend API token',
    description: 'A MailerSend API token: `mlsn.` and 30 to 100 letters or digits.',
    fix: rotate('MailerSend (Integrations, API tokens)'),
    envName: 'MAILERSEND_API_TOKEN',
    triggers: ['mlsn.'],
    pattern: /mlsn\.[A-Za-z0-9]{30,100}/y,
    cls: classes.b64urlDot,
    length: [35, 105],
    randomFrom: 5,
    minEntropy: 3.5,
    check: (token) => digitCount(token) >= 2,
    why: 'prefix `mlsn.` and 30 to 100 letters or digits',
  }),
  // Kingfisher kingfisher.voyageai.api_key (`pa-` and 43 base64url characters);
  // https://docs.voyageai.com/docs/api-key-and-installation.
  tokenRule({
    id: 'voyage-api-key',
    provider: 'Voyage AI',
    title: 'Voyage AI API key',
    description: 'A Voyage AI API key: `pa-` and 43 base64url characters.',
    fix: rotate('the Voyage AI dashboard (API keys)'),
    envName: 'VOYAGE_API_KEY',
    triggers: ['pa-'],
    pattern: /pa-[A-Za-z0-9_-]{43}/y,
    cls: classes.b64url,
    length: [46, 46],
    randomFrom: 3,
    minEntropy: 4,
    why: 'prefix `pa-` and 43 base64url characters',
  }),
  // Kingfisher kingfisher.modal.1: a Modal token id (`ak-`) and secret (`as-`), each 22 letters or
  // digits with two digits at least; https://modal.com/docs/reference/cli/token.
  tokenRule({
    id: 'modal-token',
    provider: 'Modal',
    title: 'Modal token',
    description:
      'A Modal token id (`ak-`) or token secret (`as-`) and 22 letters or digits: the pair signs in to Modal as its owner.',
    fix: rotate('Modal (Settings, API tokens)'),
    envName: 'MODAL_TOKEN_SECRET',
    triggers: ['ak-', 'as-'],
    pattern: /a[ks]-[A-Za-z0-9]{22}/y,
    cls: classes.b64url,
    length: [25, 25],
    randomFrom: 3,
    minEntropy: 3.5,
    check: (token) => digitCount(token) >= 2,
    why: 'prefix `ak-` or `as-` and 22 letters or digits',
  }),
  // keyhog-core detectors/render-api-key.toml (`rnd_` and 24 letters or digits, matched without an
  // end so longer keys match too); https://render.com/docs/api.
  tokenRule({
    id: 'render-api-key',
    provider: 'Render',
    title: 'Render API key',
    description: 'A Render API key: `rnd_` and at least 24 letters or digits.',
    fix: rotate('the Render dashboard (Account settings, API keys)'),
    envName: 'RENDER_API_KEY',
    triggers: ['rnd_'],
    pattern: /rnd_[A-Za-z0-9]{24,64}/y,
    cls: classes.word,
    length: [28, 68],
    randomFrom: 4,
    minEntropy: 3.5,
    check: (token) => digitCount(token) >= 2,
    why: 'prefix `rnd_` and at least 24 letters or digits',
  }),
  // The Scaleway SDK's own check (scaleway/scaleway-sdk-js,
  // packages/client/src/internal/validations/string-validation.ts: `SCW` and 17 letters or digits).
  tokenRule({
    id: 'scaleway-access-key',
    provider: 'Scaleway',
    title: 'Scaleway access key',
    description:
      'A Scaleway API access key: `SCW` and 17 capital letters or digits (its secret key, a UUID, is usually next to it).',
    fix: rotate('the Scaleway console (IAM, API keys)'),
    envName: 'SCW_ACCESS_KEY',
    triggers: ['SCW'],
    pattern: /SCW[A-Z0-9]{17}/y,
    cls: classes.alnum,
    length: [20, 20],
    randomFrom: 3,
    minEntropy: 3,
    check: (token) => digitCount(token) >= 2,
    why: 'prefix `SCW` and 17 capital letters or digits',
  }),
  // Akamai's EdgeGrid .edgerc format (the EdgeGrid Node.js README: `client_token` and `access_token`
  // are `akab-`, 16 characters, `-`, 16 characters); techdocs.akamai.com/developer/docs/edgegrid.
  // `.` is in the class so that an API host (`akab-….luna.akamaiapis.net`) is one longer run.
  tokenRule({
    id: 'akamai-edgegrid-token',
    provider: 'Akamai',
    title: 'Akamai EdgeGrid token',
    description:
      'An Akamai EdgeGrid client token or access token: `akab-`, 16 letters or digits, `-`, 16 more. With the client secret it signs API calls.',
    fix: rotate('Akamai Control Center (Identity and Access Management, API clients)'),
    envName: 'AKAMAI_CLIENT_TOKEN',
    triggers: ['akab-'],
    pattern: /akab-[a-z0-9]{16}-[a-z0-9]{16}/y,
    cls: charClass('a-z0-9.-'),
    length: [38, 38],
    randomFrom: 5,
    minEntropy: 3.2,
    why: 'prefix `akab-` and two parts of 16 lower-case letters or digits',
  }),
  // gitleaks adyen-api-key (cmd/generate/config/rules/adyen.go): `AQE`, lower-case letters or digits,
  // `.`, then 50–80 base64url characters or `=`. The first part is bounded here (gitleaks: 5 or more).
  tokenRule({
    id: 'adyen-api-key',
    provider: 'Adyen',
    title: 'Adyen API key',
    description:
      'An Adyen API key: `AQE`, lower-case letters or digits, `.`, and 50 to 80 more characters. It moves money as the merchant account.',
    fix: rotate('the Adyen Customer Area (Developers, API credentials: generate a new key)'),
    envName: 'ADYEN_API_KEY',
    triggers: ['AQE'],
    pattern: /AQE[a-z0-9]{5,40}\.[A-Za-z0-9_=-]{50,80}/y,
    cls: charClass('A-Za-z0-9_.=-'),
    length: [59, 124],
    randomFrom: 3,
    minEntropy: 3.5,
    why: 'prefix `AQE`, a lower-case part, `.` and 50 to 80 base64url characters',
  }),
];

export const moreContext: ContextFormat[] = moreContextFormats;
