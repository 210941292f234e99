// Samples for the structural and context rules of the platforms group (platformsAzure.ts,
// platformsManifests.ts, platformsContext.ts): each value written into the structure that
// carries it, and near misses from the same documentation.
import { A, type Gen, named, type Rng, rs } from '../corpusPrimitives';
import type { SampleGroup } from './group';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const uuid = (r: Rng) =>
  `${rs(r, 8, A.hex)}-${rs(r, 4, A.hex)}-4${rs(r, 3, A.hex)}-a${rs(r, 3, A.hex)}-${rs(r, 12, A.hex)}`;
const sasQuery = 'sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2030-01-01T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https';
const sasSig = (r: Rng) =>
  `${rs(r, 43, A.b64).replace(/\+/g, '%2B').replace(/\//g, '%2F')}${r.pick(['%3D', '='])}`;

/** A Secret manifest as its own YAML document, so that the rule reads only this one. */
function secretManifest(r: Rng, block: 'data' | 'stringData', key: string, value: string): string {
  return [
    '---',
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    `  name: app-${rs(r, 5, A.lower)}`,
    'type: Opaque',
    `${block}:`,
    `  username: ${block === 'data' ? b64('app') : 'app'}`,
    `  ${key}: ${value}`,
    '---',
  ].join('\n');
}

const positives: Record<string, Gen[]> = {
  'azure-sas-token': [
    (r) => ({
      value: sasSig(r),
      render: (v) =>
        `url = "https://${rs(r, 8, A.lower)}.blob.core.windows.net/data/report.csv?${sasQuery}&sig=${v}"`,
    }),
  ],
  'azure-cosmosdb-key': [
    (r) => ({
      value: `${rs(r, 86, A.b64)}==`,
      render: (v) =>
        `conn = "AccountEndpoint=https://${rs(r, 8, A.lower)}.documents.azure.com:443/;AccountKey=${v};"`,
    }),
  ],
  'azure-app-configuration-secret': [
    (r) => ({
      value: `${rs(r, 43, A.b64)}=`,
      render: (v) =>
        `conn = "Endpoint=https://${rs(r, 8, A.lower)}.azconfig.io;Id=${rs(r, 4, A.alnum)}-l0-s0:${rs(r, 20, A.alnum)};Secret=${v}"`,
    }),
  ],
  'azure-shared-access-key': [
    (r) => ({
      value: `${rs(r, 43, A.b64)}=`,
      render: (v) =>
        `conn = "Endpoint=sb://${rs(r, 8, A.lower)}.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${v}"`,
    }),
  ],
  'docker-config-auth': [
    (r) => ({
      value: b64(`${rs(r, 6, A.lower)}:${rs(r, 20, A.alnum)}`),
      render: (v) => `{"auths": {"registry.${rs(r, 6, A.lower)}.internal": {"auth": "${v}"}}}`,
    }),
  ],
  'kubernetes-secret': [
    (r) => ({
      value: b64(rs(r, 24, A.password)),
      render: (v) => secretManifest(r, 'data', r.pick(['password', 'api-key', 'DB_PASSWORD']), v),
    }),
    (r) => ({
      value: rs(r, 24, A.alnum),
      render: (v) => secretManifest(r, 'stringData', r.pick(['token', 'client-secret']), v),
    }),
  ],
  'firebase-web-api-key': [
    (r) => ({
      value: `AIzaSy${rs(r, 33, A.b64url)}`,
      render: (v) => {
        const project = rs(r, 8, A.lower);
        return `const firebaseConfig = {\n  apiKey: "${v}",\n  authDomain: "${project}.firebaseapp.com",\n  projectId: "${project}",\n};`;
      },
    }),
  ],
  'azure-devops-pat-legacy': [
    (r) => ({
      value: rs(r, 52, 'abcdefghijklmnopqrstuvwxyz234567'),
      render: named(['AZURE_DEVOPS_TOKEN', 'ado_token', 'VSTS_TOKEN']),
    }),
  ],
  'cloudflare-api-token': [
    (r) => ({
      value: rs(r, 40, A.b64url),
      render: named(['CLOUDFLARE_API_TOKEN', 'CF_API_TOKEN', 'cloudflareToken']),
    }),
  ],
  'cloudflare-global-api-key': [
    (r) => ({ value: rs(r, 37, A.hex), render: named(['CLOUDFLARE_API_KEY', 'CF_API_KEY']) }),
  ],
  'heroku-api-key-context': [(r) => ({ value: uuid(r), render: named(['HEROKU_API_KEY', 'herokuApiKey']) })],
  'codecov-token': [(r) => ({ value: uuid(r), render: named(['CODECOV_TOKEN', 'codecov_token']) })],
  'snyk-token': [(r) => ({ value: uuid(r), render: named(['SNYK_TOKEN', 'snykApiToken']) })],
  'travis-ci-token': [
    (r) => ({ value: rs(r, 22, A.alnum), render: named(['TRAVIS_TOKEN', 'travis_api_token']) }),
  ],
  'alibaba-access-key-secret': [
    (r) => ({
      value: rs(r, 30, A.alnum),
      render: named(['ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'aliyun_secret']),
    }),
  ],
  'yandex-cloud-key': [
    (r) => ({ value: `AQVN${rs(r, 36, A.b64url)}`, render: named(['YANDEX_API_KEY', 'YC_API_KEY']) }),
    (r) => ({ value: `YC${rs(r, 38, A.b64url)}`, render: named(['YANDEX_SECRET_KEY', 'yc_secret']) }),
  ],
  'circleci-token-context': [
    (r) => ({ value: rs(r, 40, A.hex), render: named(['CIRCLECI_TOKEN', 'CIRCLE_TOKEN']) }),
  ],
  'hetzner-cloud-token': [
    (r) => ({ value: rs(r, 64, A.alnum), render: named(['HCLOUD_TOKEN', 'hetzner_api_token']) }),
  ],
  'vultr-api-key': [
    (r) => ({ value: rs(r, 36, A.hex.toUpperCase()), render: named(['VULTR_API_KEY', 'vultrApiKey']) }),
  ],
  'sonar-token-context': [(r) => ({ value: rs(r, 40, A.hex), render: named(['SONAR_TOKEN', 'sonarToken']) })],
};

const decoys: Record<string, ((r: Rng) => string)[]> = {
  'azure-sas-token': [
    (r) => `url = "https://cdn.internal/file?v=2&sig=${rs(r, 43, A.b64)}%3D"`,
    () => `url = "https://a.blob.core.windows.net/c/b?${sasQuery}&sig=${'X'.repeat(43)}%3D"`,
    (r) => `url = "https://a.blob.core.windows.net/c/b?${sasQuery}&sig=${rs(r, 20, A.b64)}"`,
  ],
  'azure-cosmosdb-key': [
    () => 'conn = "AccountEndpoint=https://a.documents.azure.com:443/;AccountKey=<your-account-key>;"',
  ],
  'docker-config-auth': [
    () => `{"auths": {"registry.internal": {"auth": "${b64('user:changeme')}"}}}`,
    (r) => `{"auths": {"registry.internal": {"auth": "${b64(rs(r, 24, A.alnum))}"}}}`,
    (r) => `{"auth": "${b64(`deploy:${rs(r, 20, A.alnum)}`)}", "mode": "basic"}`,
  ],
  'kubernetes-secret': [
    (r) => secretManifest(r, 'data', 'settings', b64('changeme')),
    (r) => secretManifest(r, 'stringData', 'settings', '{{ .Values.password }}'),
    (r) => secretManifest(r, 'data', 'host', b64(`db-${rs(r, 6, A.lower)}.internal`)),
    (r) =>
      secretManifest(r, 'data', 'settings', b64(rs(r, 24, A.alnum))).replace(
        'kind: Secret',
        'kind: SecretStore',
      ),
    (r) => secretManifest(r, 'stringData', 'settings', `${rs(r, 4, A.lower)}-password-${rs(r, 4, A.digits)}`),
  ],
  'cloudflare-global-api-key': [(r) => `CLOUDFLARE_API_KEY = "${rs(r, 37, A.digits)}"`],
  'heroku-api-key-context': [() => 'HEROKU_API_KEY = "00000000-0000-0000-0000-000000000000"'],
  'codecov-token': [() => 'CODECOV_TOKEN: "$CODECOV_TOKEN"'],
};

export const platformsStructuralSamples: SampleGroup = { positives, decoys, variableLength: [] };
