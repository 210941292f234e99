// The plaintext tier that forgets everything when the agent exits: for tests, demos and users who would
// rather sign in again than keep a refresh token anywhere. It still counts as plaintext (the secrets sit
// unencrypted in the agent's memory), so the user opts into it like the file tier.
import type { SecretKind, SecretStore } from './types';

export class MemoryStore implements SecretStore {
  readonly tier = 'memory';
  readonly plaintext = true;
  readonly #tokens = new Map<string, Map<SecretKind, string>>();

  async get(tokenName: string, kind: SecretKind): Promise<string | undefined> {
    return this.#tokens.get(tokenName)?.get(kind);
  }

  async set(tokenName: string, kind: SecretKind, value: string): Promise<void> {
    let kinds = this.#tokens.get(tokenName);
    if (kinds === undefined) {
      kinds = new Map();
      this.#tokens.set(tokenName, kinds);
    }
    kinds.set(kind, value);
  }

  async delete(tokenName: string, kind?: SecretKind): Promise<void> {
    const kinds = this.#tokens.get(tokenName);
    if (kinds === undefined) return;
    if (kind !== undefined) kinds.delete(kind);
    if (kind === undefined || kinds.size === 0) this.#tokens.delete(tokenName);
  }
}
