// Samples for the prefix rules of the platforms group (agent/lint/rules/platformsTokens.ts and
// platformsCloud.ts), written from each format's documented prefix, length and alphabet.
import { A, b64url, type Gen, type Rng, rs, s } from '../corpusPrimitives';
import { checksummedToken } from '../fakeTokens';
import type { SampleGroup } from './group';

/** A GitHub- or npm-style token: prefix, 30 random characters, and their CRC32 in base62. */
export function crcToken(r: Rng, prefix: string): string {
  // 36 drawn as before the checksum was checked, so that the corpus's later samples stay the same.
  return checksummedToken(prefix, rs(r, 36, A.alnum));
}

/** The same with its last character changed, so that the checksum surely fails (a typo'd token). */
export function badCrcToken(r: Rng, prefix: string): string {
  const valid = crcToken(r, prefix);
  return `${valid.slice(0, -1)}${valid.endsWith('a') ? 'b' : 'a'}`;
}

const hex = (r: Rng, n: number) => rs(r, n, A.hex);
const lowerDigits = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** An 84-character Azure DevOps PAT as Microsoft's examples lay it out: 52 random, fixed middle, AZDO. */
const azdo = (r: Rng) =>
  `${rs(r, 52, A.alnum)}JQQJ99${rs(r, 2, A.upperDigits)}AC${'A'.repeat(13)}SAZDO${rs(r, 4, A.alnum)}`;

const ghsStateless = (r: Rng) =>
  `ghs_${1 + r.int(9)}${rs(r, 6, A.digits)}_${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url({
    iss: rs(r, 8, A.digits),
    exp: 1_800_000_000 + r.int(1e6),
    installation: rs(r, 10, A.alnum),
  })}.${rs(r, 342, A.b64url)}`;

const positives: Record<string, Gen[]> = {
  'gitlab-cicd-job-token': [(r) => s(`glcbt-${rs(r, 1 + r.int(5), A.alnum)}_${rs(r, 20, A.b64url)}`)],
  'gitlab-feed-token': [(r) => s(`glft-${rs(r, 20, A.b64url)}`)],
  'gitlab-oauth-app-secret': [(r) => s(`gloas-${rs(r, 64, A.b64url)}`)],
  'gitlab-scim-token': [(r) => s(`glsoat-${rs(r, 20, A.b64url)}`)],
  'gitlab-incoming-mail-token': [(r) => s(`glimt-${rs(r, 25, A.b64url)}`)],
  'gitlab-agent-token': [(r) => s(`glagent-${rs(r, 50, A.b64url)}`)],
  'gitlab-feature-flag-token': [(r) => s(`glffct-${rs(r, 20, A.b64url)}`)],
  'gitlab-runner-registration-token': [(r) => s(`GR1348941${rs(r, 20, A.b64url)}`)],
  'jfrog-api-key': [(r) => s(`AKCp${rs(r, 68 + r.int(3), A.alnum)}`)],
  'jfrog-reference-token': [(r) => s(`cmVmdGtuOjAxOj${rs(r, 50, A.alnum)}`)],
  'circleci-token': [(r) => s(`${r.pick(['CCIPAT_', 'CCIPRJ_'])}${rs(r, 22, A.alnum)}_${hex(r, 40)}`)],
  'buildkite-token': [(r) => s(`bkua_${rs(r, 40, lowerDigits)}`)],
  'nuget-api-key': [(r) => s(`oy2${rs(r, 43, lowerDigits)}`)],
  'crates-io-token': [(r) => s(`cio${rs(r, 32, A.alnum)}`)],
  'clojars-token': [(r) => s(`CLOJARS_${rs(r, 60, lowerDigits)}`)],
  'sonar-token': [(r) => s(`${r.pick(['squ_', 'sqp_', 'sqa_'])}${hex(r, 40)}`)],
  'prefect-api-key': [(r) => s(`pnu_${rs(r, 36, A.alnum)}`)],
  'harness-token': [
    (r) => s(`${r.pick(['pat', 'sat'])}.${rs(r, 22, A.b64url)}.${rs(r, 24, A.alnum)}.${rs(r, 20, A.alnum)}`),
  ],
  'sourcegraph-token': [(r) => s(`sgp_${r.next() < 0.5 ? `${hex(r, 16)}_` : ''}${hex(r, 40)}`)],
  'octopus-deploy-api-key': [(r) => s(`API-${rs(r, 26, A.upperDigits)}`)],
  'onepassword-service-account-token': [
    (r) => s(`ops_eyJ${rs(r, 300 + r.int(300), A.b64)}${r.pick(['', '=', '=='])}`),
  ],
  'github-app-installation-token': [(r) => s(ghsStateless(r))],
  'vercel-token': [
    (r) => s(`${r.pick(['vcp_', 'vci_', 'vca_', 'vcr_', 'vck_'])}${rs(r, 50, A.b64url)}${rs(r, 6, A.alnum)}`),
  ],
  'azure-devops-pat': [(r) => s(azdo(r))],
  'cloudflare-origin-ca-key': [(r) => s(`v1.0-${hex(r, 24)}-${hex(r, 146)}`)],
  'cloudflare-user-api-token': [(r) => s(`cfut_${rs(r, 40, A.b64url)}${rs(r, 1 + r.int(8), A.alnum)}`)],
  'heroku-api-key': [
    (r) =>
      s(`HRKU-AA${rs(r, 40, A.b64url)}${rs(r, 1, A.alnum)}_____${rs(r, 1, A.alnum)}${rs(r, 11, A.b64url)}`),
  ],
  'tencent-secret-id': [(r) => s(`AKID${rs(r, 32, A.alnum)}`)],
  'alibaba-access-key-id': [(r) => s(`LTAI${rs(r, 20, A.alnum)}`)],
  'netlify-token': [(r) => s(`nfp_${rs(r, 40 + r.int(9), A.alnum)}`)],
  'flyio-token': [
    (r) => s(`fo1_${rs(r, 43, A.b64url)}`),
    (r) => s(`${r.pick(['fm1a_', 'fm1r_', 'fm2_'])}${rs(r, 120 + r.int(200), A.b64)}${r.pick(['', '=='])}`),
  ],
  'scalingo-api-token': [(r) => s(`tk-us-${rs(r, 48, A.b64url)}`)],
  'infracost-api-token': [(r) => s(`ico-${rs(r, 32, A.alnum)}`)],
  'openshift-user-token': [(r) => s(`sha256~${rs(r, 43, A.b64url)}`)],
};

const decoys: Record<string, ((r: Rng) => string)[]> = {
  'github-app-installation-token': [
    (r) => `ghs_${rs(r, 5, A.digits)}_${b64url({ typ: 'JWT' })}.${b64url({ a: 1 })}.${rs(r, 40, A.b64url)}`,
  ],
  'octopus-deploy-api-key': [() => 'API-KEY-GOES-HERE-IN-THIS-FIELD', (r) => `API-${rs(r, 26, A.lower)}`],
  'sonar-token': [(r) => `sqp_${rs(r, 40, 'ghijklmnopqrstuvwxyz')}`],
  'azure-devops-pat': [(r) => `${rs(r, 70, A.alnum)}AZDO${rs(r, 4, A.alnum)}`],
  'cloudflare-origin-ca-key': [(r) => `v1.0-${hex(r, 24)}-${hex(r, 40)}`],
  'harness-token': [() => 'pat.accountId.tokenId.secret'],
  'crates-io-token': [(r) => `cio${rs(r, 32, A.lower).replace(/[aeiou]/g, '')}`],
};

export const platformsTokenSamples: SampleGroup = {
  positives,
  decoys,
  variableLength: [
    'gitlab-cicd-job-token',
    'jfrog-api-key',
    'sourcegraph-token',
    'onepassword-service-account-token',
    'github-app-installation-token',
    'cloudflare-user-api-token',
    'netlify-token',
    'flyio-token',
  ],
};
