// `token-agent agent` (and its older name `serve`): the one long-lived process per user that owns the
// tokens. It listens on a 0600 Unix socket in a 0700 folder and, optionally, on loopback TCP ports
// that need a bearer secret. Clients start it on demand (start.ts); it can also run in the foreground
// under a service manager (docs/user-agent.md).
//
// Stopping (SIGTERM, SIGINT): it takes no new requests, lets refreshes in flight finish (bounded by
// the token endpoint's timeout) and saves what they obtained, answers the requests waiting on them,
// then closes. It also stops by itself when its socket file is removed or replaced, as gpg-agent
// does, so a deleted runtime folder never leaves an orphan behind.
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { dirname } from 'node:path';
import { codes, isTokenAgentError, TokenAgentError } from '../base/errors';
import { folderProblem } from '../base/privateFolder';
import { redactKnown } from '../base/redact';
import type { LogLevel } from '../engine/tokenEngine';
import { findSecrets } from '../lint/findSecrets';
import { grantTimeoutFromEnv, requireStore } from '../runtime';
import { acquireLock } from '../store/lockFile';
import type { SecretStore } from '../store/secretStore';
import { agentVersion } from '../version';
import { describeListen, type ListenSpec } from './listen';
import { agentPaths } from './paths';
import type { Listener } from './requestGate';
import { handleRequest } from './routes';
import { AgentService } from './service';

/** The secret store's entry for the TCP bearer secret: this name, kind `client_secret`. */
export const serveSecretName = '@serve';

export interface AgentOptions {
  /** Extra listeners; the user's socket is always one of them unless `unix:` ones are given. */
  listen: ListenSpec[];
  config?: string;
  /** Print the TCP bearer secret (creating it if needed) and exit. */
  printSecret?: boolean;
}

const levels: LogLevel[] = ['debug', 'info', 'warn', 'error'];
/** How often the agent checks that its socket is still its own. */
const socketCheckMs = 5_000;

export async function runAgent(options: AgentOptions): Promise<number> {
  const minLevel = levels.indexOf((process.env.TOKEN_AGENT_LOG_LEVEL as LogLevel) ?? 'info');
  let service: AgentService | undefined;
  // Every line passes the engine's redactor (the tokens it holds, the lint's rules) once there is
  // one, the lint's rules alone before: the team and the store quote what Redis and D-Bus said.
  const redact = (text: string) =>
    service ? service.runtime.engine.redact(text) : redactKnown(text, { find: findSecrets });
  // The log is a file in the data folder: on a full disk its writes may fail, and a stream error
  // nobody listens to would end the agent, and with it a new refresh token it keeps in memory until
  // the store takes it. A log line is worth less than that token.
  process.stderr.on('error', () => undefined);
  const log = (level: LogLevel, message: string) => {
    if (levels.indexOf(level) < Math.max(0, minLevel)) return;
    const stamp = process.env.TOKEN_AGENT_DETACHED ? `${new Date().toISOString()} ` : '';
    try {
      process.stderr.write(`${stamp}token-agent: ${redact(message)}\n`);
    } catch {
      // Same as above: a line that cannot be written is dropped, the agent goes on.
    }
  };
  const paths = agentPaths({
    platform: process.platform,
    env: process.env,
    ...(options.config ? { configFlag: options.config } : {}),
  });
  const specs: ListenSpec[] = options.listen.some((spec) => spec.kind === 'unix')
    ? options.listen
    : [{ kind: 'unix', path: paths.socketPath }, ...options.listen];
  const main = specs.find((spec) => spec.kind === 'unix');
  // Heard from the very start: a SIGTERM while the agent starts must stop it the orderly way, not
  // kill it between its first answer and its handlers.
  const stopped = signalled();
  const servers: { server: Server; spec: ListenSpec }[] = [];
  try {
    if (options.printSecret) {
      service = await AgentService.open({ ...paths, env: process.env, log, schedule: false });
      process.stdout.write(`${await bearerSecret(requireStore(service.runtime))}\n`);
      await service.stop(0);
      return 0;
    }
    // One agent per socket: the start lock makes "is one running? if not, listen" a single step
    // for agents started at the same moment by two clients.
    const lockDir = dirname(main?.kind === 'unix' ? main.path : paths.socketPath);
    await prepareFolder(lockDir);
    const startLock = await acquireLock({ path: `${lockDir}/start.lock`, timeoutMs: 30_000 });
    try {
      for (const spec of specs) {
        if (spec.kind === 'unix' && (await socketInUse(spec.path))) {
          log('info', `another token agent already listens on ${spec.path}; leaving it be`);
          return 0;
        }
      }
      service = await AgentService.open({ ...paths, env: process.env, log, schedule: true });
      const bearer = specs.some((spec) => spec.kind === 'tcp')
        ? await bearerSecret(requireStore(service.runtime))
        : undefined;
      const requests = new InFlight();
      for (const spec of specs) servers.push({ server: await listen(spec, service, bearer, requests), spec });
      const sockets = new Map<string, number>();
      for (const spec of specs)
        if (spec.kind === 'unix') sockets.set(spec.path, (await lstat(spec.path)).ino);
      for (const { server, spec } of servers) {
        const address = server.address() as AddressInfo | string;
        const shown = spec.kind === 'tcp' ? { ...spec, port: (address as AddressInfo).port } : spec;
        log('info', `serving on ${describeListen(shown)} (token agent ${agentVersion}, pid ${process.pid})`);
      }
      await startLock.release();
      const mainInode = main?.kind === 'unix' ? sockets.get(main.path) : undefined;
      const reason = await Promise.race([
        stopped,
        ...(main?.kind === 'unix' && mainInode !== undefined ? [socketGone(main.path, mainInode)] : []),
      ]);
      log('info', `${reason}: stopping; refreshes in flight finish first`);
      // The socket stays open while stopping (closing a Unix server removes its file): a new client
      // hears ERR_STOPPING and waits for the socket to go, instead of finding none and starting a
      // second agent beside this one.
      for (const { server, spec } of servers) if (spec.kind === 'tcp') server.close();
      // A refresh in flight ends by the token endpoint's timeout; what it obtained is saved first.
      const boundMs = (grantTimeoutFromEnv(process.env) ?? 30_000) + 5_000;
      await service.stop(boundMs);
      await Promise.race([requests.drained(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      for (const { server } of servers) {
        server.close();
        server.closeAllConnections();
      }
      // Only our own socket: a successor may already listen at the same path.
      for (const [path, inode] of sockets) {
        const now = await lstat(path).catch(() => undefined);
        if (now?.ino === inode) await unlink(path).catch(() => undefined);
      }
      log('info', 'stopped');
      return 0;
    } finally {
      await startLock.release().catch(() => undefined);
    }
  } catch (error) {
    log('error', `${isTokenAgentError(error) ? `${error.code}: ` : ''}${(error as Error).message}`);
    for (const { server } of servers) server.close();
    await service?.stop(0).catch(() => undefined);
    return 1;
  }
}

/** Resolves with the signal that asks the agent to stop. */
function signalled(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

/** Resolves when the socket is no longer the one this agent created (removed, or replaced). */
function socketGone(socketPath: string, inode: number): Promise<string> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      void lstat(socketPath).then(
        (stats) => {
          if (!stats.isSocket() || stats.ino !== inode) resolve('socket replaced');
        },
        () => resolve('socket removed'),
      );
    }, socketCheckMs);
    // The interval must not keep a stopping agent alive.
    timer.unref();
  });
}

async function listen(
  spec: ListenSpec,
  service: AgentService,
  bearer: string | undefined,
  requests: InFlight,
): Promise<Server> {
  let listener: Listener = { kind: 'unix' };
  const server = createServer({ requestTimeout: 0 }, (req, res) => {
    // While stopping, every answer closes its connection, so that nothing is left to wait for.
    if (service.stopping()) res.setHeader('connection', 'close');
    // A status subscription lasts as long as its client: it is closed at the end, not waited for.
    if (!req.url?.startsWith('/v1/events')) requests.track(res);
    void handleRequest(service, listener, req, res);
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
  await prepareFolder(dirname(spec.path));
  const stale = await lstat(spec.path).catch(() => undefined);
  if (stale) {
    if (!stale.isSocket())
      throw new TokenAgentError(
        codes.configInvalid,
        `${spec.path} exists and is not a socket; not replacing it`,
      );
    await unlink(spec.path);
  }
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

/** The socket's folder: made 0700, and refused when another user could have put a socket in it. */
async function prepareFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const problem = folderProblem(dir, await lstat(dir), process.getuid?.());
  if (problem)
    throw new TokenAgentError(codes.unsafePath, `the token agent will not listen there: ${problem}`);
  // Readable by others is harmless but needless: only this user's clients connect.
  if (((await lstat(dir)).mode & 0o077) !== 0) await chmod(dir, 0o700);
}

/** Whether a live agent answers on the socket (a socket file whose server is gone does not count). */
function socketInUse(path: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
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
