// Assembles what every entry point needs from the environment: the config (file, plus the editor's
// settings), the secret store and the token engine. The CLI and the language server both start here.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { codes, TokenAgentError } from './base/errors';
import { redactKnown } from './base/redact';
import { resolveConfigPath, resolveDataDir } from './config/paths';
import type { AgentConfig, Problem } from './config/types';
import { mergeConfigs, parseConfig } from './config/validate';
import { type LogLevel, TokenEngine } from './engine/tokenEngine';
import { findSecrets } from './lint/findSecrets';
import { openSecretStore, type SecretStore } from './store/secretStore';

export interface RuntimeOptions {
  configFlag?: string;
  /** The `tokenAgent.tokens` setting, when running under VS Code. */
  settingsTokens?: unknown;
  schedule: boolean;
  /**
   * Check held tokens' signatures for the status (EngineOptions.verifyTokens). By default a scheduling
   * (long-lived) agent does, since it shows a status; a one-shot command asks only when it prints one.
   */
  verifyTokens?: boolean;
  /** Open the secret store even with no token configured (the editor may add one at any time). */
  alwaysOpenStore?: boolean;
  env?: NodeJS.ProcessEnv;
  log?: (level: LogLevel, message: string) => void;
}

export interface Runtime {
  configPath: string;
  config: AgentConfig;
  problems: Problem[];
  dataDir: string;
  store: SecretStore | undefined;
  storeError: TokenAgentError | undefined;
  engine: TokenEngine;
}

export async function loadConfigFile(configFlag: string | undefined, env: NodeJS.ProcessEnv) {
  const { path, source } = resolveConfigPath({
    platform: process.platform,
    env,
    ...(configFlag ? { configFlag } : {}),
  });
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    // No config file at the default place just means no tokens yet; a file named explicitly must exist.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && source === 'default') {
      return { path: absolute, ...parseConfig('{"tokens":[]}') };
    }
    throw new TokenAgentError(
      codes.configInvalid,
      `cannot read the config file ${absolute}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error },
    );
  }
  return { path: absolute, ...parseConfig(text) };
}

export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const env = options.env ?? process.env;
  const file = await loadConfigFile(options.configFlag, env);
  const merged =
    options.settingsTokens === undefined ? file : { ...mergeConfigs(file.config, options.settingsTokens) };
  const problems =
    options.settingsTokens === undefined ? file.problems : [...file.problems, ...merged.problems];
  const dataDir = resolveDataDir({ platform: process.platform, env });
  const needsStore = merged.config.tokens.length > 0 || options.alwaysOpenStore === true;
  let store: SecretStore | undefined;
  let storeError: TokenAgentError | undefined;
  if (needsStore) {
    const opened = await openSecretStore({ tier: merged.config.store, dataDir });
    if ('store' in opened) store = opened.store;
    else storeError = opened.error;
  }
  const grantTimeoutMs = grantTimeoutFromEnv(env);
  // The team logs Redis's words: through the engine's redactor once it exists (it knows the held
  // tokens), through the lint's rules alone while the team connects before it.
  let engine: TokenEngine | undefined;
  const log = options.log;
  const teamLog = log
    ? (level: LogLevel, message: string) =>
        log(level, engine ? engine.redact(message) : redactKnown(message, { find: findSecrets }))
    : undefined;
  // Team mode (docs/team-mode.md) is loaded only when configured, and only for tokens to share.
  const coordinator =
    merged.config.redis !== undefined && merged.config.tokens.length > 0
      ? await (await import('./team/openTeam')).openTeam({
          config: merged.config.redis,
          store,
          dataDir,
          env,
          grantTimeoutMs: grantTimeoutMs ?? 30_000,
          ...(teamLog ? { log: teamLog } : {}),
        })
      : undefined;
  engine = new TokenEngine({
    definitions: merged.config.tokens,
    findSecrets,
    store,
    ...(storeError ? { storeError } : {}),
    dataDir,
    schedule: options.schedule,
    verifyTokens: options.verifyTokens ?? options.schedule,
    ...(grantTimeoutMs !== undefined ? { grantTimeoutMs } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(coordinator ? { coordinator } : {}),
  });
  return { configPath: file.path, config: merged.config, problems, dataDir, store, storeError, engine };
}

/** The secret store, or the coded reason there is none (ERR_STORE_UNAVAILABLE / ERR_STORE_LOCKED). */
export function requireStore(
  runtime: Pick<Runtime, 'store' | 'storeError'>,
  purpose = 'to keep secrets',
): SecretStore {
  if (runtime.store) return runtime.store;
  throw (
    runtime.storeError ??
    new TokenAgentError(codes.storeUnavailable, `No secret store is available ${purpose}.`)
  );
}

/**
 * `TOKEN_AGENT_GRANT_TIMEOUT_MS` shortens (or lengthens) the engine's wait for a token endpoint, 30 s by
 * default. Tests use it to reach ERR_TOKEN_ENDPOINT_TIMEOUT quickly; an unusable value is ignored
 * rather than fatal, because a token must still be obtainable with a stray variable set.
 */
export function grantTimeoutFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.TOKEN_AGENT_GRANT_TIMEOUT_MS;
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const ms = Number(value);
  return ms >= 1 && ms <= 600_000 ? ms : undefined;
}
