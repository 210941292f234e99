// When a token the provider says nothing about expires. An OAuth access token with neither
// `expires_in` nor a JWT `exp` (an opaque token from a terse provider) used to be held as valid
// forever: never refreshed, and handed out for any --min-valid. Now it gets the definition's
// `lifetimeSeconds`, else an assumed hour, counted from when it was requested, and carries the flag
// that says the expiry is assumed.
//
// A command's printed token is different: the command (gcloud, az, gh) keeps its own cache and is the
// one that knows. Without a printed expiry, a JWT `exp`, an introspection answer (obtain.ts) or a
// `lifetimeSeconds`, its expiry is unknown: shown as such (never a countdown to zero), never refreshed
// in the background, and never vouched for, so every `get` runs the command again (engine: a burst
// within 10 s shares one run). Only a static token, which nothing can renew, has no expiry at all.
import { configDefaults, type TokenDefinition } from '../config/types';

/** How long a token of this definition is assumed to live; undefined when nothing is assumed. */
export function assumedLifetimeMs(definition: TokenDefinition): number | undefined {
  switch (definition.type) {
    case 'static':
      return undefined;
    case 'command':
      return definition.lifetimeSeconds === undefined ? undefined : definition.lifetimeSeconds * 1000;
    default:
      return (definition.lifetimeSeconds ?? configDefaults.assumedLifetimeSeconds) * 1000;
  }
}

export interface Expiry {
  expiresAt?: number;
  /** The provider did not say: `expiresAt` is the configured or default lifetime from `obtainedAt`. */
  expiryAssumed?: true;
  /** A command's token that nothing dates: no `expiresAt`, and no promise that it is still valid. */
  expiryUnknown?: true;
}

/** The known expiry, else the assumed one counted from `obtainedAt`, else unknown or none. */
export function expiryOf(definition: TokenDefinition, known: number | undefined, obtainedAt: number): Expiry {
  if (known !== undefined) return { expiresAt: known };
  const lifetime = assumedLifetimeMs(definition);
  if (lifetime !== undefined) return { expiresAt: obtainedAt + lifetime, expiryAssumed: true };
  return definition.type === 'command' ? { expiryUnknown: true } : {};
}
