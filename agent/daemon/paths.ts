// Where the user agent listens and logs. Pure: the caller passes the platform and the environment.
//
// One agent per user and config file: the default config gets `agent.sock`; a config named with
// --config or $TOKEN_AGENT_CONFIG (a test, a second profile) gets its own agent, whose socket name
// carries a digest of the config path and data folder, so two profiles never share an engine.
import { posix, resolve } from 'node:path';
import { sha256Hex } from '../base/sha256';
import { resolveConfigPath, resolveDataDir } from '../config/paths';
import { defaultSocketPath } from './listen';

export interface AgentPaths {
  configPath: string;
  dataDir: string;
  socketPath: string;
  /** The agent's own log when it runs detached (started on demand by a client). */
  logPath: string;
}

export function agentPaths(inputs: {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  configFlag?: string;
}): AgentPaths {
  const { platform, env } = inputs;
  const config = resolveConfigPath({
    platform,
    env,
    ...(inputs.configFlag ? { configFlag: inputs.configFlag } : {}),
  });
  const configPath = resolve(config.path);
  const dataDir = resolveDataDir({ platform, env });
  const base = defaultSocketPath({ platform, env, dataDir });
  let socketPath = base;
  // The default config named explicitly (--config or the variable) is still the default agent's: two
  // agents over one config file would both own its refresh tokens.
  const defaultPath = resolve(
    resolveConfigPath({ platform, env: { ...env, TOKEN_AGENT_CONFIG: undefined } }).path,
  );
  if (configPath !== defaultPath && !env.TOKEN_AGENT_SOCKET) {
    // The same digest node:crypto gives, without loading it in the small entry point (base/sha256.ts).
    const digest = sha256Hex(`${configPath}\0${dataDir}`).slice(0, 12);
    socketPath =
      platform === 'win32' ? `${base}-${digest}` : base.replace(/agent\.sock$/, `agent-${digest}.sock`);
  }
  const logName = posix.basename(socketPath).replace(/\.sock$/, '') || 'agent';
  return { configPath, dataDir, socketPath, logPath: posix.join(dataDir, `${logName}.log`) };
}
