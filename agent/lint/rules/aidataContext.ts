// Formats of the aidata group with no prefix of their own, recognised by the name they are assigned
// to (see contextFormat.ts). Every name test names the provider; the value shapes come from the
// cited scanner rule. Keys a provider publishes on purpose (Mixpanel project tokens, Amplitude API
// keys) share a shape with its secrets, so those names must say "secret".
import { type ContextFormat, contextInfo } from './contextFormat';

const rotate = (where: string) =>
  `Revoke it in ${where}, create a new one, and read it from the environment or a secret store.`;

const uuidValue = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Builds a format whose rule metadata follows from a few fields. */
function format(spec: {
  id: string;
  provider: string;
  title: string;
  shape: string;
  where: string;
  envName: string;
  name: (name: string) => boolean;
  value: RegExp;
  minEntropy: number;
  why: string;
}): ContextFormat {
  return {
    rule: contextInfo({
      id: spec.id,
      provider: spec.provider,
      title: spec.title,
      description: `A ${spec.title} (${spec.shape}) assigned to a ${spec.provider} name.`,
      fix: rotate(spec.where),
      envName: spec.envName,
      shape: `${spec.shape[0]?.toUpperCase()}${spec.shape.slice(1)}, assigned to a name that mentions ${spec.provider}.`,
    }),
    name: spec.name,
    value: spec.value,
    minEntropy: spec.minEntropy,
    why: `${spec.why} assigned to a ${spec.provider} name`,
  };
}

const hex32 = /^[0-9a-f]{32}$/;

const elevenlabs = format({
  id: 'elevenlabs-api-key',
  provider: 'ElevenLabs',
  title: 'ElevenLabs API key',
  shape: '32 hex digits, or `sk_` and 48 hex digits',
  where: 'ElevenLabs (Profile, API keys)',
  envName: 'ELEVENLABS_API_KEY',
  name: (name) => name.includes('elevenlabs') || name.includes('xiapikey'),
  value: hex32,
  minEntropy: 3,
  why: '32 hex digits',
});

export const aidataContext: ContextFormat[] = [
  // gitleaks config/gitleaks.toml, cohere-api-token: 40 letters or digits near `cohere` or `CO_API_KEY`.
  format({
    id: 'cohere-api-key',
    provider: 'Cohere',
    title: 'Cohere API key',
    shape: '40 letters or digits',
    where: 'the Cohere dashboard (API keys)',
    envName: 'CO_API_KEY',
    name: (name) => name.includes('cohere') || name === 'coapikey',
    value: /^[A-Za-z0-9]{40}$/,
    minEntropy: 4,
    why: '40 letters or digits',
  }),
  // trufflehog pkg/detectors/mistral/mistral.go: 32 letters or digits near `mistral`.
  format({
    id: 'mistral-api-key',
    provider: 'Mistral',
    title: 'Mistral AI API key',
    shape: '32 letters or digits',
    where: 'Mistral La Plateforme (API keys)',
    envName: 'MISTRAL_API_KEY',
    name: (name) => name.includes('mistral'),
    value: /^[A-Za-z0-9]{32}$/,
    minEntropy: 3.8,
    why: '32 letters or digits',
  }),
  // trufflehog pkg/detectors/deepseek/deepseek.go: `sk-` and 32 lower-case letters or digits near
  // `deepseek`. The OpenAI rule needs its `T3BlbkFJ` marker, so it never claims these.
  format({
    id: 'deepseek-api-key',
    provider: 'DeepSeek',
    title: 'DeepSeek API key',
    shape: '`sk-` and 32 lower-case letters or digits',
    where: 'the DeepSeek platform (API keys)',
    envName: 'DEEPSEEK_API_KEY',
    name: (name) => name.includes('deepseek'),
    value: /^sk-[a-z0-9]{32}$/,
    minEntropy: 3,
    why: '`sk-` and 32 lower-case letters or digits',
  }),
  // trufflehog pkg/detectors/elevenlabs/v1/elevenlabs.go: 32 hex digits near `elevenlabs`/`xi-api-key`;
  // v2 of that detector: the newer `sk_` and 48 hex digits (same rule, second format below).
  elevenlabs,
  {
    ...elevenlabs,
    value: /^sk_[0-9a-f]{48}$/,
    why: '`sk_` and 48 hex digits assigned to an ElevenLabs name',
  },
  // gitleaks cmd/generate/config/rules/pinecone.go (pinecone-api-token): keys before `pcsk_` were UUIDs.
  format({
    id: 'pinecone-legacy-api-key',
    provider: 'Pinecone',
    title: 'Pinecone API key (legacy UUID)',
    shape: 'a UUID',
    where: 'the Pinecone console (API Keys)',
    envName: 'PINECONE_API_KEY',
    name: (name) => name.includes('pinecone'),
    value: uuidValue,
    minEntropy: 3,
    why: 'a UUID',
  }),
  // trufflehog pkg/detectors/weightsandbiases/weightsandbiases.go: 40 hex digits near `wandb`.
  format({
    id: 'wandb-api-key',
    provider: 'Weights & Biases',
    title: 'Weights & Biases API key',
    shape: '40 hex digits',
    where: 'Weights & Biases (User settings, API keys)',
    envName: 'WANDB_API_KEY',
    name: (name) => name.includes('wandb') || name.includes('weightsandbiases'),
    value: /^[0-9a-f]{40}$/,
    minEntropy: 3,
    why: '40 hex digits',
  }),
  // trufflehog pkg/detectors/azure_openai/azure_openai.go: 32 hex digits for an `*.openai.azure.com` resource.
  format({
    id: 'azure-openai-api-key',
    provider: 'Azure OpenAI',
    title: 'Azure OpenAI API key',
    shape: '32 hex digits',
    where: 'the Azure portal (the OpenAI resource, Keys and Endpoint)',
    envName: 'AZURE_OPENAI_API_KEY',
    name: (name) => (name.includes('azure') && name.includes('openai')) || name.startsWith('aoai'),
    value: hex32,
    minEntropy: 3,
    why: '32 hex digits',
  }),
  // trufflehog pkg/detectors/deepgram/deepgram.go: 40 lower-case letters or digits near `deepgram`.
  format({
    id: 'deepgram-api-key',
    provider: 'Deepgram',
    title: 'Deepgram API key',
    shape: '40 lower-case letters or digits',
    where: 'the Deepgram console (API Keys)',
    envName: 'DEEPGRAM_API_KEY',
    name: (name) => name.includes('deepgram'),
    value: /^[0-9a-z]{40}$/,
    minEntropy: 3,
    why: '40 lower-case letters or digits',
  }),
  // trufflehog pkg/detectors/assemblyai/assemblyai.go: 32 lower-case letters or digits near `assemblyai`.
  format({
    id: 'assemblyai-api-key',
    provider: 'AssemblyAI',
    title: 'AssemblyAI API key',
    shape: '32 lower-case letters or digits',
    where: 'the AssemblyAI dashboard (API Keys)',
    envName: 'ASSEMBLYAI_API_KEY',
    name: (name) => name.includes('assemblyai'),
    value: /^[0-9a-z]{32}$/,
    minEntropy: 3,
    why: '32 lower-case letters or digits',
  }),
  // trufflehog pkg/detectors/clarifai/clarifai.go: 32 letters or digits near `clarifai`.
  format({
    id: 'clarifai-api-key',
    provider: 'Clarifai',
    title: 'Clarifai API key',
    shape: '32 letters or digits',
    where: 'Clarifai (Settings, Security)',
    envName: 'CLARIFAI_PAT',
    name: (name) => name.includes('clarifai'),
    value: /^[A-Za-z0-9]{32}$/,
    minEntropy: 3.5,
    why: '32 letters or digits',
  }),
  // gitleaks config/gitleaks.toml, privateai-api-token: 32 lower-case letters or digits near `private_ai`.
  format({
    id: 'privateai-api-key',
    provider: 'Private AI',
    title: 'Private AI API key',
    shape: '32 lower-case letters or digits',
    where: 'the Private AI portal',
    envName: 'PRIVATE_AI_API_KEY',
    name: (name) => name.includes('privateai'),
    value: /^[0-9a-z]{32}$/,
    minEntropy: 3,
    why: '32 lower-case letters or digits',
  }),
  ...dataFormats(),
];

/** Databases, data platforms and analytics. */
function dataFormats(): ContextFormat[] {
  return [
    // gitleaks config/gitleaks.toml, confluent-secret-key: 64 letters or digits near `confluent`.
    format({
      id: 'confluent-api-secret',
      provider: 'Confluent',
      title: 'Confluent Cloud API secret',
      shape: '64 letters or digits',
      where: 'Confluent Cloud (API keys)',
      envName: 'CONFLUENT_API_SECRET',
      name: (name) => name.includes('confluent'),
      value: /^[A-Za-z0-9]{64}$/,
      minEntropy: 4,
      why: '64 letters or digits',
    }),
    // trufflehog pkg/detectors/snowflake/snowflake.go: a password of 8+ characters with a lower-case
    // letter, an upper-case letter and a digit, next to a Snowflake account.
    format({
      id: 'snowflake-password',
      provider: 'Snowflake',
      title: 'Snowflake password',
      shape: 'a password with lower-case and upper-case letters and digits',
      where: 'Snowflake (ALTER USER … SET PASSWORD), or switch to key-pair authentication',
      envName: 'SNOWFLAKE_PASSWORD',
      name: (name) => name.includes('snowflake') && /(?:password|passwd|pwd|pass)$/.test(name),
      value: /^(?=[^a-z]{0,63}[a-z])(?=[^A-Z]{0,63}[A-Z])(?=[^0-9]{0,63}[0-9])[!-~]{12,64}$/,
      minEntropy: 3.2,
      why: 'a mixed-case password with digits',
    }),
    // trufflehog pkg/detectors/cloudinary/cloudinary.go: a 27-character API secret.
    format({
      id: 'cloudinary-api-secret',
      provider: 'Cloudinary',
      title: 'Cloudinary API secret',
      shape: '27 base64url characters',
      where: 'the Cloudinary console (Settings, API Keys)',
      envName: 'CLOUDINARY_API_SECRET',
      name: (name) => name.includes('cloudinary') && name.endsWith('secret'),
      value: /^[A-Za-z0-9_-]{27}$/,
      minEntropy: 3.8,
      why: '27 base64url characters',
    }),
    // trufflehog pkg/detectors/segmentapikey/segmentapikey.go: two 43-character parts near `segment`.
    format({
      id: 'segment-api-token',
      provider: 'Segment',
      title: 'Segment Public API token',
      shape: 'two 43-character base64url parts joined by `.`',
      where: 'Segment (Settings, Access Management, Tokens)',
      envName: 'SEGMENT_API_TOKEN',
      name: (name) => name.includes('segment'),
      value: /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/,
      minEntropy: 4,
      why: 'two 43-character base64url parts',
    }),
    // trufflehog pkg/detectors/mixpanel/mixpanel.go: 32 characters near `mixpanel`. A project token
    // (`MIXPANEL_TOKEN`) is public, so only a secret or password name counts.
    format({
      id: 'mixpanel-api-secret',
      provider: 'Mixpanel',
      title: 'Mixpanel API secret',
      shape: '32 letters, digits or dashes',
      where: 'Mixpanel (Project settings, Service accounts)',
      envName: 'MIXPANEL_API_SECRET',
      name: (name) => name.includes('mixpanel') && !name.endsWith('token'),
      value: /^[A-Za-z0-9-]{32}$/,
      minEntropy: 3,
      why: '32 letters, digits or dashes',
    }),
    // trufflehog pkg/detectors/amplitudeapikey/amplitudeapikey.go: 32 hex digits near `amplitude`.
    // The API key ships in browser code; only the secret key is a secret.
    format({
      id: 'amplitude-secret-key',
      provider: 'Amplitude',
      title: 'Amplitude secret key',
      shape: '32 hex digits',
      where: 'Amplitude (Project settings, API keys)',
      envName: 'AMPLITUDE_SECRET_KEY',
      name: (name) => name.includes('amplitude') && name.includes('secret'),
      value: hex32,
      minEntropy: 3,
      why: '32 hex digits',
    }),
    // trufflehog pkg/detectors/bugsnag/bugsnag.go: a UUID-shaped auth token near `bugsnag`.
    format({
      id: 'bugsnag-auth-token',
      provider: 'Bugsnag',
      title: 'Bugsnag data access token',
      shape: 'a UUID-shaped token of lower-case letters and digits',
      where: 'Bugsnag (My account, Personal auth tokens)',
      envName: 'BUGSNAG_AUTH_TOKEN',
      name: (name) => name.includes('bugsnag'),
      value: /^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$/,
      minEntropy: 3,
      why: 'a UUID-shaped token',
    }),
  ];
}
