// Drives `token-agent serve` (the built dist/agent.js) for the team-mode tests: a workspace with a
// config (the plaintext file store, so that several processes share one store without a keyring),
// serve processes started asynchronously and awaited until they listen, and a small HTTP client for
// their Unix sockets and loopback ports.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { refreshTokenEntry } from './agentCli';
import { agentBundle, type CliResult, type RunningCli, startProcess } from './agentProcess';
import { killOnExit } from './redis';
import type { TokenServer } from './tokenServer';

/** The environment variable the test configs name in `redis.keyEnv`. */
export const teamKeyEnv = 'TOKEN_AGENT_TEST_TEAM_KEY';

export interface TeamWorkspace {
  dir: string;
  configPath: string;
  /** The team key every machine of this workspace gets through `redis.keyEnv` (base64). */
  teamKey: string;
  /** One "machine": its own data folder (store, locks, marks) and runtime folder (default socket). */
  machine(name: string): Machine;
  remove(): Promise<void>;
}

export interface Machine {
  name: string;
  dataDir: string;
  runtimeDir: string;
  env: Record<string, string>;
  run(
    args: readonly string[],
    options?: { input?: string; env?: Record<string, string> },
  ): Promise<CliResult>;
  /** Stores a secret with `token-agent secret set`; throws unless it worked. */
  setSecret(name: string, kind: string, value: string): Promise<void>;
  serve(listen?: string[], env?: Record<string, string>): Promise<Serving>;
}

export interface Serving {
  process: RunningCli;
  /** What it printed on stderr so far. */
  stderr(): string;
  /** The Unix socket it listens on, and the TCP port if any. */
  socketPath: string | undefined;
  port: number | undefined;
  stop(signal?: NodeJS.Signals): Promise<CliResult>;
}

export interface TeamOptions {
  server: TokenServer;
  tokens: { name: string; refreshBeforeSeconds?: number }[];
  redis?: unknown;
  /** Base64 of 32 bytes; a fresh one by default. */
  teamKey?: string;
}

export async function createTeamWorkspace(options: TeamOptions): Promise<TeamWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), 'token-agent-team-'));
  const configPath = join(dir, 'config.json');
  const redis =
    options.redis === undefined
      ? undefined
      : typeof options.redis === 'string'
        ? { url: options.redis, keyEnv: teamKeyEnv }
        : { ...(options.redis as object), keyEnv: teamKeyEnv };
  const config = {
    store: 'file',
    ...(redis ? { redis } : {}),
    tokens: options.tokens.map((entry) => refreshTokenEntry(options.server, entry)),
  };
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
  const teamKey = options.teamKey ?? randomBytes(32).toString('base64');
  const children = new Set<RunningCli>();

  const machine = (name: string): Machine => {
    const home = join(dir, name);
    const runtimeDir = join(home, 'run');
    const env = {
      XDG_DATA_HOME: join(home, 'data'),
      XDG_RUNTIME_DIR: runtimeDir,
      XDG_CONFIG_HOME: join(home, 'config'),
      [teamKeyEnv]: teamKey,
      // Each "machine" runs its agent explicitly (machine.serve); its other CLI calls work in process,
      // so that a secret set before serve starts does not start a user agent of its own.
      TOKEN_AGENT_NO_AGENT: '1',
    };
    const start = (
      args: readonly string[],
      extra: { input?: string | null; env?: Record<string, string> },
    ) => {
      const childEnv: NodeJS.ProcessEnv = {
        ...process.env,
        TOKEN_AGENT_SOCKET: undefined,
        ...env,
        ...extra.env,
      };
      if (childEnv.TOKEN_AGENT_SOCKET === undefined) delete childEnv.TOKEN_AGENT_SOCKET;
      const config = args.includes('--config') ? [] : ['--config', configPath];
      const running = startProcess([agentBundle, ...args, ...config], childEnv, extra.input);
      killOnExit(running.child);
      children.add(running);
      void running.done.finally(() => children.delete(running));
      return running;
    };
    const self: Machine = {
      name,
      dataDir: join(home, 'data', 'token-agent'),
      runtimeDir,
      env,
      run: (args, runOptions = {}) => start(args, runOptions).done,
      async setSecret(tokenName, kind, value) {
        const result = await self.run(['secret', 'set', tokenName, kind], { input: `${value}\n` });
        if (result.code !== 0) throw new Error(`secret set ${tokenName} ${kind} failed:\n${result.stderr}`);
      },
      async serve(listen = [], extraEnv = {}) {
        await mkdir(runtimeDir, { recursive: true, mode: 0o700 });
        const running = start(['serve', ...listen.flatMap((value) => ['--listen', value])], {
          input: null,
          env: { TOKEN_AGENT_LOG_LEVEL: 'info', ...extraEnv },
        });
        return awaitServing(running, listen.length === 0 ? [] : listen);
      },
    };
    return self;
  };

  return {
    dir,
    configPath,
    teamKey,
    machine,
    async remove() {
      for (const child of children) child.child.kill('SIGKILL');
      await Promise.allSettled([...children].map((child) => child.done));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once every listener is up (one "serving on" line each; one for the default socket). */
async function awaitServing(running: RunningCli, listen: string[]): Promise<Serving> {
  const expected = Math.max(1, listen.length);
  let stderr = '';
  let socketPath: string | undefined;
  let port: number | undefined;
  const lines = createInterface({ input: running.child.stderr });
  await new Promise<void>((resolve, reject) => {
    let seen = 0;
    const timer = setTimeout(() => reject(new Error(`serve did not start in time:\n${stderr}`)), 15_000);
    lines.on('line', (line) => {
      stderr += `${line}\n`;
      const match = /serving on (unix:(\S+)|http:\/\/[^:]+:(\d+))/.exec(line);
      if (!match) return;
      if (match[2]) socketPath = match[2];
      if (match[3]) port = Number(match[3]);
      if (++seen === expected) {
        clearTimeout(timer);
        resolve();
      }
    });
    void running.done.then((result) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${result.code}) before listening:\n${stderr}`));
    });
  });
  return {
    process: running,
    stderr: () => stderr,
    socketPath,
    port,
    async stop(signal = 'SIGTERM') {
      running.child.kill(signal);
      const result = await running.done;
      return { ...result, stderr };
    },
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** Date.now() when the whole answer had arrived. */
  receivedAt: number;
}

/** One GET (or other method) on a socket or a loopback port, with a default loopback Host. */
export function httpGet(
  target: { socketPath: string } | { port: number },
  path: string,
  options: { headers?: Record<string, string>; method?: string; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({
      ...('socketPath' in target
        ? { socketPath: target.socketPath }
        : { host: '127.0.0.1', port: target.port }),
      path,
      method: options.method ?? 'GET',
      headers: {
        host: 'socketPath' in target ? 'localhost' : `127.0.0.1:${target.port}`,
        ...options.headers,
      },
      timeout: options.timeoutMs ?? 30_000,
    });
    req.once('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.once('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON: kept as text for the assertion message.
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, receivedAt: Date.now() });
      });
    });
    req.end();
  });
}
