// Samples for the rules in agent/lint/rules/aidata.ts and aidataContext.ts, written from each
// format's source (cited next to the rule). Values are built at run time from the seeded generator.
import { A, type Gen, named, type Rng, rs, s } from '../corpusPrimitives';
import type { SampleGroup } from './group';

const uuidOf = (r: Rng, alphabet: string) =>
  `${rs(r, 8, alphabet)}-${rs(r, 4, alphabet)}-${rs(r, 4, alphabet)}-${rs(r, 4, alphabet)}-${rs(r, 12, alphabet)}`;
const lowerDigits = `${A.lower}${A.digits}`;

/** A value assigned to one of a provider's names. */
const assigned =
  (names: readonly string[], value: (r: Rng) => string): Gen =>
  (r) => ({ value: value(r), render: named(names) });

const prefixPositives: Record<string, Gen[]> = {
  'openrouter-api-key': [(r) => s(`sk-or-v1-${rs(r, 64, A.hex)}`)],
  'langsmith-api-key': [(r) => s(`lsv2_${r.pick(['pt', 'sk'])}_${rs(r, 32, A.hex)}_${rs(r, 10, A.hex)}`)],
  'pinecone-api-key': [(r) => s(`pcsk_${rs(r, 5 + r.int(2), A.alnum)}_${rs(r, 63, A.alnum)}`)],
  'together-ai-api-key': [(r) => s(`tgp_v1_${rs(r, 43, A.b64url)}`)],
  'nvidia-api-key': [(r) => s(`nvapi-${rs(r, 64, A.b64url)}`)],
  'cerebras-api-key': [(r) => s(`csk-${rs(r, 48, lowerDigits)}`)],
  'langfuse-secret-key': [(r) => s(`sk-lf-${uuidOf(r, A.hex)}`)],
  'langfuse-public-key': [(r) => s(`pk-lf-${uuidOf(r, A.hex)}`)],
  'huggingface-org-token': [(r) => s(`api_org_${rs(r, 34, A.letters)}`)],
  'clickhouse-cloud-secret-key': [(r) => s(`4b1d${rs(r, 38, A.alnum)}`)],
  'posthog-personal-api-key': [(r) => s(`phx_${rs(r, 43, A.alnum)}`)],
  'posthog-project-api-key': [(r) => s(`phc_${rs(r, 43, A.alnum)}`)],
  'cloudinary-url': [
    (r) =>
      s(`cloudinary://${1 + r.int(9)}${rs(r, 14, A.digits)}:${rs(r, 27, A.b64url)}@${rs(r, 8, A.lower)}`),
  ],
  'prefect-api-key': [(r) => s(`pnu_${rs(r, 36, A.alnum)}`)],
  'neon-api-key': [(r) => s(`napi_${rs(r, 64, A.alnum)}`)],
};

const mixedPassword = (r: Rng) =>
  `${rs(r, 4, A.lower.toUpperCase())}${rs(r, 4, A.lower)}${rs(r, 4, A.digits)}${rs(r, 6, A.password)}`;

const contextPositives: Record<string, Gen[]> = {
  'cohere-api-key': [assigned(['COHERE_API_KEY', 'cohereApiKey', 'CO_API_KEY'], (r) => rs(r, 40, A.alnum))],
  'mistral-api-key': [assigned(['MISTRAL_API_KEY', 'mistralApiKey'], (r) => rs(r, 32, A.alnum))],
  'deepseek-api-key': [
    assigned(['DEEPSEEK_API_KEY', 'deepseekApiKey'], (r) => `sk-${rs(r, 32, r.pick([A.hex, lowerDigits]))}`),
  ],
  'elevenlabs-api-key': [
    assigned(['ELEVENLABS_API_KEY', 'elevenLabsApiKey', 'XI_API_KEY'], (r) => rs(r, 32, A.hex)),
    assigned(['ELEVENLABS_API_KEY', 'elevenLabsApiKey'], (r) => `sk_${rs(r, 48, A.hex)}`),
  ],
  'pinecone-legacy-api-key': [assigned(['PINECONE_API_KEY', 'pineconeApiKey'], (r) => uuidOf(r, A.hex))],
  'wandb-api-key': [assigned(['WANDB_API_KEY', 'wandbApiKey'], (r) => rs(r, 40, A.hex))],
  'azure-openai-api-key': [
    assigned(['AZURE_OPENAI_API_KEY', 'azureOpenAiApiKey', 'AOAI_API_KEY'], (r) => rs(r, 32, A.hex)),
  ],
  'deepgram-api-key': [assigned(['DEEPGRAM_API_KEY', 'deepgramApiKey'], (r) => rs(r, 40, lowerDigits))],
  'assemblyai-api-key': [assigned(['ASSEMBLYAI_API_KEY', 'assemblyAiApiKey'], (r) => rs(r, 32, lowerDigits))],
  'clarifai-api-key': [assigned(['CLARIFAI_API_KEY', 'clarifaiApiKey'], (r) => rs(r, 32, A.alnum))],
  'privateai-api-key': [assigned(['PRIVATE_AI_API_KEY', 'privateAiApiKey'], (r) => rs(r, 32, lowerDigits))],
  'confluent-api-secret': [
    assigned(['CONFLUENT_API_SECRET', 'confluentCloudApiSecret'], (r) => rs(r, 64, A.alnum)),
  ],
  'snowflake-password': [assigned(['SNOWFLAKE_PASSWORD', 'snowflakePassword'], mixedPassword)],
  'cloudinary-api-secret': [
    assigned(['CLOUDINARY_API_SECRET', 'cloudinaryApiSecret'], (r) => rs(r, 27, A.b64url)),
  ],
  'segment-api-token': [
    assigned(
      ['SEGMENT_API_TOKEN', 'segmentPublicApiToken'],
      (r) => `${rs(r, 43, A.b64url)}.${rs(r, 43, A.b64url)}`,
    ),
  ],
  'mixpanel-api-secret': [
    assigned(['MIXPANEL_API_SECRET', 'mixpanelServiceAccountSecret'], (r) => rs(r, 32, A.hex)),
  ],
  'amplitude-secret-key': [assigned(['AMPLITUDE_SECRET_KEY', 'amplitudeSecretKey'], (r) => rs(r, 32, A.hex))],
  'bugsnag-auth-token': [assigned(['BUGSNAG_AUTH_TOKEN', 'bugsnagAuthToken'], (r) => uuidOf(r, lowerDigits))],
};

/** Near misses: documented placeholders, wrong alphabets or lengths, neighbouring formats. */
const decoys: Record<string, ((r: Rng) => string)[]> = {
  'openrouter-api-key': [(r) => `sk-or-v1-${rs(r, 64, A.hex.toUpperCase())}`, () => 'sk-or-v1-...'],
  'langsmith-api-key': [(r) => `lsv2_pt_${rs(r, 32, A.hex)}_${rs(r, 9, A.hex)}`, () => 'lsv2_pt_...'],
  'pinecone-api-key': [(r) => `pcsk_${rs(r, 5, A.alnum)}_${rs(r, 20, A.alnum)}`],
  'together-ai-api-key': [(r) => `tgp_v2_${rs(r, 43, A.b64url)}`],
  'cerebras-api-key': [(r) => `csk-${rs(r, 48, A.upperDigits)}`],
  // Langfuse's own docs and READMEs write these.
  'langfuse-secret-key': [
    () => 'sk-lf-...',
    () => 'sk-lf-fedcba0987654321',
    () => 'LANGFUSE_SECRET_KEY=sk-lf-xxx',
  ],
  'langfuse-public-key': [() => 'pk-lf-...', () => 'LANGFUSE_PUBLIC_KEY=pk-lf-replace-me'],
  'huggingface-org-token': [(r) => `api_org_${rs(r, 34, A.digits)}`],
  // A hex digest that happens to start like a ClickHouse key.
  'clickhouse-cloud-secret-key': [(r) => `4b1d${rs(r, 38, A.hex)}`],
  'posthog-personal-api-key': [(r) => `phx_${rs(r, 30, A.alnum)}`],
  'posthog-project-api-key': [() => "posthog.init('phc_...', { api_host: 'https://us.i.posthog.com' })"],
  'cloudinary-url': [() => 'CLOUDINARY_URL=cloudinary://API_KEY:API_SECRET@CLOUD_NAME'],
  'prefect-api-key': [(r) => `pnu_${rs(r, 35, A.alnum)}`],
  // Node-API function names start `napi_` too.
  'neon-api-key': [() => 'napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, data, &fn);'],
  'deepseek-api-key': [
    () => 'DEEPSEEK_API_KEY=sk-...',
    () => 'deepseek_api_key = os.environ["DEEPSEEK_API_KEY"]',
  ],
  'mistral-api-key': [() => 'MISTRAL_API_KEY = "your-mistral-api-key"'],
  'cohere-api-key': [() => 'co = cohere.ClientV2(api_key="<YOUR_API_KEY>")'],
  'mixpanel-api-secret': [() => 'mixpanel_api_secret = settings.MIXPANEL_API_SECRET'],
  'snowflake-password': [() => 'SNOWFLAKE_PASSWORD = os.getenv("SNOWFLAKE_PASSWORD")'],
  'pinecone-legacy-api-key': [() => 'PINECONE_API_KEY=00000000-0000-0000-0000-000000000000'],
};

export const aidataSamples: SampleGroup = {
  positives: { ...prefixPositives, ...contextPositives },
  decoys,
  variableLength: ['pinecone-api-key', 'posthog-personal-api-key', 'posthog-project-api-key', 'neon-api-key'],
};
