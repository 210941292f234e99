// When a token the provider says nothing about expires. An OAuth access token with neither
// `expires_in` nor a JWT `exp` (an opaque token from a terse provider) used to be held as valid
// forever: never refreshed, and handed out for any --min-valid. Now it gets the definition's
// `lifetimeSeconds`, else an assumed hour (a command's printed token: five minutes), counted from when
// it was requested, and carries the flag that says the expiry is assumed. Only a static token, which
// nothing can renew, has no expiry. (RFC 7662 introspection could ask the provider instead; it needs an
// introspection endpoint and credentials the agent is not configured with, so it is left out.)
import { configDefaults, type TokenDefinition } from '../config/types';

/** How long a token of this definition is assumed to live; undefined for a static token. */
export function assumedLifetimeMs(definition: TokenDefinition): number | undefined {
  switch (definition.type) {
    case 'static':
      return undefined;
    case 'command':
      return (definition.lifetimeSeconds ?? configDefaults.assumedCommandLifetimeSeconds) * 1000;
    default:
      return (definition.lifetimeSeconds ?? configDefaults.assumedLifetimeSeconds) * 1000;
  }
}

export interface Expiry {
  expiresAt?: number;
  /** The provider did not say: `expiresAt` is the configured or default lifetime from `obtainedAt`. */
  expiryAssumed?: true;
}

/** The known expiry, else the assumed one counted from `obtainedAt`, else none (a static token). */
export function expiryOf(definition: TokenDefinition, known: number | undefined, obtainedAt: number): Expiry {
  if (known !== undefined) return { expiresAt: known };
  const lifetime = assumedLifetimeMs(definition);
  return lifetime === undefined ? {} : { expiresAt: obtainedAt + lifetime, expiryAssumed: true };
}
