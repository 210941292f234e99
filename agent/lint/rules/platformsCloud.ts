// Platforms group, part 2: cloud platforms, hosting and infrastructure tools, by token prefix.
// Formats from gitleaks' config/gitleaks.toml (gitleaks/gitleaks), Kingfisher's rule files
// (mongodb/kingfisher crates/kingfisher-rules/data/rules/*.yml) and the providers' documentation.
import { tokenRule } from './define';
import { looksRandom } from './filters';
import { charClass, classes, type MatchContext, type Rule } from './types';

const rotate = (where: string) =>
  `Revoke it in ${where}, create a new one, and load it from the environment or a secret store.`;

export const platformsCloudRules: Rule[] = [
  // Kingfisher vercel.2–6 and vercel.com/changelog/new-token-formats-and-secret-scanning: personal
  // (`vcp_`), integration (`vci_`), app access (`vca_`), app refresh (`vcr_`) and AI Gateway (`vck_`)
  // tokens, 50 characters and a 6-character checksum.
  tokenRule({
    id: 'vercel-token',
    provider: 'Vercel',
    title: 'Vercel token',
    description:
      'A Vercel access token in the prefixed format: `vcp_` (personal), `vci_` (integration), `vca_`/`vcr_` (app access/refresh) or `vck_` (AI Gateway key), 50 base64url characters and a 6-character checksum.',
    fix: rotate('Vercel (Account settings, Tokens, or the team or integration settings)'),
    envName: 'VERCEL_TOKEN',
    triggers: ['vcp_', 'vci_', 'vca_', 'vcr_', 'vck_'],
    pattern: /vc[pikar]_[A-Za-z0-9_-]{50}[A-Za-z0-9]{6}/y,
    cls: classes.b64url,
    length: [60, 60],
    randomFrom: 4,
    minEntropy: 4,
    why: 'prefix `vcp_` (or `vci_`, `vca_`, `vcr_`, `vck_`) and 56 base64url characters',
  }),
  // Azure DevOps PAT, 2024 format (Azure DevOps Sprint 241 release notes; Microsoft Purview SIT
  // "Azure DevOps personal access token"; Kingfisher azure.devops.2): 84 characters, `AZDO` at 76–80.
  tokenRule({
    id: 'azure-devops-pat',
    provider: 'Azure DevOps',
    title: 'Azure DevOps personal access token',
    description:
      'An Azure DevOps personal access token in the 84-character format: 76 letters or digits, the `AZDO` signature, and 4 more. The older 52-character tokens are found in context (`azure-devops-pat-legacy`).',
    fix: rotate('Azure DevOps (User settings, Personal access tokens)'),
    envName: 'AZURE_DEVOPS_EXT_PAT',
    triggers: ['AZDO'],
    pattern: /[A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4}/y,
    cls: classes.alnum,
    length: [84, 84],
    // Only the first 52 characters are random; the rest is a fixed layout with long runs of `A`.
    randomFrom: 84,
    minEntropy: 0,
    check: (token) => looksRandom(token.slice(0, 52), 4).ok,
    why: 'an 84-character token with the `AZDO` signature at position 77',
    startBefore: (_ctx: MatchContext, at: number) => at - 76,
  }),
  // gitleaks cloudflare-origin-ca-key (developers.cloudflare.com/fundamentals/api/get-started/keys/).
  tokenRule({
    id: 'cloudflare-origin-ca-key',
    provider: 'Cloudflare',
    title: 'Cloudflare Origin CA key',
    description:
      'A Cloudflare Origin CA key (`X-Auth-User-Service-Key`): `v1.0-`, 24 hex digits, `-` and 146 hex digits.',
    fix: rotate('the Cloudflare dashboard (My Profile, API Tokens, Origin CA Key: change)'),
    envName: 'CLOUDFLARE_ORIGIN_CA_KEY',
    triggers: ['v1.0-'],
    pattern: /v1\.0-[a-f0-9]{24}-[a-f0-9]{146}/y,
    cls: charClass('A-Za-z0-9.-'),
    length: [176, 176],
    randomFrom: 5,
    minEntropy: 3.4,
    why: 'prefix `v1.0-` and hex parts of 24 and 146 digits',
  }),
  // Kingfisher cloudflare.3 (developers.cloudflare.com/fundamentals/api/get-started/token-formats/):
  // user API tokens in the prefixed format, `cfut_`, 40 characters and a checksum.
  tokenRule({
    id: 'cloudflare-user-api-token',
    provider: 'Cloudflare',
    title: 'Cloudflare user API token',
    description:
      'A Cloudflare user API token in the prefixed format: `cfut_` and 41 to 64 base64url characters.',
    fix: rotate('the Cloudflare dashboard (My Profile, API Tokens: roll)'),
    envName: 'CLOUDFLARE_API_TOKEN',
    triggers: ['cfut_'],
    pattern: /cfut_[A-Za-z0-9_-]{41,64}/y,
    cls: classes.b64url,
    length: [46, 69],
    randomFrom: 5,
    minEntropy: 4,
    why: 'prefix `cfut_` and at least 41 base64url characters',
  }),
  // gitleaks heroku-api-key-v2 and Kingfisher heroku.2: the platform API key format `HRKU-AA…`.
  tokenRule({
    id: 'heroku-api-key',
    provider: 'Heroku',
    title: 'Heroku API key',
    description:
      'A Heroku platform API key in the prefixed format: `HRKU-AA` and 58 base64url characters. The older UUID keys are found in context (`heroku-api-key-context`).',
    fix: rotate('Heroku (Account settings, API key: regenerate, or `heroku authorizations:revoke`)'),
    envName: 'HEROKU_API_KEY',
    triggers: ['HRKU-AA'],
    pattern: /HRKU-AA[0-9a-zA-Z_-]{58}/y,
    cls: classes.b64url,
    length: [65, 65],
    randomFrom: 7,
    minEntropy: 4,
    why: 'prefix `HRKU-AA` and 58 base64url characters',
  }),
  // gitleaks alibaba-access-key-id.
  tokenRule({
    id: 'alibaba-access-key-id',
    provider: 'Alibaba Cloud',
    title: 'Alibaba Cloud AccessKey ID',
    description:
      'An Alibaba Cloud AccessKey ID: `LTAI` and 20 letters or digits. Its 30-character AccessKey secret is usually nearby.',
    fix: rotate('the Alibaba Cloud RAM console (AccessKey management)'),
    envName: 'ALIBABA_CLOUD_ACCESS_KEY_ID',
    triggers: ['LTAI'],
    pattern: /LTAI[A-Za-z0-9]{20}/y,
    cls: classes.alnum,
    length: [24, 24],
    randomFrom: 4,
    minEntropy: 3.5,
    why: 'prefix `LTAI` and 20 letters or digits',
  }),
  // Tencent Cloud CAM SecretId: `AKID` and 32 letters or digits, the pattern several open-source
  // secret scanners and cloud-key identifiers share for it (found with the search tool's code corpus).
  tokenRule({
    id: 'tencent-secret-id',
    provider: 'Tencent Cloud',
    title: 'Tencent Cloud SecretId',
    description:
      'A Tencent Cloud API SecretId: `AKID` and 32 letters or digits. Its 32-character SecretKey is usually nearby.',
    fix: rotate('the Tencent Cloud CAM console (API key management)'),
    envName: 'TENCENTCLOUD_SECRET_ID',
    triggers: ['AKID'],
    pattern: /AKID[A-Za-z0-9]{32}/y,
    cls: classes.alnum,
    length: [36, 36],
    randomFrom: 4,
    minEntropy: 4,
    why: 'prefix `AKID` and 32 letters or digits',
  }),
  // Kingfisher netlify.3 (docs.netlify.com/api/get-started/#authentication).
  tokenRule({
    id: 'netlify-token',
    provider: 'Netlify',
    title: 'Netlify personal access token',
    description: 'A Netlify personal access token: `nfp_` and 40 to 48 letters or digits.',
    fix: rotate('Netlify (User settings, Applications, Personal access tokens)'),
    envName: 'NETLIFY_AUTH_TOKEN',
    triggers: ['nfp_'],
    pattern: /nfp_[a-zA-Z0-9]{40,48}/y,
    cls: classes.word,
    length: [44, 52],
    randomFrom: 4,
    minEntropy: 4,
    why: 'prefix `nfp_` and 40 to 48 letters or digits',
  }),
  // gitleaks flyio-access-token: `fo1_` tokens, and the `fm1a_`/`fm1r_`/`fm2_` macaroons that
  // `FlyV1 …` authorization headers carry.
  tokenRule({
    id: 'flyio-token',
    provider: 'Fly.io',
    title: 'Fly.io access token',
    description:
      'A Fly.io access token: `fo1_` and 43 base64url characters, or a macaroon token (`fm1a_`, `fm1r_`, `fm2_`) with a base64 body of 100 characters or more.',
    fix: rotate('Fly.io (`fly tokens revoke`, or the dashboard, Tokens)'),
    envName: 'FLY_API_TOKEN',
    triggers: ['fo1_', 'fm1a_', 'fm1r_', 'fm2_'],
    pattern:
      /(?:fo1_[A-Za-z0-9_-]{43}|fm1[ar]_[A-Za-z0-9+/]{100,2000}={0,3}|fm2_[A-Za-z0-9+/]{100,2000}={0,3})/y,
    cls: classes.b64Any,
    length: [47, 2008],
    randomFrom: 4,
    minEntropy: 4,
    why: 'prefix `fo1_` (or `fm1a_`, `fm1r_`, `fm2_`) and a random body',
  }),
  // gitleaks scalingo-api-token.
  tokenRule({
    id: 'scalingo-api-token',
    provider: 'Scalingo',
    title: 'Scalingo API token',
    description: 'A Scalingo API token: `tk-us-` and 48 base64url characters.',
    fix: rotate('Scalingo (User profile, API tokens)'),
    envName: 'SCALINGO_API_TOKEN',
    triggers: ['tk-us-'],
    pattern: /tk-us-[A-Za-z0-9_-]{48}/y,
    cls: classes.b64url,
    length: [54, 54],
    randomFrom: 6,
    minEntropy: 4,
    why: 'prefix `tk-us-` and 48 base64url characters',
  }),
  // gitleaks infracost-api-token.
  tokenRule({
    id: 'infracost-api-token',
    provider: 'Infracost',
    title: 'Infracost API token',
    description: 'An Infracost API token: `ico-` and 32 letters or digits.',
    fix: rotate('Infracost Cloud (Org settings, API token: rotate)'),
    envName: 'INFRACOST_API_KEY',
    triggers: ['ico-'],
    pattern: /ico-[a-zA-Z0-9]{32}/y,
    cls: classes.b64url,
    length: [36, 36],
    randomFrom: 4,
    minEntropy: 4,
    why: 'prefix `ico-` and 32 letters or digits',
  }),
  // gitleaks openshift-user-token.
  tokenRule({
    id: 'openshift-user-token',
    provider: 'OpenShift',
    title: 'OpenShift user token',
    description: 'An OpenShift OAuth user token: `sha256~` and 43 base64url characters.',
    fix: 'Delete the token (`oc delete oauthaccesstoken`, or log out the session) and log in again.',
    envName: 'OPENSHIFT_TOKEN',
    triggers: ['sha256~'],
    pattern: /sha256~[A-Za-z0-9_-]{43}/y,
    cls: charClass('A-Za-z0-9_~-'),
    length: [50, 50],
    randomFrom: 7,
    minEntropy: 4,
    why: 'prefix `sha256~` and 43 base64url characters',
  }),
];
