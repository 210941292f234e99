// Remembers the secrets the engine has read from or written to the store (refresh tokens, client
// secrets, static tokens), so that the redactor can mask them wherever outside text echoes them: a
// token command printing another token's refresh token, a provider quoting the one presented. Only
// the latest value of each token and kind is kept: what the agent holds right now.
import type { SecretKind, SecretStore } from '../store/secretStore';

// The access token is stored as JSON around the token; the engine holds the token itself (the slot).
const witnessed: ReadonlySet<SecretKind> = new Set(['refresh_token', 'client_secret', 'static_token']);

export class SecretWitness {
  readonly #seen = new Map<string, string>();
  readonly #wrapped = new WeakMap<SecretStore, SecretStore>();

  /** The latest value seen of each token and kind. */
  values(): string[] {
    return [...this.#seen.values()];
  }

  /** The store, unchanged in behaviour, with every value that passes through it remembered. */
  wrap(store: SecretStore): SecretStore {
    const known = this.#wrapped.get(store);
    if (known) return known;
    const seen = this.#seen;
    const note = (name: string, kind: SecretKind, value: string | undefined) => {
      if (!witnessed.has(kind)) return;
      if (value === undefined || value === '') seen.delete(`${name}\0${kind}`);
      else seen.set(`${name}\0${kind}`, value);
    };
    const wrapped: SecretStore = {
      get tier() {
        return store.tier;
      },
      get plaintext() {
        return store.plaintext;
      },
      async get(name, kind) {
        const value = await store.get(name, kind);
        note(name, kind, value);
        return value;
      },
      async set(name, kind, value) {
        await store.set(name, kind, value);
        note(name, kind, value);
      },
      async delete(name, kind) {
        await store.delete(name, kind);
        for (const each of kind ? [kind] : witnessed) note(name, each, undefined);
      },
      // Only where the store has one: the preflight reads its absence as "nothing to prove".
      ...(store.probe ? { probe: () => store.probe?.() ?? Promise.resolve() } : {}),
    };
    this.#wrapped.set(store, wrapped);
    return wrapped;
  }
}
