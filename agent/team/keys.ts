// Where one token lives in Redis. Every key of a token shares one {hash tag}, so that a Cluster keeps
// them on one node and the Lua scripts may touch them together. The tag holds the token's name and a
// digest of what makes it that token (endpoint, client, scope, resource): two configs that use one
// name for different tokens never share a refresh token.
import { createHash } from 'node:crypto';
import type { TokenDefinition } from '../config/types';

export const defaultPrefix = 'token-agent';

export interface TokenKeys {
  lock: string;
  counter: string;
  state: string;
  access: string;
  channel: string;
}

export function tokenKeys(prefix: string, definition: TokenDefinition): TokenKeys {
  const identity =
    definition.type === 'oauth2-refresh-token' || definition.type === 'oauth2-client-credentials'
      ? [
          definition.type,
          definition.issuer ?? definition.tokenEndpoint,
          definition.clientId,
          definition.scope ?? '',
          definition.resource ?? '',
        ]
      : [definition.type];
  const digest = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 12);
  const base = `${prefix}:{${definition.name}:${digest}}`;
  return {
    lock: `${base}:lock`,
    counter: `${base}:fence`,
    state: `${base}:state`,
    access: `${base}:access`,
    channel: `${base}:events`,
  };
}
