// Finds the user's agent, starting it on demand as ssh-agent and gpg-agent are: detached, in its own
// session (so a Ctrl-C in the terminal that started it never reaches it), its output in a log file
// under the data folder. Two clients starting it at once start one: the agent itself takes a start
// lock and leaves quietly when another one already listens (server.ts).
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { codes, isTokenAgentError, TokenAgentError } from '../base/errors';
import { ensurePrivateFolder, noFollow, symlinkRefused } from '../base/privateFolder';
import type { Health } from './api';
import { AgentClient, AgentUnreachable } from './client';
import { AgentWedged } from './liveness';
import { type AgentPaths, agentPaths } from './paths';

/** The second, longer /healthz try before a silent agent is reported as wedged. */
const confirmWedgedMs = 5_000;

export interface ConnectOptions {
  configFlag?: string;
  env?: NodeJS.ProcessEnv;
  /** Start an agent when none answers (the default for every client). */
  autostart?: boolean;
  /** The `token-agent` bundle to start; defaults to the running one. */
  bundlePath?: string;
  /** How long a starting agent may take to answer; opening the keyring can take a second. */
  startTimeoutMs?: number;
}

export interface Connected {
  client: AgentClient;
  paths: AgentPaths;
  /** Whether this call started the agent. */
  started: boolean;
}

export async function connectAgent(options: ConnectOptions = {}): Promise<Connected> {
  const env = options.env ?? process.env;
  const paths = agentPaths({
    platform: process.platform,
    env,
    ...(options.configFlag ? { configFlag: options.configFlag } : {}),
  });
  const client = new AgentClient(paths.socketPath);
  const state = await probe(client, paths.configPath);
  if (state === 'up') return { client, paths, started: false };
  if (state === 'stopping')
    // A stop lasts at most the grant timeout (30 s), 5 s more, 10 s to save and 2 s to drain.
    await waitUntil(async () => (await probe(client, paths.configPath)) !== 'stopping', 60_000);
  if ((await probe(client, paths.configPath)) === 'up') return { client, paths, started: false };
  if (options.autostart === false) {
    throw new TokenAgentError(
      codes.agentUnavailable,
      `no token agent is running for ${paths.configPath}; start one with 'token-agent agent', or pass --no-agent`,
    );
  }
  await startAgent(paths, env, options);
  return { client, paths, started: true };
}

async function probe(client: AgentClient, configPath?: string): Promise<'up' | 'stopping' | 'absent'> {
  try {
    let health: Health;
    try {
      health = await client.health();
    } catch (error) {
      // A loaded machine can delay even /healthz: one longer try before calling the agent wedged
      // (AgentWedged is ERR_AGENT_UNAVAILABLE naming the pid: starting another agent would not help).
      if (!(error instanceof AgentWedged)) throw error;
      health = await client.health(confirmWedgedMs);
    }
    // A socket named by $TOKEN_AGENT_SOCKET may belong to an agent of another config file: its tokens
    // are not the ones asked for.
    if (configPath !== undefined && health.configPath !== configPath)
      throw new TokenAgentError(
        codes.agentUnavailable,
        `the token agent on ${client.socketPath} uses ${health.configPath}, not ${configPath}`,
      );
    return 'up';
  } catch (error) {
    if (isTokenAgentError(error, codes.agentStopping)) return 'stopping';
    // Neither is helped by starting an agent: it would use the same socket.
    if (isTokenAgentError(error, codes.agentUnavailable) || isTokenAgentError(error, codes.unsafePath))
      throw error;
    if (error instanceof AgentUnreachable || isTokenAgentError(error)) return 'absent';
    throw error;
  }
}

async function startAgent(paths: AgentPaths, env: NodeJS.ProcessEnv, options: ConnectOptions): Promise<void> {
  const bundle = options.bundlePath ?? process.argv[1];
  if (!bundle)
    throw new TokenAgentError(codes.agentUnavailable, 'cannot tell where the token-agent program is');
  await ensurePrivateFolder(paths.dataDir);
  // The log is the agent's stdout and stderr; opened here without following a planted symlink.
  const log = await open(
    paths.logPath,
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | noFollow,
    0o600,
  ).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ELOOP' ? symlinkRefused(paths.logPath) : error;
  });
  let exited: { code: number | null } | undefined;
  try {
    // The same config the client has (or none), made absolute: the agent runs in its data folder, and
    // must work out the same config file and socket path as the client did from its own folder.
    const args = [bundle, 'agent', ...(options.configFlag ? ['--config', paths.configPath] : [])];
    const absolute = (value: string | undefined) => (value ? resolve(value) : value);
    const child = spawn(process.execPath, args, {
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      env: {
        ...env,
        ...(env.TOKEN_AGENT_CONFIG ? { TOKEN_AGENT_CONFIG: absolute(env.TOKEN_AGENT_CONFIG) } : {}),
        ...(env.TOKEN_AGENT_SOCKET ? { TOKEN_AGENT_SOCKET: absolute(env.TOKEN_AGENT_SOCKET) } : {}),
        TOKEN_AGENT_DETACHED: '1',
      },
      cwd: paths.dataDir,
    });
    child.once('exit', (code) => {
      exited = { code };
    });
    child.once('error', () => {
      exited = { code: -1 };
    });
    child.unref();
  } finally {
    await log.close();
  }
  const client = new AgentClient(paths.socketPath);
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  for (;;) {
    if ((await probe(client)) === 'up') return;
    // Exit 0 means another client's agent won the start: keep waiting for it to answer.
    if ((exited && exited.code !== 0) || Date.now() > deadline) {
      const why = exited ? `it exited with code ${exited.code}` : 'it did not answer in time';
      throw new TokenAgentError(
        codes.agentUnavailable,
        `could not start the token agent (${why}): ${await lastLine(paths.logPath)} (log: ${paths.logPath})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function lastLine(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const lines = text.trimEnd().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 300) || 'no message';
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
