// Where the credential helpers get tokens: the one question "a token for NAME valid N seconds" and
// the definitions' `urls`. The user agent answers over its socket (AgentClient); with --no-agent an
// engine in the process does (cli/helperRun.ts). The helpers' protocol modules see only this.

import { codes, isTokenAgentError } from '../base/errors';
import type { CredentialAnswer, TokenAnswer } from '../daemon/api';
import type { AgentClient } from '../daemon/client';
import { resolveCredential, type ServedToken, servedFromList } from '../daemon/served';
import { failureOf, type Remote } from './answer';

export { helperMinValidSeconds } from './answer';

export interface TokenSource {
  /** The tokens whose definitions name `urls`. */
  served(): Promise<ServedToken[]>;
  /** A token valid at least `minValidSeconds` (or the freshest there is); never starts a sign-in. */
  token(name: string, minValidSeconds: number): Promise<TokenAnswer>;
  /** Refreshes now: the consumer said the token it was given failed. */
  refresh(name: string): Promise<void>;
  /**
   * The token for `remote`, matched and fetched in one go (the agent's `GET /v1/credential`). Without
   * it, worked out here from `served` and `token` by the same rules.
   */
  credential?(remote: Remote, minValidSeconds: number): Promise<CredentialAnswer>;
}

/** The answer about `remote`: the source's own, or matched here. */
export function credentialOf(source: TokenSource, remote: Remote, minValidSeconds: number) {
  if (source.credential) return source.credential(remote, minValidSeconds);
  return resolveHere(source, remote, minValidSeconds);
}

async function resolveHere(
  source: TokenSource,
  remote: Remote,
  minValidSeconds: number,
): Promise<CredentialAnswer> {
  return resolveCredential(
    await source.served(),
    remote,
    (name) => source.token(name, minValidSeconds),
    failureOf,
  );
}

export function agentSource(
  client: Pick<AgentClient, 'definitions' | 'getToken' | 'refresh' | 'credential'>,
): TokenSource {
  const source: TokenSource = {
    served: async () => servedFromList(await client.definitions()),
    token: (name, minValidSeconds) => client.getToken(name, minValidSeconds),
    refresh: async (name) => {
      await client.refresh(name);
    },
    credential: async (remote, minValidSeconds) => {
      try {
        return await client.credential(remote, minValidSeconds);
      } catch (error) {
        // An agent started by an older version, still running, has no such route: match here.
        if (!isTokenAgentError(error, codes.notFound)) throw error;
        return resolveHere(source, remote, minValidSeconds);
      }
    },
  };
  return source;
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
