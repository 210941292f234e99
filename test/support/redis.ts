// Debian's redis-server on loopback for the team-mode tests and the bench: one node, or a
// three-node cluster (recipe in ../shared/notes/redis.md). Each server runs in the foreground as our
// child, in its own temporary folder, without persistence; stop() ends it and removes the folder, and
// a process exit kills whatever is left, so no server outlives the test run.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitUntil } from './waitFor';

const run = promisify(execFile);
const running = new Set<ChildProcess>();

/**
 * Kills `child` if this process ends first: on exit, and on the signals a test runner or a user
 * sends (then the signal is raised again, so the process still ends as it would have).
 */
export function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

const killAll = () => {
  for (const child of running) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
};
process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });
}

export interface RedisNode {
  port: number;
  url: string;
  /** SIGKILL: the server vanishes with everything it held, as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: a server that hangs. */
  pause(): void;
  resume(): void;
  /** Runs redis-cli against it. */
  cli(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export interface RedisCluster {
  nodes: RedisNode[];
  urls: string[];
  stop(): Promise<void>;
}

/** A port that was free a moment ago (the OS picks it; redis-server cannot take port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export async function startRedis(options: { port?: number; args?: string[] } = {}): Promise<RedisNode> {
  const dir = await mkdtemp(join(tmpdir(), 'token-agent-redis-'));
  const port = options.port ?? (await freePort());
  const args = [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--loglevel',
    'warning',
    ...(options.args ?? []),
  ];
  let child: ChildProcess | undefined;
  const cli = async (...cliArgs: string[]) =>
    (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...cliArgs], { timeout: 10_000 })).stdout;

  const start = async () => {
    let stderr = '';
    const started = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    started.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    killOnExit(started);
    child = started;
    await waitUntil(
      async () => {
        if (started.exitCode !== null) throw new Error(`redis-server on ${port} exited: ${stderr}`);
        return (await cli('ping').catch(() => '')).trim() === 'PONG';
      },
      `redis-server on port ${port}`,
      10_000,
    );
  };
  const end = async (signal: NodeJS.Signals) => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill('SIGCONT');
    current.kill(signal);
    await exited;
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => end('SIGKILL'),
    restart: start,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    cli,
    async stop() {
      await end('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Three masters, no replicas, slots spread by redis-cli; ready once every node says cluster_state:ok. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const nodes: RedisNode[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      nodes.push(
        await startRedis({
          port,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
            '--cluster-node-timeout',
            '2000',
          ],
        }),
      );
    }
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
    await waitUntil(
      async () => {
        const states = await Promise.all(nodes.map((node) => node.cli('cluster', 'info')));
        return states.every((info) => info.includes('cluster_state:ok'));
      },
      'the cluster to be ok',
      15_000,
    );
  } catch (error) {
    for (const node of nodes) await node.stop();
    throw error;
  }
  return {
    nodes,
    urls: nodes.map((node) => node.url),
    async stop() {
      for (const node of nodes) await node.stop();
    },
  };
}
