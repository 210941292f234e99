// Where the config file and the agent's data live, per platform. Pure: the caller passes the platform
// and the environment, so every branch is unit-tested on any machine.
import { posix, win32 } from 'node:path';
import { codes, TokenAgentError } from '../base/errors';

export interface PathInputs {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
}

export interface ResolvedConfigPath {
  path: string;
  source: 'flag' | 'env' | 'default';
}

/**
 * Where the config file is: `--config`, else `TOKEN_AGENT_CONFIG`, else the platform's config
 * directory. A relative flag or variable is returned as given, for the caller to resolve against its
 * working directory.
 */
export function resolveConfigPath(inputs: PathInputs & { configFlag?: string }): ResolvedConfigPath {
  if (inputs.configFlag) return { path: inputs.configFlag, source: 'flag' };
  const fromEnv = inputs.env.TOKEN_AGENT_CONFIG;
  if (fromEnv) return { path: fromEnv, source: 'env' };
  const { platform, env } = inputs;
  const path = platform === 'win32' ? win32 : posix;
  const base =
    platform === 'win32'
      ? windowsDir(env, 'APPDATA', 'Roaming')
      : (xdgDir(env.XDG_CONFIG_HOME) ??
        (platform === 'darwin'
          ? path.join(home(env), 'Library', 'Application Support')
          : path.join(home(env), '.config')));
  return { path: path.join(base, 'token-agent', 'config.json'), source: 'default' };
}

/** Where the agent keeps its own files (the plaintext file store, locks). */
export function resolveDataDir(inputs: PathInputs): string {
  const { platform, env } = inputs;
  // Local, not roaming, on Windows: secrets and locks must not follow a profile to other machines.
  if (platform === 'win32') return win32.join(windowsDir(env, 'LOCALAPPDATA', 'Local'), 'token-agent');
  const base =
    xdgDir(env.XDG_DATA_HOME) ??
    (platform === 'darwin'
      ? posix.join(home(env), 'Library', 'Application Support')
      : posix.join(home(env), '.local', 'share'));
  return posix.join(base, 'token-agent');
}

// The XDG base directory spec says to ignore empty and relative values. An explicit XDG variable wins
// on macOS too: people who set one expect command-line tools to follow it.
function xdgDir(value: string | undefined): string | undefined {
  return value && posix.isAbsolute(value) ? value : undefined;
}

function home(env: PathInputs['env']): string {
  if (env.HOME) return env.HOME;
  throw new TokenAgentError(codes.configInvalid, 'cannot find the home directory: HOME is not set');
}

function windowsDir(env: PathInputs['env'], variable: 'APPDATA' | 'LOCALAPPDATA', fallback: string): string {
  const value = env[variable];
  if (value) return value;
  if (env.USERPROFILE) return win32.join(env.USERPROFILE, 'AppData', fallback);
  throw new TokenAgentError(
    codes.configInvalid,
    `cannot find the ${variable} directory: neither ${variable} nor USERPROFILE is set`,
  );
}
