// Provider rules of the aidata group (AI and ML providers, databases and data platforms, analytics):
// prefix rules here, formats known only by the name they are assigned to in aidataContext.ts. Each
// rule cites the scanner rule or provider source its format comes from.
import { tokenRule } from './define';
import { charClass, classes, type Rule } from './types';

export { aidataContext } from './aidataContext';

const rotate = (where: string) =>
  `Revoke the key in ${where}, create a new one, and load it from the environment or a secret store.`;

const uuidBody = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

export const aidataRules: Rule[] = [
  // trufflehog pkg/detectors/openrouter/openrouter.go: `sk-or-v1-` and 64 hex digits.
  tokenRule({
    id: 'openrouter-api-key',
    provider: 'OpenRouter',
    title: 'OpenRouter API key',
    description: 'An OpenRouter API key: `sk-or-v1-` and 64 hex digits.',
    fix: rotate('OpenRouter settings (Keys)'),
    envName: 'OPENROUTER_API_KEY',
    triggers: ['sk-or-v1-'],
    pattern: /sk-or-v1-[0-9a-f]{64}/y,
    cls: classes.b64url,
    length: [73, 73],
    randomFrom: 9,
    minEntropy: 3.3,
    why: 'prefix `sk-or-v1-` and 64 hex digits',
  }),
  // trufflehog pkg/detectors/langsmith/langsmith.go: personal (`pt`) and service (`sk`) keys.
  tokenRule({
    id: 'langsmith-api-key',
    provider: 'LangSmith',
    title: 'LangSmith API key',
    description:
      'A LangSmith (LangChain) personal access token (`lsv2_pt_`) or service key (`lsv2_sk_`): 32 hex digits, `_`, 10 hex digits.',
    fix: rotate('LangSmith settings (API Keys)'),
    envName: 'LANGSMITH_API_KEY',
    triggers: ['lsv2_pt_', 'lsv2_sk_'],
    pattern: /lsv2_(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10}/y,
    cls: classes.word,
    length: [51, 51],
    randomFrom: 8,
    minEntropy: 3,
    why: 'prefix `lsv2_pt_` or `lsv2_sk_` and two hex parts of 32 and 10 digits',
  }),
  // trufflehog pkg/detectors/pinecone/pinecone.go: `pcsk_{key_id}_{secret}`.
  tokenRule({
    id: 'pinecone-api-key',
    provider: 'Pinecone',
    title: 'Pinecone API key',
    description:
      'A Pinecone API key: `pcsk_`, a short key id, `_`, and a secret of about 63 letters or digits.',
    fix: rotate('the Pinecone console (API Keys)'),
    envName: 'PINECONE_API_KEY',
    triggers: ['pcsk_'],
    pattern: /pcsk_[A-Za-z0-9]{4,10}_[A-Za-z0-9]{40,80}/y,
    cls: classes.word,
    length: [50, 96],
    randomFrom: 5,
    minEntropy: 4,
    why: 'prefix `pcsk_`, a key id and a secret of at least 40 letters or digits',
  }),
  // trufflehog pkg/detectors/togetherai/togetherai.go: `tgp_v1_` and 43 base64url characters.
  tokenRule({
    id: 'together-ai-api-key',
    provider: 'Together AI',
    title: 'Together AI API key',
    description: 'A Together AI API key: `tgp_v1_` and 43 base64url characters.',
    fix: rotate('Together AI settings (API Keys)'),
    envName: 'TOGETHER_API_KEY',
    triggers: ['tgp_v1_'],
    pattern: /tgp_v1_[A-Za-z0-9_-]{43}/y,
    cls: classes.b64url,
    length: [50, 50],
    randomFrom: 7,
    minEntropy: 4,
    why: 'prefix `tgp_v1_` and 43 base64url characters',
  }),
  // trufflehog pkg/detectors/nvapi/nvapi.go: `nvapi-` and 64 base64url characters (NGC, build.nvidia.com).
  tokenRule({
    id: 'nvidia-api-key',
    provider: 'NVIDIA',
    title: 'NVIDIA API key',
    description: 'An NVIDIA NGC or NVIDIA API Catalog key: `nvapi-` and 64 base64url characters.',
    fix: rotate('NVIDIA NGC (Setup, API Keys)'),
    envName: 'NVIDIA_API_KEY',
    triggers: ['nvapi-'],
    pattern: /nvapi-[A-Za-z0-9_-]{64}/y,
    cls: classes.b64url,
    length: [70, 70],
    randomFrom: 6,
    minEntropy: 4.2,
    why: 'prefix `nvapi-` and 64 base64url characters',
  }),
  // trufflehog pkg/detectors/cerebras/cerebras.go: `csk-` and 48 lower-case letters or digits.
  tokenRule({
    id: 'cerebras-api-key',
    provider: 'Cerebras',
    title: 'Cerebras API key',
    description: 'A Cerebras inference API key: `csk-` and 48 lower-case letters or digits.',
    fix: rotate('the Cerebras cloud console (API Keys)'),
    envName: 'CEREBRAS_API_KEY',
    triggers: ['csk-'],
    pattern: /csk-[a-z0-9]{48}/y,
    cls: classes.b64url,
    length: [52, 52],
    randomFrom: 4,
    minEntropy: 4,
    why: 'prefix `csk-` and 48 lower-case letters or digits',
  }),
  // trufflehog pkg/detectors/langfuse/langfuse.go: `sk-lf-` and a UUID (the secret half of the pair).
  tokenRule({
    id: 'langfuse-secret-key',
    provider: 'Langfuse',
    title: 'Langfuse secret key',
    description: 'A Langfuse project secret key: `sk-lf-` and a UUID.',
    fix: rotate('Langfuse project settings (API Keys)'),
    envName: 'LANGFUSE_SECRET_KEY',
    triggers: ['sk-lf-'],
    pattern: new RegExp(`sk-lf-${uuidBody}`, 'y'),
    cls: classes.b64url,
    length: [42, 42],
    randomFrom: 6,
    minEntropy: 3,
    why: 'prefix `sk-lf-` and a UUID',
  }),
  // Same source. Langfuse's browser SDK (LangfuseWeb) takes only the public key, so it is meant to
  // ship in client code: reported for information, never a reason to fail.
  tokenRule({
    id: 'langfuse-public-key',
    provider: 'Langfuse',
    title: 'Langfuse public key',
    description:
      'A Langfuse project public key (`pk-lf-` and a UUID). It is made to be used in browsers; it is listed so that you know where it is, and its secret key (`sk-lf-`) must never sit next to it.',
    fix: 'Nothing to rotate: public keys are meant to be published. Keep the matching `sk-lf-` secret key out of the code.',
    envName: 'LANGFUSE_PUBLIC_KEY',
    severity: 'info',
    triggers: ['pk-lf-'],
    pattern: new RegExp(`pk-lf-${uuidBody}`, 'y'),
    cls: classes.b64url,
    length: [42, 42],
    randomFrom: 6,
    minEntropy: 3,
    why: 'prefix `pk-lf-` and a UUID',
  }),
  // gitleaks config/gitleaks.toml, huggingface-organization-api-token: `api_org_` and 34 letters.
  tokenRule({
    id: 'huggingface-org-token',
    provider: 'Hugging Face',
    title: 'Hugging Face organization API token',
    description: 'A Hugging Face organization API token: `api_org_` and 34 letters.',
    fix: rotate('the Hugging Face organization settings (API tokens)'),
    envName: 'HF_ORG_TOKEN',
    triggers: ['api_org_'],
    pattern: /api_org_[A-Za-z]{34}/y,
    cls: classes.word,
    length: [42, 42],
    randomFrom: 8,
    minEntropy: 3.8,
    why: 'prefix `api_org_` and 34 letters',
  }),
  // gitleaks config/gitleaks.toml, clickhouse-cloud-api-secret-key: `4b1d` and 38 letters or digits.
  tokenRule({
    id: 'clickhouse-cloud-secret-key',
    provider: 'ClickHouse',
    title: 'ClickHouse Cloud API secret key',
    description: 'A ClickHouse Cloud API secret key: `4b1d` and 38 letters or digits.',
    fix: rotate('the ClickHouse Cloud console (API Keys)'),
    envName: 'CLICKHOUSE_SECRET_KEY',
    triggers: ['4b1d'],
    pattern: /4b1d[A-Za-z0-9]{38}/y,
    cls: classes.alnum,
    length: [42, 42],
    randomFrom: 4,
    minEntropy: 4,
    // A hex digest may start `4b1d` too: a base62 key all but always has a letter beyond `f`.
    check: (token) => /[g-zG-Z]/.test(token),
    why: 'prefix `4b1d` and 38 letters or digits',
  }),
  // PostHog posthog/models/utils.py: personal keys are `phx_` and base62 of 32 random bytes.
  tokenRule({
    id: 'posthog-personal-api-key',
    provider: 'PostHog',
    title: 'PostHog personal API key',
    description: 'A PostHog personal API key: `phx_` and 42 or 43 letters or digits.',
    fix: rotate('PostHog settings (Personal API keys)'),
    envName: 'POSTHOG_PERSONAL_API_KEY',
    triggers: ['phx_'],
    pattern: /phx_[A-Za-z0-9]{42,43}/y,
    cls: classes.word,
    length: [46, 47],
    randomFrom: 4,
    minEntropy: 4.2,
    why: 'prefix `phx_` and 42 or 43 letters or digits',
  }),
  // Same source (and trufflehog pkg/detectors/posthog): `phc_` project keys go in the browser snippet.
  tokenRule({
    id: 'posthog-project-api-key',
    provider: 'PostHog',
    title: 'PostHog project API key',
    description:
      "A PostHog project API key (`phc_`): it is published in every page that loads PostHog's snippet, so it is listed for information only.",
    fix: 'Nothing to rotate: project keys are meant to be published. Keep personal keys (`phx_`) out of the code.',
    envName: 'POSTHOG_PROJECT_API_KEY',
    severity: 'info',
    triggers: ['phc_'],
    pattern: /phc_[A-Za-z0-9]{42,43}/y,
    cls: classes.word,
    length: [46, 47],
    randomFrom: 4,
    minEntropy: 4.2,
    why: 'prefix `phc_` and 42 or 43 letters or digits',
  }),
  // trufflehog pkg/detectors/cloudinary/cloudinary.go (15-digit key, 27-character secret) in the
  // CLOUDINARY_URL form Cloudinary's SDKs read: `cloudinary://KEY:SECRET@CLOUD_NAME`.
  tokenRule({
    id: 'cloudinary-url',
    provider: 'Cloudinary',
    title: 'Cloudinary URL with API secret',
    description:
      'A `CLOUDINARY_URL`: `cloudinary://`, the 15-digit API key, `:`, the 27-character API secret, `@` and the cloud name.',
    fix: rotate('the Cloudinary console (Settings, API Keys)'),
    envName: 'CLOUDINARY_URL',
    triggers: ['cloudinary://'],
    pattern: /cloudinary:\/\/[0-9]{15}:[A-Za-z0-9_-]{27}@[A-Za-z0-9_-]{2,50}/y,
    cls: charClass('A-Za-z0-9_:/@-'),
    length: [59, 107],
    randomFrom: 29,
    minEntropy: 3.5,
    why: '`cloudinary://`, a 15-digit API key, a 27-character API secret and a cloud name',
  }),
  // gitleaks config/gitleaks.toml, prefect-api-token: `pnu_` and 36 letters or digits.
  tokenRule({
    id: 'prefect-api-key',
    provider: 'Prefect',
    title: 'Prefect Cloud API key',
    description: 'A Prefect Cloud API key: `pnu_` and 36 letters or digits.',
    fix: rotate('Prefect Cloud (Profile, API keys)'),
    envName: 'PREFECT_API_KEY',
    triggers: ['pnu_'],
    pattern: /pnu_[A-Za-z0-9]{36}/y,
    cls: classes.word,
    length: [40, 40],
    randomFrom: 4,
    minEntropy: 4,
    why: 'prefix `pnu_` and 36 letters or digits',
  }),
  // trufflehog pkg/detectors/neon/neon.go (neon.com/docs/changelog/2025-01-31): `napi_` and 32–128.
  tokenRule({
    id: 'neon-api-key',
    provider: 'Neon',
    title: 'Neon API key',
    description: 'A Neon (serverless Postgres) API key: `napi_` and 32 to 128 letters or digits.',
    fix: rotate('the Neon console (Account settings, API keys)'),
    envName: 'NEON_API_KEY',
    triggers: ['napi_'],
    pattern: /napi_[A-Za-z0-9]{32,128}/y,
    cls: classes.word,
    length: [37, 133],
    randomFrom: 5,
    minEntropy: 4,
    why: 'prefix `napi_` and at least 32 letters or digits',
  }),
];
