// `token-agent serve`: the token engine kept running, with its refresh timers on, answering local
// processes over HTTP (handler.ts) on a Unix socket and, optionally, on loopback TCP ports.
//
// Stopping (SIGTERM, SIGINT): it stops accepting connections and its timers, lets refreshes in flight
// finish (bounded by the token endpoint's timeout), answers what it can, then closes. Abandoning a
// request is safe: the engine persists a rotated refresh token before it hands out the access token,
// so a refresh is either finished and stored, or was never answered by the token endpoint.
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { codes, isTokenAgentError, TokenAgentError } from '../engine/errors';
import type { LogLevel } from '../engine/tokenEngine';
import { createRuntime, grantTimeoutFromEnv, type Runtime, requireStore } from '../runtime';
import type { SecretStore } from '../store/secretStore';
import { agentVersion } from '../version';
import { handleRequest, type Listener, type ServeContext } from './handler';
import { defaultSocketPath, describeListen, type ListenSpec } from './listen';

/** The secret store's entry for the TCP bearer secret: this name, kind `client_secret`. */
export const serveSecretName = '@serve';

export interface ServeOptions {
  listen: ListenSpec[];
  config?: string;
  /** Print the TCP bearer secret (creating it if needed) and exit. */
  printSecret?: boolean;
}

const levels: LogLevel[] = ['debug', 'info', 'warn', 'error'];

export async function runServe(options: ServeOptions): Promise<number> {
  const minLevel = levels.indexOf((process.env.TOKEN_AGENT_LOG_LEVEL as LogLevel) ?? 'info');
  const log = (level: LogLevel, message: string) => {
    if (levels.indexOf(level) >= Math.max(0, minLevel)) process.stderr.write(`token-agent: ${message}\n`);
  };
  let runtime: Runtime;
  try {
    runtime = await createRuntime({
      ...(options.config ? { configFlag: options.config } : {}),
      schedule: !options.printSecret,
      alwaysOpenStore: true,
      log,
    });
  } catch (error) {
    log('error', `${isTokenAgentError(error) ? `${error.code}: ` : ''}${(error as Error).message}`);
    return 1;
  }
  for (const problem of runtime.problems)
    log('warn', `${runtime.configPath}: ${problem.severity}: ${problem.message}`);
  const { engine } = runtime;
  try {
    if (options.printSecret) {
      process.stdout.write(`${await bearerSecret(requireStore(runtime))}\n`);
      return 0;
    }
    const specs =
      options.listen.length > 0
        ? options.listen
        : [
            {
              kind: 'unix' as const,
              path: defaultSocketPath({
                platform: process.platform,
                env: process.env,
                dataDir: runtime.dataDir,
              }),
            },
          ];
    const bearer = specs.some((spec) => spec.kind === 'tcp')
      ? await bearerSecret(requireStore(runtime))
      : undefined;

    let stopping = false;
    const startedAt = Date.now();
    const context: ServeContext = {
      configPath: runtime.configPath,
      stopping: () => stopping,
      get: (name, minValidSeconds) => engine.get(name, { minValidSeconds }),
      status: () => ({
        version: agentVersion,
        pid: process.pid,
        startedAt,
        configPath: runtime.configPath,
        store: runtime.store
          ? { tier: runtime.store.tier, plaintext: runtime.store.plaintext }
          : {
              tier: 'unavailable',
              plaintext: false,
              ...(runtime.storeError
                ? { error: { code: runtime.storeError.code, message: runtime.storeError.message } }
                : {}),
            },
        team: engine.teamHealth(),
        tokens: engine.states(),
      }),
    };

    if (runtime.store) await engine.start();
    await engine.watchPeers();
    const requests = new InFlight();
    const servers: { server: Server; spec: ListenSpec }[] = [];
    try {
      for (const spec of specs) servers.push({ server: await listen(spec, context, bearer, requests), spec });
    } catch (error) {
      for (const { server } of servers) server.close();
      throw error;
    }
    for (const { server, spec } of servers) {
      const address = server.address() as AddressInfo | string;
      const shown = spec.kind === 'tcp' ? { ...spec, port: (address as AddressInfo).port } : spec;
      log(
        'info',
        `serving on ${describeListen(shown)}${spec.kind === 'tcp' ? ' (bearer secret required)' : ''}`,
      );
    }

    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    const signal = await stopped;
    stopping = true;
    log('info', `${signal}: stopping; refreshes in flight may finish first`);
    for (const { server } of servers) server.close();
    engine.stop();
    // In-flight requests end when their refresh does; a refresh ends by the token endpoint's timeout.
    // The engine's own grant timeout, read the same way: a refresh in flight ends by then.
    const boundMs = grantTimeoutFromEnv(process.env) ?? 30_000;
    await Promise.race([Promise.all([engine.idle(), requests.drained()]), delay(boundMs + 5_000)]);
    for (const { server } of servers) server.closeAllConnections();
    for (const { spec } of servers) if (spec.kind === 'unix') await unlink(spec.path).catch(() => undefined);
    log('info', 'stopped');
    return 0;
  } catch (error) {
    log('error', `${isTokenAgentError(error) ? `${error.code}: ` : ''}${(error as Error).message}`);
    engine.stop();
    return 1;
  }
}

async function listen(
  spec: ListenSpec,
  context: ServeContext,
  bearer: string | undefined,
  requests: InFlight,
): Promise<Server> {
  let listener: Listener = { kind: 'unix' };
  const server = createServer({ requestTimeout: 120_000 }, (req, res) => {
    // While stopping, every answer closes its connection, so that nothing is left to wait for.
    if (context.stopping()) res.setHeader('connection', 'close');
    requests.track(res);
    void handleRequest(context, listener, req, res);
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  // Local clients keep connections open between calls; closing idle ones after 5 s (Node's default)
  // makes a client that reuses one at that moment see a reset.
  server.keepAliveTimeout = 30_000;
  if (spec.kind === 'tcp') {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.port, spec.host, () => resolve());
    });
    listener = { kind: 'tcp', port: (server.address() as AddressInfo).port, bearer: bearer ?? '' };
    return server;
  }
  await prepareSocketPath(spec.path);
  // The socket is created 0600 (umask), in a folder only the user can enter.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.path, () => resolve());
    });
  } finally {
    process.umask(umask);
  }
  await chmod(spec.path, 0o600);
  return server;
}

/** Makes the socket's folder (0700), and removes a socket left by a server that is gone. */
async function prepareSocketPath(path: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (dir.endsWith('/token-agent')) await chmod(dir, 0o700).catch(() => undefined);
  const stats = await lstat(path).catch(() => undefined);
  if (!stats) return;
  if (!stats.isSocket())
    throw new TokenAgentError(codes.configInvalid, `${path} exists and is not a socket; not replacing it`);
  const alive = await new Promise<boolean>((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  if (alive)
    throw new TokenAgentError(
      codes.configInvalid,
      `another token-agent serve is already listening on ${path}`,
    );
  await unlink(path);
}

/** The TCP bearer secret: made at first need (32 random bytes), then kept in the secret store. */
async function bearerSecret(store: SecretStore): Promise<string> {
  const existing = await store.get(serveSecretName, 'client_secret');
  if (existing) return existing;
  const created = randomBytes(32).toString('base64url');
  await store.set(serveSecretName, 'client_secret', created);
  // Two servers starting at once would each make one; the store keeps the last, so read it back.
  return (await store.get(serveSecretName, 'client_secret')) ?? created;
}

/** Counts the requests being answered, so that stopping can wait for the last one. */
class InFlight {
  #count = 0;
  readonly #waiters: (() => void)[] = [];

  track(res: { once(event: 'close', listener: () => void): unknown }): void {
    this.#count++;
    res.once('close', () => {
      this.#count--;
      if (this.#count === 0) for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  drained(): Promise<void> {
    return this.#count === 0 ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve));
  }
}
