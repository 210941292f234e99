// Source hosting and package registries.
import { hasValidCrcChecksum } from './checksum';
import { tokenRule } from './define';
import { charClass, classes, type Rule, type RuleInfo } from './types';

const revoke = (where: string) =>
  `Revoke the token in ${where}, create a new one, and load it from the environment or a secret store.`;
const unverifiedFix = (where: string) =>
  `Most likely not a usable token, since a real one carries a valid checksum. If it was copied from a real token and altered, revoke that one in ${where}; a test value can stay, or be marked \`token-agent:allow\`.`;

/**
 * GitHub and npm tokens end with a CRC32 checksum of their random part (checksum.ts). One that passes
 * is almost certainly a real token. One that fails is a typo'd, made-up or altered value — a test
 * fixture, a doc sample — since a real token always carries a valid checksum; it is still worth a
 * look, so it is reported, but under a rule of its own with severity info: listed, never a reason to
 * fail a build, and no longer a warning that teaches people to ignore the real ones.
 */
function withChecksum(
  rule: Rule,
  unverified: Pick<RuleInfo, 'id' | 'title' | 'description' | 'fix'>,
): Rule[] {
  // Metadata only: findings reach it through `match.rule`, so the prefilter never dispatches to it.
  const failing: Rule = {
    ...rule,
    ...unverified,
    shape: `${rule.shape}, the last 6 not the CRC32 checksum of the 30 before`,
    severity: 'info',
    baselineAs: rule.id,
    triggers: [],
    match: () => undefined,
  };
  // One sentence per distinct reason, as in tokenRule: findings share them rather than copy them.
  const sentences = new Map<string, string>();
  const checked: Rule = {
    ...rule,
    match(ctx, at, trigger) {
      const found = rule.match(ctx, at, trigger);
      if (!found) return undefined;
      const valid = hasValidCrcChecksum(ctx.text.slice(found.start, found.end), 4);
      const note = valid
        ? 'its CRC32 checksum matches'
        : "but its CRC32 checksum does not match: a typo'd or made-up token, as a real one carries a valid checksum";
      const key = `${valid}${found.why}`;
      let why = sentences.get(key);
      if (why === undefined) {
        why = `${found.why.replace(/\.$/, '')}; ${note}.`;
        sentences.set(key, why);
      }
      found.why = why;
      if (!valid) found.rule = failing.id;
      return found;
    },
  };
  return [checked, failing];
}

export const vcsRules: Rule[] = [
  ...withChecksum(
    tokenRule({
      id: 'github-token',
      provider: 'GitHub',
      title: 'GitHub token',
      description:
        'A GitHub personal access token (classic, `ghp_`), OAuth token (`gho_`), user-to-server (`ghu_`), server-to-server (`ghs_`, classic format) or refresh token (`ghr_`): the prefix and 36 letters or digits, the last 6 a CRC32 checksum of the 30 before (a token that fails it is reported as `github-token-unverified`).',
      fix: revoke('GitHub settings (Developer settings, Personal access tokens)'),
      envName: 'GITHUB_TOKEN',
      triggers: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
      pattern: /gh[pousr]_[A-Za-z0-9]{36}/y,
      cls: classes.word,
      length: [40, 40],
      randomFrom: 4,
      minEntropy: 4,
      why: 'prefix `gh[pousr]_` and 36 letters or digits',
    }),
    {
      id: 'github-token-unverified',
      title: 'GitHub token (checksum fails)',
      description:
        "A value shaped like a GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` and 36 letters or digits) whose last 6 characters are not the CRC32 checksum of the 30 before: a typo'd, made-up or altered token, since a real one carries a valid checksum. Severity info: listed, never a reason for `token-agent scan` to fail.",
      fix: unverifiedFix('GitHub settings (Developer settings, Personal access tokens)'),
    },
  ),
  tokenRule({
    id: 'github-fine-grained-pat',
    provider: 'GitHub',
    title: 'GitHub fine-grained token',
    description:
      'A GitHub fine-grained personal access token: `github_pat_` and 82 letters, digits or underscores.',
    fix: revoke('GitHub settings (Developer settings, Fine-grained tokens)'),
    envName: 'GITHUB_TOKEN',
    triggers: ['github_pat_'],
    pattern: /github_pat_[A-Za-z0-9_]{82}/y,
    cls: classes.word,
    length: [93, 93],
    randomFrom: 11,
    minEntropy: 4.2,
    why: 'prefix `github_pat_` and 82 letters, digits or underscores',
  }),
  tokenRule({
    id: 'gitlab-token',
    provider: 'GitLab',
    title: 'GitLab token',
    description:
      'A GitLab personal, project or group access token (`glpat-`), deploy token (`gldt-`), runner token (`glrt-`) or pipeline trigger token (`glptt-`).',
    fix: revoke('GitLab (User settings, Access tokens, or the project settings)'),
    envName: 'GITLAB_TOKEN',
    triggers: ['glpat-', 'gldt-', 'glrt-', 'glptt-'],
    pattern: /gl(?:pat|dt|rt|ptt)-[A-Za-z0-9_-]{20,64}(?:\.[0-9a-z]{2}\.[0-9a-z]{9})?/y,
    cls: classes.b64urlDot,
    length: [25, 82],
    randomFrom: 6,
    minEntropy: 3.3,
    why: 'prefix `glpat-` (or `gldt-`, `glrt-`, `glptt-`) and at least 20 base64url characters',
  }),
  tokenRule({
    id: 'bitbucket-app-password',
    provider: 'Bitbucket',
    title: 'Bitbucket app password',
    description: 'An Atlassian Bitbucket app password: `ATBB` and 32 letters or digits.',
    fix: revoke('Bitbucket personal settings (App passwords)'),
    envName: 'BITBUCKET_APP_PASSWORD',
    triggers: ['ATBB'],
    pattern: /ATBB[A-Za-z0-9]{32}/y,
    cls: classes.alnum,
    length: [36, 36],
    randomFrom: 4,
    minEntropy: 4,
    why: 'prefix `ATBB` and 32 letters or digits',
  }),
  ...withChecksum(
    tokenRule({
      id: 'npm-token',
      provider: 'npm',
      title: 'npm access token',
      description:
        'An npm access token: `npm_` and 36 letters or digits, the last 6 a CRC32 checksum of the 30 before (a token that fails it is reported as `npm-token-unverified`).',
      fix: revoke('npmjs.com (Access Tokens)'),
      envName: 'NPM_TOKEN',
      triggers: ['npm_'],
      pattern: /npm_[A-Za-z0-9]{36}/y,
      cls: classes.word,
      length: [40, 40],
      randomFrom: 4,
      minEntropy: 4,
      why: 'prefix `npm_` and 36 letters or digits',
    }),
    {
      id: 'npm-token-unverified',
      title: 'npm access token (checksum fails)',
      description:
        "A value shaped like an npm access token (`npm_` and 36 letters or digits) whose last 6 characters are not the CRC32 checksum of the 30 before: a typo'd, made-up or altered token, since a real one carries a valid checksum. Severity info: listed, never a reason for `token-agent scan` to fail.",
      fix: unverifiedFix('npmjs.com (Access Tokens)'),
    },
  ),
  tokenRule({
    id: 'pypi-token',
    provider: 'PyPI',
    title: 'PyPI API token',
    description: 'A PyPI API token: a macaroon that starts `pypi-AgEIcHlwaS5vcmc` (base64 of "pypi.org").',
    fix: revoke('PyPI account settings (API tokens)'),
    envName: 'PYPI_TOKEN',
    triggers: ['pypi-AgEIcHlwaS5vcmc'],
    pattern: /pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000}/y,
    cls: classes.b64url,
    length: [70, 1020],
    randomFrom: 20,
    minEntropy: 4,
    why: 'prefix `pypi-AgEIcHlwaS5vcmc` (a macaroon for pypi.org) and a base64url body',
  }),
  tokenRule({
    id: 'rubygems-api-key',
    provider: 'RubyGems',
    title: 'RubyGems API key',
    description: 'A RubyGems.org API key: `rubygems_` and 48 hex digits.',
    fix: revoke('RubyGems.org settings (API keys)'),
    envName: 'GEM_HOST_API_KEY',
    triggers: ['rubygems_'],
    pattern: /rubygems_[0-9a-f]{48}/y,
    cls: classes.word,
    length: [57, 57],
    randomFrom: 9,
    minEntropy: 3.1,
    why: 'prefix `rubygems_` and 48 hex digits',
  }),
  tokenRule({
    id: 'dockerhub-token',
    provider: 'Docker Hub',
    title: 'Docker Hub access token',
    description: 'A Docker Hub personal access token: `dckr_pat_` and 27 base64url characters.',
    fix: revoke('Docker Hub account settings (Personal access tokens)'),
    envName: 'DOCKERHUB_TOKEN',
    triggers: ['dckr_pat_'],
    pattern: /dckr_pat_[A-Za-z0-9_-]{27}/y,
    cls: classes.b64url,
    length: [36, 36],
    randomFrom: 9,
    minEntropy: 3.6,
    why: 'prefix `dckr_pat_` and 27 base64url characters',
  }),
  tokenRule({
    id: 'atlassian-api-token',
    provider: 'Atlassian',
    title: 'Atlassian API token',
    description: 'An Atlassian (Jira, Confluence) API token: `ATATT3` and about 186 base64url characters.',
    fix: revoke('your Atlassian account (Security, API tokens)'),
    envName: 'ATLASSIAN_API_TOKEN',
    triggers: ['ATATT3'],
    pattern: /ATATT3[A-Za-z0-9_=-]{150,250}/y,
    cls: charClass('A-Za-z0-9_=-'),
    length: [156, 256],
    randomFrom: 6,
    minEntropy: 4.5,
    why: 'prefix `ATATT3` and a long base64url body',
  }),
];
