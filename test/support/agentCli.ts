// Drives the built `token-agent` CLI (dist/agent.js) the way a user's shell does, each test in its own
// data directory and config file, against the test token server and a private Secret Service.
//
// Every child is started with the asynchronous spawn: the token server runs in the test process, and
// spawnSync would block the event loop that has to answer the child's token request.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createRemoteJWKSet, decodeJwt, type JWTPayload, jwtVerify } from 'jose';
import type { SecretKind } from '../../agent/store/secretStore';
import { agentBundle, type CliResult, type RunningCli, startProcess } from './agentProcess';
import { keytarInChild, type SecretService } from './secretService';
import type { TokenServer } from './tokenServer';
import { waitUntil } from './waitFor';

export { agentBundle, type CliResult, type RunningCli };

const root = resolve(__dirname, '..', '..');
const stampedeDriver = join(root, 'test', 'support', 'stampede.ts');

export interface AgentWorkspace {
  dir: string;
  /** `$XDG_DATA_HOME/token-agent`: locks/, audit.jsonl, and secrets.json for the file tier. */
  dataDir: string;
  configPath: string;
  /** The environment every CLI process of this workspace gets on top of the test's own. */
  env: Record<string, string>;
  /** Runs `token-agent ARGS --config FILE` to its end; `input` is written to its stdin. */
  run(args: readonly string[], options?: RunOptions): Promise<CliResult>;
  /** Starts `token-agent ARGS --config FILE` and leaves it to the caller (to kill it, say). */
  start(args: readonly string[], options?: RunOptions): RunningCli;
  /** Stores a secret through `token-agent secret set`, as a user would; throws unless it worked. */
  setSecret(name: string, kind: SecretKind, value: string): Promise<void>;
  /** Reads a secret straight from the keyring, in a separate process (see keytarInChild). */
  readSecret(name: string, kind: SecretKind): Promise<string | undefined>;
  remove(): Promise<void>;
}

export interface RunOptions {
  input?: string;
  /** Laid over the workspace's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
}

export interface TokenEntry {
  name: string;
  refreshBeforeSeconds?: number;
  /** The remotes the credential helpers present it to. */
  urls?: string[];
  username?: string;
}

/** A config entry for an `oauth2-refresh-token` token of the test server's public client. */
export function refreshTokenEntry(server: TokenServer, entry: TokenEntry): Record<string, unknown> {
  return {
    type: 'oauth2-refresh-token',
    issuer: server.issuer,
    clientId: server.publicClientId,
    scope: server.scope,
    resource: server.resource,
    refreshBeforeSeconds: 2,
    ...entry,
  };
}

export async function createWorkspace(options: {
  server: TokenServer;
  secrets: SecretService;
  tokens: TokenEntry[];
  store?: 'keychain' | 'file' | 'memory';
  /**
   * Run every CLI call with --no-agent (TOKEN_AGENT_NO_AGENT=1): the engine in each process, with the
   * lock file between them, as in containers and CI. By default calls go through the user agent.
   */
  noAgent?: boolean;
}): Promise<AgentWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), 'token-agent-cli-'));
  const configPath = join(dir, 'config.json');
  const config = {
    store: options.store ?? 'keychain',
    tokens: options.tokens.map((entry) => refreshTokenEntry(options.server, entry)),
  };
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
  const env: Record<string, string> = {
    ...options.secrets.env,
    XDG_DATA_HOME: join(dir, 'data'),
    ...(options.noAgent ? { TOKEN_AGENT_NO_AGENT: '1' } : {}),
  };
  const childEnv = (extra: RunOptions['env'] = {}) => merge({ ...process.env, ...env }, extra);
  const start = (args: readonly string[], runOptions: RunOptions = {}) =>
    startProcess([agentBundle, ...args, '--config', configPath], childEnv(runOptions.env), runOptions.input);
  const workspace: AgentWorkspace = {
    dir,
    dataDir: join(dir, 'data', 'token-agent'),
    configPath,
    env,
    start,
    run: (args, runOptions) => start(args, runOptions).done,
    async setSecret(name, kind, value) {
      const result = await workspace.run(['secret', 'set', name, kind], { input: `${value}\n` });
      if (result.code !== 0)
        throw new Error(`token-agent secret set ${name} ${kind} failed:\n${result.stderr}`);
    },
    async readSecret(name, kind) {
      const answer = await keytarInChild(env, 'getPassword', 'token-agent', `${name}/${kind}`);
      if (answer.outcome !== 'value') throw new Error(`reading ${name}/${kind}: ${JSON.stringify(answer)}`);
      return typeof answer.value === 'string' ? answer.value : undefined;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
  return workspace;
}

function merge(base: NodeJS.ProcessEnv, extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const merged = { ...base };
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}

/** The agent's stderr as lines, for "one clear line" checks. */
export function stderrLines(result: CliResult): string[] {
  return result.stderr.split('\n').filter((line) => line.trim() !== '');
}

const jwksByServer = new WeakMap<TokenServer, ReturnType<typeof createRemoteJWKSet>>();

/**
 * Verifies an access token as the API would: signature against the server's JWKS, issuer, audience
 * and type, valid at `at` (now by default).
 */
export async function verifyAccessToken(server: TokenServer, token: string, at?: Date): Promise<JWTPayload> {
  let jwks = jwksByServer.get(server);
  if (!jwks) {
    jwks = createRemoteJWKSet(new URL(server.jwksUri));
    jwksByServer.set(server, jwks);
  }
  const { payload } = await jwtVerify(token, jwks, {
    issuer: server.issuer,
    audience: server.resource,
    typ: 'at+jwt',
    ...(at ? { currentDate: at } : {}),
  });
  return payload;
}

/** Waits until the token's `exp` is behind us, by the local clock. */
export async function waitForExpiry(token: string): Promise<void> {
  const expMs = (decodeJwt(token).exp ?? 0) * 1000;
  await waitUntil(
    () => Date.now() > expMs,
    'the access token to expire',
    Math.max(0, expMs - Date.now()) + 5_000,
  );
}

/** Every regular file under `dir`, with its content, for "nothing was written in clear text" checks. */
export async function readTree(dir: string): Promise<{ path: string; text: string }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    },
  );
  return Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const path = join(entry.parentPath, entry.name);
        return { path, text: await readFile(path, 'utf8') };
      }),
  );
}

/** What one stampede process reports: the token each of its concurrent `get` calls returned. */
export interface StampedeReport {
  tokens: string[];
  errors: { code?: string; message: string }[];
}

export interface StampedeProcess {
  /** Resolves once the process has opened its runtime (config, secret store) and waits for `go`. */
  ready: Promise<void>;
  go(): void;
  report: Promise<StampedeReport>;
}

/**
 * A process that opens the agent's runtime, waits at a barrier, then calls `engine.get` `calls` times
 * at once: what several threads of one program sharing one agent library do. The CLI cannot do this,
 * since it makes one call per process.
 */
export function startStampede(
  workspace: AgentWorkspace,
  name: string,
  calls: number,
  env: Record<string, string> = {},
): StampedeProcess {
  const running = startProcess(
    ['--import', 'tsx', stampedeDriver, workspace.configPath, name, String(calls)],
    { ...process.env, ...workspace.env, ...env },
    null,
  );
  const lines = createInterface({ input: running.child.stdout });
  const ready = new Promise<void>((resolveReady, fail) => {
    lines.once('line', (line) =>
      line === 'ready' ? resolveReady() : fail(new Error(`stampede driver said ${line}`)),
    );
    void running.done.then((result) => fail(new Error(`stampede driver exited early:\n${result.stderr}`)));
  });
  const report = running.done.then((result) => {
    if (result.code !== 0) throw new Error(`stampede driver failed (${result.code}):\n${result.stderr}`);
    const last = result.stdout.trim().split('\n').at(-1) ?? '';
    return JSON.parse(last) as StampedeReport;
  });
  // Awaited by the caller; this only keeps an early failure, reported through `ready`, from also
  // surfacing as an unhandled rejection.
  report.catch(() => undefined);
  return { ready, report, go: () => running.child.stdin.end('go\n') };
}
