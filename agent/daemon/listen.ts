// Where `token-agent serve` listens. Pure: parses the `--listen` values and works out the default
// socket, so that both are unit-tested and the CLI's `get` finds the same socket the server uses.
import { posix, resolve } from 'node:path';

export type ListenSpec =
  | { kind: 'unix'; path: string }
  /** Loopback only: a token service on a routable address would hand tokens to the network. */
  | { kind: 'tcp'; host: '127.0.0.1' | '::1'; port: number };

/** `unix:PATH`, `127.0.0.1:PORT`, `localhost:PORT` or `[::1]:PORT`; PORT 0 lets the OS choose. */
export function parseListen(value: string): ListenSpec | { error: string } {
  if (value.startsWith('unix:')) {
    const path = value.slice('unix:'.length);
    if (path === '') return { error: `--listen unix: needs a path, as in unix:/run/user/1000/agent.sock` };
    return { kind: 'unix', path: resolve(path) };
  }
  const match = /^(127\.0\.0\.1|localhost|\[::1\]):(\d{1,5})$/.exec(value);
  if (!match) {
    return {
      error: `--listen takes unix:PATH or a loopback address with a port (127.0.0.1:PORT, [::1]:PORT), got '${value}'`,
    };
  }
  const port = Number(match[2]);
  if (port > 65_535) return { error: `--listen port must be at most 65535, got ${port}` };
  return { kind: 'tcp', host: match[1] === '[::1]' ? '::1' : '127.0.0.1', port };
}

export function describeListen(spec: ListenSpec): string {
  return spec.kind === 'unix'
    ? `unix:${spec.path}`
    : `http://${spec.host === '::1' ? '[::1]' : spec.host}:${spec.port}`;
}

/**
 * The default socket: `$TOKEN_AGENT_SOCKET` when set (for a server started elsewhere), else in the
 * user's runtime folder (`$XDG_RUNTIME_DIR/token-agent/agent.sock`, private to the user and cleared
 * at logout), else in the agent's data folder. On Windows, a named pipe per user.
 */
export function defaultSocketPath(inputs: {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  dataDir: string;
}): string {
  const { platform, env, dataDir } = inputs;
  if (env.TOKEN_AGENT_SOCKET) return resolve(env.TOKEN_AGENT_SOCKET);
  if (platform === 'win32') return `\\\\.\\pipe\\token-agent-${env.USERNAME ?? 'user'}`;
  const runtimeDir = env.XDG_RUNTIME_DIR;
  if (runtimeDir && posix.isAbsolute(runtimeDir)) return posix.join(runtimeDir, 'token-agent', 'agent.sock');
  return posix.join(dataDir, 'agent.sock');
}
