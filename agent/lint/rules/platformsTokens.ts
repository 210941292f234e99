// Platforms group, part 1: source hosting, CI/CD and package registries, by their token prefixes.
// Formats come from gitleaks' config/gitleaks.toml (gitleaks/gitleaks) and Kingfisher's rule files
// (mongodb/kingfisher crates/kingfisher-rules/data/rules/*.yml), each cited next to its rule.
import { tokenRule } from './define';
import { charClass, classes, type Rule } from './types';

const revoke = (where: string) =>
  `Revoke the token in ${where}, create a new one, and load it from the environment or a secret store.`;

/** A GitLab token family that gitleaks lists with a fixed body length (gitlab-*.go rules). */
function gitlab(id: string, prefix: string, what: string, body: number, where: string) {
  return tokenRule({
    id,
    provider: 'GitLab',
    title: `GitLab ${what}`,
    description: `A GitLab ${what}: \`${prefix}\` and ${body} base64url characters (gitleaks rule \`${id}\`).`,
    fix: revoke(where),
    envName: 'GITLAB_TOKEN',
    triggers: [prefix],
    pattern: new RegExp(`${prefix}[0-9a-zA-Z_-]{${body}}`, 'y'),
    cls: classes.b64url,
    length: [prefix.length + body, prefix.length + body],
    randomFrom: prefix.length,
    minEntropy: 3.3,
    why: `prefix \`${prefix}\` and ${body} base64url characters`,
  });
}

export const platformsTokenRules: Rule[] = [
  // gitleaks gitlab-cicd-job-token: `glcbt-`, a 1–5 character partition id, `_`, 20 characters.
  tokenRule({
    id: 'gitlab-cicd-job-token',
    provider: 'GitLab',
    title: 'GitLab CI/CD job token',
    description:
      'A GitLab CI/CD job token: `glcbt-`, a short partition id, `_` and 20 base64url characters. Valid while its job runs, with the rights of the user who started it.',
    fix: 'A job token expires with its job; if one was printed or committed, remove it and check the project audit events.',
    envName: 'CI_JOB_TOKEN',
    triggers: ['glcbt-'],
    pattern: /glcbt-[0-9a-zA-Z]{1,5}_[0-9a-zA-Z_-]{20}/y,
    cls: classes.b64url,
    length: [28, 32],
    randomFrom: 6,
    minEntropy: 3.3,
    why: 'prefix `glcbt-`, a partition id and 20 base64url characters',
  }),
  gitlab(
    'gitlab-feed-token',
    'glft-',
    'feed token',
    20,
    'GitLab (User settings, Access tokens, Feed token: reset)',
  ),
  gitlab(
    'gitlab-oauth-app-secret',
    'gloas-',
    'OAuth application secret',
    64,
    'GitLab (Applications: renew secret)',
  ),
  gitlab(
    'gitlab-scim-token',
    'glsoat-',
    'SCIM token',
    20,
    'GitLab (group SAML SSO settings: reset SCIM token)',
  ),
  gitlab(
    'gitlab-incoming-mail-token',
    'glimt-',
    'incoming mail token',
    25,
    'GitLab (User settings, Access tokens: reset incoming email token)',
  ),
  gitlab(
    'gitlab-agent-token',
    'glagent-',
    'Kubernetes agent token',
    50,
    'GitLab (Operate, Kubernetes clusters: revoke the agent token)',
  ),
  gitlab(
    'gitlab-feature-flag-token',
    'glffct-',
    'feature flag client token',
    20,
    'GitLab (Deploy, Feature flags: reset the instance token)',
  ),
  // gitleaks gitlab-rrt: the legacy runner registration token starts with the fixed `GR1348941`.
  tokenRule({
    id: 'gitlab-runner-registration-token',
    provider: 'GitLab',
    title: 'GitLab runner registration token',
    description:
      'A legacy GitLab runner registration token: `GR1348941` and 20 base64url characters. Anyone holding it can attach a runner and receive CI jobs and their secrets.',
    fix: 'Reset the registration token (CI/CD settings, Runners) and move to runner authentication tokens (`glrt-`).',
    envName: 'RUNNER_REGISTRATION_TOKEN',
    triggers: ['GR1348941'],
    pattern: /GR1348941[0-9a-zA-Z_-]{20}/y,
    cls: classes.b64url,
    length: [29, 29],
    randomFrom: 9,
    minEntropy: 3.3,
    why: 'prefix `GR1348941` and 20 base64url characters',
  }),
  // gitleaks artifactory-api-key (73 characters); Kingfisher artifactory.1 allows 72 to 74.
  tokenRule({
    id: 'jfrog-api-key',
    provider: 'JFrog',
    title: 'JFrog Artifactory API key',
    description: 'A JFrog Artifactory API key: `AKCp` and about 69 letters or digits.',
    fix: revoke('the JFrog platform (Edit profile, API key: revoke)'),
    envName: 'ARTIFACTORY_API_KEY',
    triggers: ['AKCp'],
    pattern: /AKCp[A-Za-z0-9]{68,70}/y,
    cls: classes.alnum,
    length: [72, 74],
    randomFrom: 4,
    minEntropy: 4.5,
    why: 'prefix `AKCp` and about 69 letters or digits',
  }),
  // gitleaks artifactory-reference-token: 64 characters, the base64 of `reftkn:01:` then the rest.
  tokenRule({
    id: 'jfrog-reference-token',
    provider: 'JFrog',
    title: 'JFrog reference token',
    description:
      'A JFrog platform reference (identity) token: 64 letters or digits starting `cmVmdGtuOjAxOj`, the base64 of `reftkn:01:`.',
    fix: revoke('the JFrog platform (Administration, Identity and access, Access tokens)'),
    envName: 'JFROG_ACCESS_TOKEN',
    triggers: ['cmVmdGtuOjAxOj'],
    pattern: /cmVmdGtuOjAxOj[A-Za-z0-9]{50}/y,
    cls: classes.alnum,
    length: [64, 64],
    randomFrom: 14,
    minEntropy: 4,
    why: 'prefix `cmVmdGtuOjAxOj` (base64 of `reftkn:01:`) and 50 letters or digits',
  }),
  // Kingfisher circleci.1 and circleci.3: personal (`CCIPAT_`) and project (`CCIPRJ_`) tokens.
  tokenRule({
    id: 'circleci-token',
    provider: 'CircleCI',
    title: 'CircleCI API token',
    description:
      'A CircleCI personal (`CCIPAT_`) or project (`CCIPRJ_`) API token: the prefix, 22 letters or digits, `_` and 40 hex digits.',
    fix: revoke('CircleCI (User settings or Project settings, API tokens)'),
    envName: 'CIRCLECI_TOKEN',
    triggers: ['CCIPAT_', 'CCIPRJ_'],
    pattern: /CCIP(?:AT|RJ)_[A-Za-z0-9]{22}_[a-f0-9]{40}/y,
    cls: classes.word,
    length: [70, 70],
    randomFrom: 7,
    minEntropy: 3.8,
    why: 'prefix `CCIPAT_` or `CCIPRJ_`, 22 letters or digits, `_` and 40 hex digits',
  }),
  // Kingfisher buildkite.1 (buildkite.com/docs/apis/rest-api/access-token).
  tokenRule({
    id: 'buildkite-token',
    provider: 'Buildkite',
    title: 'Buildkite API access token',
    description: 'A Buildkite user API access token: `bkua_` and 40 lower-case letters or digits.',
    fix: revoke('Buildkite (Personal settings, API access tokens)'),
    envName: 'BUILDKITE_API_TOKEN',
    triggers: ['bkua_'],
    pattern: /bkua_[a-z0-9]{40}/y,
    cls: classes.word,
    length: [45, 45],
    randomFrom: 5,
    minEntropy: 3.3,
    why: 'prefix `bkua_` and 40 lower-case letters or digits',
  }),
  // Kingfisher nuget.1 (learn.microsoft.com/nuget/api/overview#authentication).
  tokenRule({
    id: 'nuget-api-key',
    provider: 'NuGet',
    title: 'NuGet API key',
    description: 'A nuget.org API key: `oy2` and 43 lower-case letters or digits.',
    fix: revoke('nuget.org (API keys)'),
    envName: 'NUGET_API_KEY',
    triggers: ['oy2'],
    pattern: /oy2[a-z0-9]{43}/y,
    cls: classes.alnum,
    length: [46, 46],
    randomFrom: 3,
    minEntropy: 3.6,
    why: 'prefix `oy2` and 43 lower-case letters or digits',
  }),
  // Kingfisher cratesio.1 (doc.rust-lang.org/cargo/reference/registry-web-api.html).
  tokenRule({
    id: 'crates-io-token',
    provider: 'crates.io',
    title: 'crates.io API token',
    description: 'A crates.io API token: `cio` and 32 letters or digits.',
    fix: revoke('crates.io (Account settings, API tokens)'),
    envName: 'CARGO_REGISTRY_TOKEN',
    triggers: ['cio'],
    pattern: /cio[A-Za-z0-9]{32}/y,
    cls: classes.alnum,
    length: [35, 35],
    randomFrom: 3,
    minEntropy: 4,
    why: 'prefix `cio` and 32 letters or digits',
  }),
  // gitleaks clojars-api-token.
  tokenRule({
    id: 'clojars-token',
    provider: 'Clojars',
    title: 'Clojars deploy token',
    description: 'A Clojars deploy token: `CLOJARS_` and 60 letters or digits.',
    fix: revoke('Clojars (Deploy tokens)'),
    envName: 'CLOJARS_PASSWORD',
    triggers: ['CLOJARS_'],
    pattern: /CLOJARS_[a-zA-Z0-9]{60}/y,
    cls: classes.word,
    length: [68, 68],
    randomFrom: 8,
    minEntropy: 3.6,
    why: 'prefix `CLOJARS_` and 60 letters or digits',
  }),
  // Kingfisher sonarqube.1: project (`sqp_`), user (`squ_`) and global analysis (`sqa_`) tokens.
  tokenRule({
    id: 'sonar-token',
    provider: 'SonarQube',
    title: 'SonarQube / SonarCloud token',
    description:
      'A SonarQube or SonarCloud token: `squ_` (user), `sqp_` (project analysis) or `sqa_` (global analysis) and 40 hex digits.',
    fix: revoke('SonarQube or SonarCloud (My account, Security)'),
    envName: 'SONAR_TOKEN',
    triggers: ['squ_', 'sqp_', 'sqa_'],
    pattern: /sq[pua]_[a-f0-9]{40}/y,
    cls: classes.word,
    length: [44, 44],
    randomFrom: 4,
    minEntropy: 3.2,
    why: 'prefix `squ_`, `sqp_` or `sqa_` and 40 hex digits',
  }),
  // gitleaks prefect-api-token.
  tokenRule({
    id: 'prefect-api-key',
    provider: 'Prefect',
    title: 'Prefect Cloud API key',
    description: 'A Prefect Cloud API key: `pnu_` and 36 letters or digits.',
    fix: revoke('Prefect Cloud (Profile, API keys)'),
    envName: 'PREFECT_API_KEY',
    triggers: ['pnu_'],
    pattern: /pnu_[a-zA-Z0-9]{36}/y,
    cls: classes.word,
    length: [40, 40],
    randomFrom: 4,
    minEntropy: 4,
    why: 'prefix `pnu_` and 36 letters or digits',
  }),
  // gitleaks harness-api-key: personal (`pat.`) and service account (`sat.`) tokens, four parts.
  tokenRule({
    id: 'harness-token',
    provider: 'Harness',
    title: 'Harness access token',
    description:
      'A Harness personal (`pat.`) or service account (`sat.`) token: the prefix and three dot-separated parts of 22, 24 and 20 characters.',
    fix: revoke('Harness (My profile or Access control, Service accounts: API keys)'),
    envName: 'HARNESS_PLATFORM_API_KEY',
    triggers: ['pat.', 'sat.'],
    pattern: /[ps]at\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9]{24}\.[a-zA-Z0-9]{20}/y,
    cls: classes.b64urlDot,
    length: [72, 72],
    randomFrom: 4,
    minEntropy: 4,
    why: 'prefix `pat.` or `sat.` and three dot-separated parts of 22, 24 and 20 characters',
  }),
  // gitleaks sourcegraph-access-token: `sgp_`, an optional 16-hex instance id (or `local`), 40 hex.
  tokenRule({
    id: 'sourcegraph-token',
    provider: 'Sourcegraph',
    title: 'Sourcegraph access token',
    description:
      'A Sourcegraph access token: `sgp_`, optionally a 16-hex-digit instance id (or `local`) and `_`, then 40 hex digits.',
    fix: revoke('Sourcegraph (Settings, Access tokens)'),
    envName: 'SRC_ACCESS_TOKEN',
    triggers: ['sgp_'],
    pattern: /sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40}/y,
    cls: classes.word,
    length: [44, 61],
    randomFrom: 4,
    minEntropy: 3.2,
    why: 'prefix `sgp_` and 40 hex digits',
  }),
  // gitleaks octopus-deploy-api-key.
  tokenRule({
    id: 'octopus-deploy-api-key',
    provider: 'Octopus Deploy',
    title: 'Octopus Deploy API key',
    description: 'An Octopus Deploy API key: `API-` and 26 upper-case letters or digits.',
    fix: revoke('Octopus Deploy (Profile, My API keys)'),
    envName: 'OCTOPUS_API_KEY',
    triggers: ['API-'],
    pattern: /API-[A-Z0-9]{26}/y,
    cls: classes.b64url,
    length: [30, 30],
    randomFrom: 4,
    minEntropy: 3.6,
    why: 'prefix `API-` and 26 upper-case letters or digits',
  }),
  // Kingfisher onepassword.1 and gitleaks 1password-service-account-token: `ops_` and a base64 JSON.
  tokenRule({
    id: 'onepassword-service-account-token',
    provider: '1Password',
    title: '1Password service account token',
    description:
      'A 1Password service account token: `ops_` and a long base64 body that starts `eyJ` (an encoded JSON object with the sign-in address and key material).',
    fix: revoke('1Password (Developer, Service accounts: revoke the token)'),
    envName: 'OP_SERVICE_ACCOUNT_TOKEN',
    triggers: ['ops_eyJ'],
    pattern: /ops_eyJ[A-Za-z0-9+/_-]{80,2000}={0,3}/y,
    cls: classes.b64Any,
    length: [87, 2010],
    randomFrom: 4,
    minEntropy: 4,
    why: 'prefix `ops_eyJ` and a long base64 body',
  }),
  // GitHub's stateless installation token (docs.github.com, "Generating an installation access token
  // for a GitHub App", rollout from April 2026; Kingfisher github.9): `ghs_`, the app id, `_`, a JWT.
  // The classic 40-character `ghs_` token stays with github-token (vcs.ts).
  tokenRule({
    id: 'github-app-installation-token',
    provider: 'GitHub',
    title: 'GitHub App installation token',
    description:
      'A GitHub App installation (server-to-server) token in the stateless format: `ghs_`, the numeric app id, `_` and a signed JWT (about 520 characters). The classic 40-character `ghs_` token is reported as `github-token`.',
    fix: 'Revoke it (`DELETE /installation/token`); installation tokens expire within an hour, so have the app mint one at run time instead of storing it.',
    envName: 'GITHUB_TOKEN',
    triggers: ['ghs_'],
    pattern: /ghs_[0-9]{1,12}_[A-Za-z0-9_-]{10,2000}\.[A-Za-z0-9_-]{10,4000}\.[A-Za-z0-9_-]{10,2000}/y,
    cls: charClass('A-Za-z0-9_.-'),
    length: [40, 8000],
    randomFrom: 4,
    minEntropy: 4,
    check: hasJwtHeader,
    why: 'prefix `ghs_`, an app id and a JWT whose header decodes to JSON with an `alg`',
  }),
];

/** Whether the JWT after `ghs_<app id>_` has a header that decodes to JSON with an `alg`. */
function hasJwtHeader(token: string): boolean {
  const start = token.indexOf('_', 4) + 1;
  const header = token.slice(start, token.indexOf('.', start));
  try {
    const parsed: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    return (
      typeof parsed === 'object' && parsed !== null && typeof (parsed as { alg?: unknown }).alg === 'string'
    );
  } catch {
    return false;
  }
}
