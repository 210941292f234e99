// Platforms group, part 5: secrets with no prefix of their own, recognised by the provider's name in
// what they are assigned to (see contextFormat.ts). Sources: gitleaks' config/gitleaks.toml and
// Kingfisher's rule files (mongodb/kingfisher), cited per format.
import { type ContextFormat, contextInfo } from './contextFormat';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function format(
  rule: Parameters<typeof contextInfo>[0],
  name: (name: string) => boolean,
  value: RegExp,
  minEntropy: number,
  why: string,
): ContextFormat {
  return { rule: contextInfo(rule), name, value, minEntropy, why };
}

export const platformsContextFormats: ContextFormat[] = [
  // Azure DevOps PATs before 2024 (Microsoft Purview SIT: base32 of a 256-bit key; Kingfisher azure.3):
  // 52 characters of lower-case base32, only trusted under an Azure DevOps name.
  format(
    {
      id: 'azure-devops-pat-legacy',
      provider: 'Azure DevOps',
      title: 'Azure DevOps personal access token (52-character format)',
      description:
        'An Azure DevOps personal access token in the format used before 2024: 52 characters of lower-case base32, assigned to an Azure DevOps, ADO, VSTS or PAT name.',
      fix: 'Revoke it in Azure DevOps (User settings, Personal access tokens), create a new one, and read it from the environment.',
      envName: 'AZURE_DEVOPS_EXT_PAT',
      shape:
        '52 characters of `a-z 2-7` assigned to a name containing `azuredevops`, `devops`, `vsts`, or starting `ado` or `pat`.',
    },
    (name) =>
      name.includes('devops') ||
      name.includes('vsts') ||
      name.startsWith('ado') ||
      name.startsWith('pat') ||
      name.includes('personalaccesstoken'),
    /^[a-z2-7]{52}$/,
    3.8,
    '52 base32 characters assigned to an Azure DevOps name',
  ),
  // gitleaks cloudflare-api-key and Kingfisher cloudflare.1: API tokens are 40 characters.
  format(
    {
      id: 'cloudflare-api-token',
      provider: 'Cloudflare',
      title: 'Cloudflare API token',
      description: 'A Cloudflare API token (40 base64url characters) assigned to a Cloudflare name.',
      fix: 'Roll or delete the token in the Cloudflare dashboard (My Profile, API Tokens) and read it from the environment.',
      envName: 'CLOUDFLARE_API_TOKEN',
      shape:
        '40 characters of `A-Z a-z 0-9 _ -` assigned to a name containing `cloudflare` or starting `cf`.',
    },
    (name) => name.includes('cloudflare') || name.startsWith('cf'),
    /^[A-Za-z0-9_-]{40}$/,
    4,
    '40 base64url characters assigned to a Cloudflare name',
  ),
  // gitleaks cloudflare-global-api-key: the legacy Global API Key is 37 hex digits.
  format(
    {
      id: 'cloudflare-global-api-key',
      provider: 'Cloudflare',
      title: 'Cloudflare Global API key',
      description:
        'A Cloudflare Global API Key (37 hex digits) assigned to a Cloudflare name. It has the full rights of the account.',
      fix: 'Change the Global API Key in the Cloudflare dashboard (My Profile, API Tokens) and move to scoped API tokens.',
      envName: 'CLOUDFLARE_API_KEY',
      shape: '37 lower-case hex digits assigned to a name containing `cloudflare` or starting `cf`.',
    },
    (name) => name.includes('cloudflare') || name.startsWith('cf'),
    // At least one letter: 37 decimal digits are a number, not a key.
    /^(?=[0-9]{0,36}[a-f])[a-f0-9]{37}$/,
    3,
    '37 hex digits assigned to a Cloudflare name',
  ),
  // gitleaks heroku-api-key and Kingfisher heroku.1: the older keys are UUIDs.
  format(
    {
      id: 'heroku-api-key-context',
      provider: 'Heroku',
      title: 'Heroku API key (UUID format)',
      description: 'A Heroku API key in the older UUID format, assigned to a Heroku name.',
      fix: 'Regenerate the API key in Heroku (Account settings) or revoke the authorization, and read it from the environment.',
      envName: 'HEROKU_API_KEY',
      shape: 'A UUID assigned to a name containing `heroku`.',
    },
    (name) => name.includes('heroku'),
    uuid,
    3,
    'a UUID assigned to a Heroku name',
  ),
  // gitleaks codecov-access-token; Codecov upload tokens are UUIDs (docs.codecov.com, Codecov Tokens).
  format(
    {
      id: 'codecov-token',
      provider: 'Codecov',
      title: 'Codecov token',
      description: 'A Codecov upload or API token (a UUID, or 32 hex digits) assigned to a Codecov name.',
      fix: 'Regenerate the token in Codecov (repository or organization settings) and store it as a CI secret.',
      envName: 'CODECOV_TOKEN',
      shape: 'A UUID or 32 hex digits assigned to a name containing `codecov`.',
    },
    (name) => name.includes('codecov'),
    /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i,
    3,
    'a UUID assigned to a Codecov name',
  ),
  // gitleaks snyk-api-token.
  format(
    {
      id: 'snyk-token',
      provider: 'Snyk',
      title: 'Snyk API token',
      description: 'A Snyk API token (a UUID) assigned to a Snyk name.',
      fix: 'Revoke and regenerate the token in Snyk (Account settings, Auth token) and store it as a CI secret.',
      envName: 'SNYK_TOKEN',
      shape: 'A UUID assigned to a name containing `snyk`.',
    },
    (name) => name.includes('snyk'),
    uuid,
    3,
    'a UUID assigned to a Snyk name',
  ),
  // gitleaks travisci-access-token.
  format(
    {
      id: 'travis-ci-token',
      provider: 'Travis CI',
      title: 'Travis CI API token',
      description: 'A Travis CI API token (22 letters or digits) assigned to a Travis name.',
      fix: 'Regenerate the token in Travis CI (Settings, API authentication) and store it as a secret.',
      envName: 'TRAVIS_TOKEN',
      shape: '22 letters or digits assigned to a name containing `travis`.',
    },
    (name) => name.includes('travis'),
    /^[A-Za-z0-9]{22}$/,
    3.5,
    '22 letters or digits assigned to a Travis CI name',
  ),
  // gitleaks alibaba-secret-key: the AccessKey secret is 30 letters or digits.
  format(
    {
      id: 'alibaba-access-key-secret',
      provider: 'Alibaba Cloud',
      title: 'Alibaba Cloud AccessKey secret',
      description:
        'An Alibaba Cloud AccessKey secret (30 letters or digits) assigned to an Alibaba or Aliyun name.',
      fix: 'Disable and delete the AccessKey pair in the RAM console, create a new one, and read it from the environment.',
      envName: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
      shape: '30 letters or digits assigned to a name containing `alibaba` or `aliyun`.',
    },
    (name) => name.includes('alibaba') || name.includes('aliyun'),
    /^[A-Za-z0-9]{30}$/,
    3.7,
    '30 letters or digits assigned to an Alibaba Cloud name',
  ),
  // gitleaks yandex-api-key (`AQVN…`), yandex-aws-access-token (`YC…`) and yandex-access-token (`t1.…`).
  format(
    {
      id: 'yandex-cloud-key',
      provider: 'Yandex Cloud',
      title: 'Yandex Cloud key or token',
      description:
        'A Yandex Cloud API key (`AQVN…`), static access key secret (`YC…`) or IAM token (`t1.…`) assigned to a Yandex name.',
      fix: 'Delete the key in the Yandex Cloud console (service account, keys), create a new one, and read it from the environment.',
      envName: 'YC_API_KEY',
      shape:
        '`AQVN` and 35–38 characters, `YC` and 38, or `t1.` and two dotted parts, assigned to a name containing `yandex` or starting `yc`.',
    },
    (name) => name.includes('yandex') || name.startsWith('yc'),
    /^(?:AQVN[A-Za-z0-9_-]{35,38}|YC[A-Za-z0-9_-]{38}|t1\.[A-Za-z0-9_-]{1,100}={0,2}\.[A-Za-z0-9_-]{86}={0,2})$/,
    4,
    'a Yandex Cloud key shape assigned to a Yandex name',
  ),
  // Kingfisher circleci.2 (circleci.com/docs/api/v1): older personal and project tokens are 40 hex.
  format(
    {
      id: 'circleci-token-context',
      provider: 'CircleCI',
      title: 'CircleCI API token (unprefixed)',
      description: 'An older CircleCI API token (40 hex digits) assigned to a CircleCI name.',
      fix: 'Delete the token in CircleCI (User or Project settings, API tokens) and use a new one from a secret.',
      envName: 'CIRCLECI_TOKEN',
      shape: '40 hex digits assigned to a name containing `circle`.',
    },
    (name) => name.includes('circle'),
    /^[a-f0-9]{40}$/,
    3,
    '40 hex digits assigned to a CircleCI name',
  ),
  // gitleaks sonar-api-token and Kingfisher sonarqube.3: unprefixed tokens are 40 hex digits.
  format(
    {
      id: 'sonar-token-context',
      provider: 'SonarQube',
      title: 'SonarQube token (unprefixed)',
      description: 'An older SonarQube or SonarCloud token (40 hex digits) assigned to a Sonar name.',
      fix: 'Revoke the token in SonarQube or SonarCloud (My account, Security) and store the new one as a CI secret.',
      envName: 'SONAR_TOKEN',
      shape: '40 hex digits assigned to a name containing `sonar`.',
    },
    (name) => name.includes('sonar'),
    /^[a-f0-9]{40}$/,
    3,
    '40 hex digits assigned to a Sonar name',
  ),
  // Kingfisher hetzner.1 (docs.hetzner.cloud): Hetzner Cloud API tokens are 64 letters or digits.
  format(
    {
      id: 'hetzner-cloud-token',
      provider: 'Hetzner',
      title: 'Hetzner Cloud API token',
      description: 'A Hetzner Cloud API token (64 letters or digits) assigned to a Hetzner or `hcloud` name.',
      fix: 'Delete the token in the Hetzner Cloud Console (project Security, API tokens) and read a new one from the environment.',
      envName: 'HCLOUD_TOKEN',
      shape: '64 letters or digits assigned to a name containing `hetzner` or `hcloud`.',
    },
    (name) => name.includes('hetzner') || name.includes('hcloud'),
    /^[A-Za-z0-9]{64}$/,
    4.5,
    '64 letters or digits assigned to a Hetzner Cloud name',
  ),
  // Kingfisher vultr.1 (docs.vultr.com, API keys): 36 hex digits under a Vultr name.
  format(
    {
      id: 'vultr-api-key',
      provider: 'Vultr',
      title: 'Vultr API key',
      description: 'A Vultr API key (36 hex digits) assigned to a Vultr name.',
      fix: 'Delete the key in the Vultr customer portal (Account, API) and read a new one from the environment.',
      envName: 'VULTR_API_KEY',
      shape: '36 hex digits assigned to a name containing `vultr`.',
    },
    (name) => name.includes('vultr'),
    /^[A-Fa-f0-9]{36}$/,
    3.2,
    '36 hex digits assigned to a Vultr name',
  ),
];
