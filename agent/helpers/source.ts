// Where the credential helpers get tokens: the one question "a token for NAME valid N seconds" and
// the definitions' `urls`. The user agent answers over its socket (AgentClient); with --no-agent an
// engine in the process does (cli/helperSource.ts). The helpers' protocol modules see only this.

import { codes, isTokenAgentError } from '../base/errors';
import type { TokenAnswer } from '../daemon/api';
import type { AgentClient } from '../daemon/client';
import { type ServedToken, servedFromList } from './served';

/** How long a token handed to a helper must stay valid unless `--min-valid` says otherwise. */
export const helperMinValidSeconds = 60;

export interface TokenSource {
  /** The tokens whose definitions name `urls`. */
  served(): Promise<ServedToken[]>;
  /** A token valid at least `minValidSeconds` (or the freshest there is); never starts a sign-in. */
  token(name: string, minValidSeconds: number): Promise<TokenAnswer>;
  /** Refreshes now: the consumer said the token it was given failed. */
  refresh(name: string): Promise<void>;
}

export function agentSource(client: Pick<AgentClient, 'definitions' | 'getToken' | 'refresh'>): TokenSource {
  return {
    served: async () => servedFromList(await client.definitions()),
    token: (name, minValidSeconds) => client.getToken(name, minValidSeconds),
    refresh: async (name) => {
      await client.refresh(name);
    },
  };
}

/**
 * Runs `use` on the source `connected()` gives; an agent that began stopping after the connection
 * answers ERR_STOPPING, and then `forget()` drops that connection and `use` runs again on a new one
 * (connecting waits for the old agent to go and starts the next), at most `tries` times in all.
 */
export async function againWhileStopping<T>(
  connected: () => Promise<TokenSource>,
  forget: () => void,
  use: (source: TokenSource) => Promise<T>,
  tries = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await use(await connected());
    } catch (error) {
      if (attempt >= tries || !isTokenAgentError(error, codes.agentStopping)) throw error;
      forget();
    }
  }
}
