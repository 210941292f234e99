// What the user agent does for its clients, over the one engine it owns: the AgentContext the HTTP
// handler (routes.ts) calls. The agent is the only writer of the config file (through ConfigOwner)
// and the only process that refreshes or signs in, so every client sees one state.
import { join } from 'node:path';
import { codes, isTokenAgentError, TokenAgentError } from '../base/errors';
import { ConfigOwner, toDefinitionList } from '../config/configFile';
import type { ConfigResult, Problem } from '../config/types';
import type { IssuedToken, LogLevel } from '../engine/tokenEngine';
import { TokenEngine } from '../engine/tokenEngine';
import { type KeySetCache, toTokenVerification } from '../engine/verify';
import { findSecrets } from '../lint/findSecrets';
import type {
  AgentStatus,
  SecretKind,
  SignInFlow,
  SignInPrompt,
  SignInResult,
  TokenState,
} from '../protocol';
import { grantTimeoutFromEnv, type Runtime } from '../runtime';
import { cancelled } from '../signin/common';
import { SignInFlights, signInFix } from '../signin/flights';
import { defaultLoopbackTimeoutMs } from '../signin/loopback';
import { beginSignIn } from '../signin/signIn';
import { auditFileName } from '../store/auditLog';
import { auditStamp, readAuditTail } from '../store/auditRead';
import { timelineFrom } from '../store/auditTimeline';
import { openSecretStore } from '../store/secretStore';
import type {
  DefineAnswer,
  DefinitionList,
  HeldAnswer,
  ImportAnswer,
  SignInEvent,
  TimelineAnswer,
} from './api';
import type { AgentContext } from './routes';
import { StatusModel } from './statusModel';

export interface ServiceOptions {
  configPath: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  log: (level: LogLevel, message: string) => void;
  /** Refresh timers on (the agent); off for a one-shot use such as printing the bearer secret. */
  schedule: boolean;
}

/** How often an agent without its secret store tries to open it again. */
const storeRetryMs = 5_000;

export class AgentService implements AgentContext {
  readonly configPath: string;
  readonly runtime: Runtime;
  readonly #owner: ConfigOwner;
  readonly #model = new StatusModel();
  readonly #log: ServiceOptions['log'];
  readonly #keySets: KeySetCache = new Map();
  /** One sign-in per token for all callers: the first starts it, the others join it (#12 item 6). */
  readonly #flights = new SignInFlights<SignInFlow, SignInPrompt, SignInResult>({
    now: Date.now,
    cancelled,
    // The device code's own expiry; the browser flow's loopback listener waits this long.
    deadlineOf: (prompt, startedAt) =>
      prompt.flow === 'device' ? prompt.expiresAt : startedAt + defaultLoopbackTimeoutMs,
  });
  #stopping = false;
  #unwatch: (() => void) | undefined;

  private constructor(options: ServiceOptions, owner: ConfigOwner, runtime: Runtime) {
    this.configPath = options.configPath;
    this.#log = options.log;
    this.#owner = owner;
    this.runtime = runtime;
    this.#model.setRuntime(runtime);
  }

  /** Loads the config file, opens the secret store (failing closed) and the engine, and starts it. */
  static async open(options: ServiceOptions): Promise<AgentService> {
    let service: AgentService | undefined;
    const owner = new ConfigOwner({
      path: options.configPath,
      log: options.log,
      onChange: (result) => service?.applyConfig(result),
    });
    const loaded = await owner.load();
    const opened = await openSecretStore({ tier: loaded.config.store, dataDir: options.dataDir });
    const store = 'store' in opened ? opened.store : undefined;
    const storeError = 'error' in opened ? opened.error : undefined;
    const grantTimeoutMs = grantTimeoutFromEnv(options.env);
    const redis = loaded.config.redis;
    const coordinator =
      redis !== undefined
        ? await (await import('../team/openTeam')).openTeam({
            config: redis,
            store,
            dataDir: options.dataDir,
            env: options.env,
            grantTimeoutMs: grantTimeoutMs ?? 30_000,
            log: options.log,
          })
        : undefined;
    const engine = new TokenEngine({
      definitions: loaded.config.tokens,
      findSecrets,
      store,
      ...(storeError ? { storeError } : {}),
      dataDir: options.dataDir,
      schedule: options.schedule,
      verifyTokens: options.schedule,
      ...(grantTimeoutMs !== undefined ? { grantTimeoutMs } : {}),
      log: options.log,
      ...(coordinator ? { coordinator } : {}),
    });
    const runtime: Runtime = {
      configPath: options.configPath,
      config: loaded.config,
      problems: loaded.problems,
      dataDir: options.dataDir,
      store,
      storeError,
      engine,
    };
    service = new AgentService(options, owner, runtime);
    for (const problem of loaded.problems) options.log('warn', describeProblem(options.configPath, problem));
    if (store) await engine.start();
    else service.#retryStore(options.dataDir);
    service.#unwatch = owner.watch();
    return service;
  }

  #storeRetry: NodeJS.Timeout | undefined;
  /** Until the store opens (a keyring unlocked, its daemon started), try again every few seconds. */
  #retryStore(dataDir: string): void {
    this.#storeRetry = setInterval(() => {
      void openSecretStore({ tier: this.runtime.config.store, dataDir }).then(async (opened) => {
        if (!('store' in opened) || this.runtime.store || this.#stopping) return;
        clearInterval(this.#storeRetry);
        this.runtime.store = opened.store;
        this.runtime.storeError = undefined;
        this.#log('info', `the ${opened.store.tier} secret store is available now`);
        await this.runtime.engine.useStore(opened.store);
        this.#model.refresh();
      });
    }, storeRetryMs);
  }

  /** An edit of the config file (by hand, or by another client through us): only what changed moves. */
  applyConfig(result: ConfigResult): void {
    const before = this.runtime.config;
    this.runtime.config = result.config;
    this.runtime.problems = result.problems;
    for (const problem of result.problems) this.#log('warn', describeProblem(this.configPath, problem));
    if (
      before.store !== result.config.store ||
      JSON.stringify(before.redis) !== JSON.stringify(result.config.redis)
    )
      this.#log(
        'warn',
        'the secret store or team mode changed in the config file: restart the agent to apply it',
      );
    this.runtime.engine.setDefinitions(result.config.tokens);
    this.#model.refresh();
  }

  stopping(): boolean {
    return this.#stopping;
  }

  /** Takes no new work; refreshes in flight finish (bounded by the grant timeout) and are saved. */
  async stop(boundMs: number): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#storeRetry);
    this.#unwatch?.();
    this.#flights.cancelAll();
    const engine = this.runtime.engine;
    engine.stop();
    await Promise.race([engine.idle(), new Promise((resolve) => setTimeout(resolve, boundMs).unref())]);
    const unsaved = await engine.flushPending(10_000).catch((): string[] => []);
    // The one case where stopping can cost a grant: say it loudly, naming the fix.
    for (const name of unsaved)
      this.#log(
        'error',
        `token '${name}': a new secret could not be saved before stopping; the secret store refused it (${this.runtime.engine.state(name).pendingSave?.message ?? 'unknown'}). If the next refresh fails, sign in again.`,
      );
  }

  status(): AgentStatus {
    return this.#model.snapshot();
  }

  onStatus(listener: (status: AgentStatus) => void): () => void {
    return this.#model.onChange(listener);
  }

  /** The engine's redactor, for error messages the API sends (routes.ts). */
  redact(text: string): string {
    return this.runtime.engine.redact(text);
  }

  /**
   * A token read never signs in (#12 item 6): a token that needs one answers ERR_NEEDS_SIGN_IN with
   * how to sign in. While a sign-in is under way for a token that needs one, it answers at once,
   * without asking the engine (which could only present a refresh token the server has refused). A
   * sign-in started while the refresh token still works (switching accounts) leaves reads to the
   * engine, which refreshes as usual.
   */
  async get(name: string, minValidSeconds: number): Promise<IssuedToken> {
    const engine = this.runtime.engine;
    const flight = this.#flights.current(name);
    if (flight && this.#needsSignIn(name))
      throw new TokenAgentError(
        codes.needsSignIn,
        `Token '${name}' needs a sign-in. ${signInFix(name, flight, Date.now())}`,
      );
    try {
      return engine.withRefreshPoint(name, await engine.get(name, { minValidSeconds }));
    } catch (error) {
      if (!isTokenAgentError(error, codes.needsSignIn)) throw error;
      throw new TokenAgentError(
        codes.needsSignIn,
        `${error.message} ${signInFix(name, this.#flights.current(name), Date.now())}`,
        { cause: error },
      );
    }
  }

  #needsSignIn(name: string): boolean {
    try {
      return this.runtime.engine.state(name).phase === 'needs-sign-in';
    } catch {
      // Not loaded yet: the engine finds out (without a request when there is no refresh token).
      return false;
    }
  }

  async refresh(name: string): Promise<TokenState> {
    await this.runtime.engine.refresh(name);
    return this.runtime.engine.state(name);
  }

  async setSecret(
    name: string,
    kind: SecretKind,
    value: string,
    options: { keepOther?: boolean } = {},
  ): Promise<void> {
    if (options.keepOther && !this.runtime.engine.names().includes(name)) {
      // A value stored under a name nobody defined (an earlier fix whose definition was refused) is
      // invisible to the lint's name choice; it must not be replaced by another.
      const stored = await this.#requireStore().get(name, kind);
      if (stored !== undefined && stored !== value)
        throw new TokenAgentError(
          codes.configInvalid,
          `the secret store already holds another value as '${name}' with no token defined for it: define it ("type": "static"), or remove it with token-agent secret delete ${name}, then run the quick fix again.`,
        );
    }
    await this.runtime.engine.setSecret(name, kind, value);
  }

  async deleteSecret(name: string, kind: SecretKind | undefined): Promise<void> {
    const store = this.#requireStore();
    if (kind === undefined && this.runtime.engine.names().includes(name)) {
      await this.runtime.engine.removeSecrets(name);
      return;
    }
    await store.delete(name, kind);
  }

  definitions(): DefinitionList {
    return toDefinitionList(this.#owner.list());
  }

  async define(
    name: string,
    entry: Record<string, unknown>,
    options: { replace?: boolean } = {},
  ): Promise<DefineAnswer> {
    if (entry.name !== undefined && entry.name !== name)
      throw new TokenAgentError(
        codes.badRequest,
        `the definition's name '${String(entry.name)}' is not '${name}'`,
      );
    // Adding never replaces: an entry of that name (a broken hand-written one too) stays unless the
    // caller asked to replace it, so no add quietly overwrites a definition and its secrets' meaning.
    if (!options.replace && this.#owner.list().entries.some((e) => e.name === name))
      return {
        ok: false,
        configPath: this.configPath,
        problems: [
          {
            field: 'name',
            message: `a token named '${name}' is already defined in ${this.configPath}; remove it first (token-agent token remove ${name}) or pick another name`,
          },
        ],
      };
    const verdict = await this.#owner.define({ ...entry, name });
    if (!verdict.ok)
      return {
        ok: false,
        configPath: this.configPath,
        problems: verdict.problems.map((p) => ({
          ...(p.field ? { field: p.field } : {}),
          message: p.message,
        })),
      };
    this.applyConfig(this.#owner.current());
    return {
      ok: true,
      replaced: verdict.replaced,
      configPath: this.configPath,
      warnings: verdict.problems.map((p) => p.message),
    };
  }

  async removeDefinition(name: string): Promise<{ removed: boolean }> {
    const result = await this.#owner.remove(name);
    if (result.removed) this.applyConfig(this.#owner.current());
    return result;
  }

  async importDefinitions(entries: unknown[]): Promise<ImportAnswer> {
    const result = await this.#owner.importDefinitions(entries);
    if (result.imported.length > 0) this.applyConfig(this.#owner.current());
    return { configPath: this.configPath, ...result };
  }

  async signIn(
    name: string,
    flow: SignInFlow,
    signal: AbortSignal,
    send: (event: SignInEvent) => void,
  ): Promise<void> {
    // The first caller starts the flow; a caller arriving while it runs joins it and gets the same
    // prompt and the same outcome, so many windows never mean many browser tabs or device codes.
    const boarding = this.#flights.board(name, flow, async (flightSignal) => {
      const pending = await beginSignIn(this.runtime, name, {
        flow,
        signal: flightSignal,
        keySets: this.#keySets,
      });
      return {
        prompt: pending.prompt,
        done: pending.done.then(({ verification, ...result }) => ({
          ...result,
          ...(verification ? { verification: toTokenVerification(verification) } : {}),
        })),
      };
    });
    const leave = () => this.#flights.leave(name, boarding.id);
    if (signal.aborted) leave();
    signal.addEventListener('abort', leave, { once: true });
    try {
      send({ prompt: await boarding.prompt, joined: boarding.joined, id: boarding.id });
      send({ result: await boarding.outcome });
    } finally {
      signal.removeEventListener('abort', leave);
    }
  }

  /** `DELETE /v1/tokens/NAME/sign-in?id=ID`: one caller stops waiting; the flow goes on for the others. */
  leaveSignIn(name: string, id: string): { left: boolean } {
    return { left: this.#flights.leave(name, id) };
  }

  held(): HeldAnswer {
    return {
      tokens: this.runtime.engine
        .heldTokens()
        .map(([name, accessToken]) => (accessToken ? { name, accessToken } : { name })),
    };
  }

  async timeline(hours: number, stamp: string | undefined): Promise<TimelineAnswer> {
    const path = this.auditLogPath;
    // The cheap check first: a caller polling while nothing was written reads no line.
    if (stamp !== undefined && stamp === (await auditStamp(path))) return { unchanged: true, stamp };
    const tail = await readAuditTail(path);
    return timelineFrom({ ...tail, auditLogPath: path, now: Date.now(), hours });
  }

  get auditLogPath(): string {
    return join(this.runtime.dataDir, auditFileName);
  }

  #requireStore() {
    if (this.runtime.store) return this.runtime.store;
    throw (
      this.runtime.storeError ?? new TokenAgentError(codes.storeUnavailable, 'No secret store is available.')
    );
  }
}

function describeProblem(configPath: string, problem: Problem): string {
  return `${configPath}: ${problem.severity}: ${problem.message}`;
}
