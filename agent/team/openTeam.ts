// Turns on team mode for a runtime: finds the team key and connects to Redis. The key comes from the
// environment variable the config names (`redis.keyEnv`), else from the secret store, under the
// reserved name `@team` (a configured token cannot have that name: '@' is not allowed in one):
//   openssl rand -base64 32 | token-agent secret set @team client_secret
// Without a key, team mode stays degraded and says why; the agent refreshes on its own meanwhile.
import { redactOutside } from '../base/redact';
import type { RedisConfig } from '../config/types';
import type { RefreshCoordinator } from '../engine/coordinator';
import type { LogLevel } from '../engine/refresh';
import type { SecretStore } from '../store/secretStore';
import { RedisCoordinator } from './redisCoordinator';
import { TeamKey } from './seal';

/** The secret store's entry for the team key: this name, kind `client_secret`. */
export const teamKeyName = '@team';

export interface OpenTeamOptions {
  config: RedisConfig;
  store: SecretStore | undefined;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  grantTimeoutMs: number;
  log?: (level: LogLevel, message: string) => void;
}

export async function openTeam(options: OpenTeamOptions): Promise<RefreshCoordinator> {
  return new RedisCoordinator({
    config: options.config,
    key: await findTeamKey(options),
    store: options.store,
    dataDir: options.dataDir,
    grantTimeoutMs: options.grantTimeoutMs,
    ...(options.log ? { log: options.log } : {}),
  });
}

async function findTeamKey(options: OpenTeamOptions): Promise<TeamKey | { problem: string }> {
  const keyEnv = typeof options.config === 'object' ? options.config.keyEnv : undefined;
  let text: string | undefined;
  let from: string;
  if (keyEnv !== undefined) {
    from = `the environment variable ${keyEnv}`;
    text = options.env[keyEnv];
    if (!text) return { problem: `no team key: ${from} (named by "redis.keyEnv") is not set` };
  } else {
    from = `the secret store's '${teamKeyName}' entry`;
    if (!options.store) return { problem: 'no team key: the secret store is unavailable' };
    try {
      text = await options.store.get(teamKeyName, 'client_secret');
    } catch (error) {
      return { problem: `no team key: the secret store failed: ${redactOutside((error as Error).message)}` };
    }
    if (!text)
      return {
        problem: `no team key: store one with \`openssl rand -base64 32 | token-agent secret set ${teamKeyName} client_secret\` (the same on every machine), or name an environment variable in "redis.keyEnv"`,
      };
  }
  try {
    return TeamKey.parse(text);
  } catch (error) {
    return { problem: `${from}: ${(error as Error).message}` };
  }
}
