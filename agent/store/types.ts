// What every secret store tier is, and the checks all of them apply to their inputs. A leaf: the tiers
// (keychainStore.ts, fileStore.ts, memoryStore.ts) and the opener (secretStore.ts) all stand on it.

export type SecretKind = 'refresh_token' | 'client_secret' | 'access_token' | 'static_token';

export interface SecretStore {
  readonly tier: 'keychain' | 'file' | 'memory';
  /** True when secrets are kept in clear text; the status bar shows it. */
  readonly plaintext: boolean;
  get(tokenName: string, kind: SecretKind): Promise<string | undefined>;
  set(tokenName: string, kind: SecretKind, value: string): Promise<void>;
  /** Without `kind`, deletes every kind stored for that token. Deleting what is absent is not an error. */
  delete(tokenName: string, kind?: SecretKind): Promise<void>;
  /**
   * Proves the store takes a write right now, touching no token's secrets (the keychain writes its
   * probe entry: a locked collection answers reads as "not found"). Asked before a refresh, so that a
   * rotated refresh token is never fetched into a store that cannot keep it. Absent: nothing to prove.
   */
  probe?(): Promise<void>;
}

// `satisfies` makes the compiler check that every kind is listed exactly once.
const kindSet = {
  refresh_token: true,
  client_secret: true,
  access_token: true,
  static_token: true,
} as const satisfies Record<SecretKind, true>;

export const secretKinds: readonly SecretKind[] = Object.keys(kindSet) as SecretKind[];

export function isSecretKind(value: unknown): value is SecretKind {
  return typeof value === 'string' && Object.hasOwn(kindSet, value);
}

const maxTokenNameLength = 128;

/** Throws a TypeError for a name no tier could key on; the name is config, not a secret, so it is quoted. */
export function assertTokenName(tokenName: unknown): asserts tokenName is string {
  if (typeof tokenName !== 'string' || tokenName.length === 0 || tokenName.length > maxTokenNameLength) {
    throw new TypeError(`token name must be a string of 1 to ${maxTokenNameLength} characters`);
  }
  // Control characters would corrupt keychain labels and one-line log output.
  if (/\p{Cc}/u.test(tokenName)) {
    throw new TypeError(`token name ${JSON.stringify(tokenName)} contains control characters`);
  }
}
