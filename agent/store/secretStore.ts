// Where the agent keeps refresh tokens and client secrets. One interface, three tiers: the OS keychain
// (the default), and two plaintext tiers the user must opt into by name. `openSecretStore` fails closed:
// when the keychain cannot be used it returns a coded error and never picks a plaintext tier by itself,
// because silent clear-text fallbacks are the top complaint against tools such as `gh` (cli/cli#7757).
import { codes, TokenAgentError } from '../base/errors';
import { FileStore } from './fileStore';
import { KeychainStore, type KeytarApi, loadKeytar } from './keychainStore';
import { MemoryStore } from './memoryStore';

// The interface and its checks live in types.ts, which each tier imports; re-exported here for callers.
export { assertTokenName, isSecretKind, type SecretKind, type SecretStore, secretKinds } from './types';

import { assertTokenName, isSecretKind, type SecretKind, type SecretStore, secretKinds } from './types';

export interface OpenSecretStoreOptions {
  tier: 'keychain' | 'file' | 'memory';
  /** The agent's data directory; only the `file` tier writes there. */
  dataDir: string;
  /** The keychain probe's budget: D-Bus calls can hang (a stopped daemon, an unanswered unlock prompt). */
  probeTimeoutMs?: number;
  /** The budget of each later keychain call. */
  callTimeoutMs?: number;
  /** Injected in tests; by default `require('@github/keytar')` on first use. */
  loadKeytar?: () => KeytarApi;
}

export type OpenSecretStoreResult = { store: SecretStore } | { error: TokenAgentError };

export async function openSecretStore(options: OpenSecretStoreOptions): Promise<OpenSecretStoreResult> {
  const { tier, dataDir, probeTimeoutMs = 3000, callTimeoutMs = 10_000 } = options;
  for (const [name, value] of [
    ['probeTimeoutMs', probeTimeoutMs],
    ['callTimeoutMs', callTimeoutMs],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number`);
  }
  switch (tier) {
    case 'memory':
      return { store: new ValidatingStore(new MemoryStore()) };
    case 'file': {
      const store = new FileStore({ dataDir });
      try {
        // Reading once now reports a world-readable or corrupt file at start-up, not at the first refresh.
        await store.check();
      } catch (error) {
        return { error: asStoreError(error) };
      }
      return { store: new ValidatingStore(store) };
    }
    case 'keychain': {
      let keytar: KeytarApi;
      try {
        keytar = (options.loadKeytar ?? loadKeytar)();
      } catch (error) {
        // keytar swallows the dlopen error and throws its own; a missing module is a packaging problem.
        const missing = (error as NodeJS.ErrnoException | undefined)?.code === 'MODULE_NOT_FOUND';
        return {
          error: new TokenAgentError(
            codes.storeUnavailable,
            missing
              ? 'The OS secret store binding (@github/keytar) is not installed beside the agent: reinstall ' +
                  'the extension, or opt into the plaintext file store.'
              : 'The OS secret store binding (@github/keytar) could not be loaded: install libsecret-1-0 ' +
                  '(and gnome-keyring with a D-Bus session), or opt into the plaintext file store.',
            { cause: error },
          ),
        };
      }
      const store = new KeychainStore({ keytar, timeoutMs: callTimeoutMs });
      try {
        await store.probe(probeTimeoutMs);
      } catch (error) {
        return { error: asStoreError(error) };
      }
      return { store: new ValidatingStore(store) };
    }
    default:
      throw new TypeError(`unknown secret store tier ${JSON.stringify(tier satisfies never)}`);
  }
}

function asStoreError(error: unknown): TokenAgentError {
  if (error instanceof TokenAgentError) return error;
  return new TokenAgentError(codes.storeUnavailable, 'The secret store could not be opened.', {
    cause: error,
  });
}

/**
 * Checks arguments once for every tier, so that the tiers can trust their input and a misuse is a
 * TypeError whatever the tier. The methods are async so that a misuse rejects like every other failure.
 * Messages never include the value.
 */
class ValidatingStore implements SecretStore {
  readonly #inner: SecretStore;

  constructor(inner: SecretStore) {
    this.#inner = inner;
  }

  get tier() {
    return this.#inner.tier;
  }

  get plaintext() {
    return this.#inner.plaintext;
  }

  async get(tokenName: string, kind: SecretKind): Promise<string | undefined> {
    assertTokenName(tokenName);
    assertKind(kind);
    return this.#inner.get(tokenName, kind);
  }

  async set(tokenName: string, kind: SecretKind, value: string): Promise<void> {
    assertTokenName(tokenName);
    assertKind(kind);
    // The keychain refuses empty passwords, and an empty secret is a caller bug: deleting says what it means.
    if (typeof value !== 'string' || value.length === 0) {
      throw new TypeError('secret value must be a non-empty string');
    }
    return this.#inner.set(tokenName, kind, value);
  }

  async delete(tokenName: string, kind?: SecretKind): Promise<void> {
    assertTokenName(tokenName);
    if (kind !== undefined) assertKind(kind);
    return this.#inner.delete(tokenName, kind);
  }

  async probe(): Promise<void> {
    await this.#inner.probe?.();
  }
}

function assertKind(kind: unknown): asserts kind is SecretKind {
  if (!isSecretKind(kind)) throw new TypeError(`secret kind must be one of ${secretKinds.join(', ')}`);
}
