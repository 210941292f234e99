// The aidata group's rules where the corpus alone would not show the intent: which of two look-alike
// formats wins, which keys are published on purpose (severity info), and names that must not count.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ruleInfo } from '../../agent/lint/rules';
import { scanText } from '../../agent/lint/scanner';
import { alphabets, randomString, rng } from '../support/secretCorpus';

const now = Date.parse('2025-06-01T00:00:00Z');
const r = rng(13);
const rules = (text: string) => scanText(text, { now }).map((f) => f.rule);
const lowerDigits = `${alphabets.lower}${alphabets.digits}`;

describe('aidata rules', () => {
  it('reports a DeepSeek key under its own rule, not as OpenAI or a generic secret', () => {
    const key = `sk-${randomString(r, 32, alphabets.hex)}`;
    assert.deepEqual(rules(`DEEPSEEK_API_KEY=${key}`), ['deepseek-api-key']);
    // Without a DeepSeek name the same shape is only a generic secret, never an OpenAI key.
    assert.deepEqual(rules(`OPENAI_API_KEY=${key}`), ['generic-secret']);
  });

  it('reports published keys (PostHog project, Langfuse public) with severity info, their secrets as warnings', () => {
    assert.equal(ruleInfo('posthog-project-api-key')?.severity, 'info');
    assert.equal(ruleInfo('langfuse-public-key')?.severity, 'info');
    assert.equal(ruleInfo('posthog-personal-api-key')?.severity, 'warning');
    assert.equal(ruleInfo('langfuse-secret-key')?.severity, 'warning');
    const body = randomString(r, 43, alphabets.alnum);
    assert.deepEqual(rules(`a = "phc_${body}"`), ['posthog-project-api-key']);
    assert.deepEqual(rules(`a = "phx_${body}"`), ['posthog-personal-api-key']);
  });

  it('takes a Mixpanel or Amplitude value for a secret only under a secret name', () => {
    const hex = randomString(r, 32, alphabets.hex);
    assert.deepEqual(rules(`MIXPANEL_API_SECRET=${hex}`), ['mixpanel-api-secret']);
    assert.deepEqual(rules(`AMPLITUDE_SECRET_KEY=${hex}`), ['amplitude-secret-key']);
    assert.notDeepEqual(rules(`MIXPANEL_TOKEN=${hex}`), ['mixpanel-api-secret']);
    assert.notDeepEqual(rules(`AMPLITUDE_API_KEY=${hex}`), ['amplitude-secret-key']);
  });

  it('leaves hex digests that start like a ClickHouse key, and Node-API names, alone', () => {
    assert.deepEqual(rules(`const v = "4b1d${randomString(r, 38, alphabets.hex)}";`), []);
    assert.deepEqual(rules(`const v = "4b1d${randomString(r, 38, alphabets.alnum)}Q";`), []);
    assert.deepEqual(rules('napi_create_function(env, "f", NAPI_AUTO_LENGTH, cb, NULL, &fn);'), []);
  });

  it('reports a Cloudinary URL under its own rule rather than as a password in a URL', () => {
    const url = `cloudinary://${randomString(r, 15, alphabets.digits)}:${randomString(r, 27, alphabets.alnum)}@demo-cloud`;
    assert.deepEqual(rules(`CLOUDINARY_URL=${url}`), ['cloudinary-url']);
  });

  it('needs the provider in the name for bare formats', () => {
    const value = randomString(r, 40, lowerDigits);
    assert.deepEqual(rules(`DEEPGRAM_API_KEY=${value}`), ['deepgram-api-key']);
    assert.deepEqual(rules(`SOME_API_KEY=${value}`), ['generic-secret']);
    // ElevenLabs' newer keys (`sk_` and 48 hex digits) under the same rule as the older 32-hex ones.
    const eleven = `sk_${randomString(r, 48, alphabets.hex)}`;
    assert.deepEqual(rules(`ELEVENLABS_API_KEY=${eleven}`), ['elevenlabs-api-key']);
  });
});
