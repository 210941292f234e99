// Platforms group, part 1b: GitLab's other token types and GitHub's stateless installation token.
// GitLab formats from gitleaks' config/gitleaks.toml (gitleaks/gitleaks, gitlab-*.go rules).
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

export const platformsGitRules: Rule[] = [
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
