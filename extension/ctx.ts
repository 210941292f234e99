// The one object that owns the extension's state: the log, the status bar, the agent client and two
// lists of disposables (the extension's lifetime and the current client's), so that a restart never
// leaks listeners or timers.
import * as vscode from 'vscode';
import { type LanguageClient, ResponseError, State } from 'vscode-languageclient/node';
import * as protocol from '../agent/protocol';
import type { AgentView } from './agentView';
import { createAgentClient } from './client';
import { ClipboardGuard } from './clipboardGuard';
import { affects, readSetting } from './config';
import { RestartPolicy } from './restartPolicy';
import { type SettingKey, type settingDefaults, settingsSection, type TokenSetting } from './settings';
import { StatusBar } from './statusBar';
import { addStaticDefinition } from './tokenDefinitions';
import { TokensView } from './tokensView';

/** globalState key of the token pinned to the status bar: tokens are per user, as is the pin. */
const pinnedKey = 'tokenAgent.pinnedToken';

export class Ctx implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly clipboard = new ClipboardGuard();
  readonly #statusBar: StatusBar;
  readonly #tokensView: TokensView;
  readonly #statusWaiters = new Set<() => void>();
  readonly #signInPrompts = new vscode.EventEmitter<protocol.SignInPromptParams>();
  /** What the agent asks the user to do during a sign-in (open a URL, enter a code). */
  readonly onSignInPrompt = this.#signInPrompts.event;
  readonly #statusChanges = new vscode.EventEmitter<protocol.AgentStatus>();
  /** Each status the agent reports. */
  readonly onDidChangeStatus = this.#statusChanges.event;
  readonly #extensionDisposables: vscode.Disposable[] = [];
  #clientDisposables: vscode.Disposable[] = [];
  #client: LanguageClient | undefined;
  #view: AgentView = { kind: 'starting' };
  #agentStateSet = false;
  readonly #restartPolicy = new RestartPolicy();
  readonly #activatedAt = Date.now();

  constructor(readonly extension: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('Token Agent', { log: true });
    const warnBeforeSeconds = () => this.setting('statusBar.warnBeforeSeconds');
    this.#statusBar = new StatusBar(warnBeforeSeconds, () => this.pinned);
    this.#tokensView = new TokensView({
      status: () => this.status,
      pinned: () => this.pinned,
      warnBeforeSeconds,
    });
    this.#extensionDisposables.push(
      this.log,
      this.clipboard,
      this.#signInPrompts,
      this.#statusChanges,
      this.#statusBar,
      this.#tokensView,
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (affects(event, 'agent.path')) void this.restart();
      }),
    );
  }

  /** The agent's last reported status, or undefined while it is not running. */
  get status(): protocol.AgentStatus | undefined {
    return this.#view.kind === 'running' ? this.#view.status : undefined;
  }

  /**
   * The agent's status, waiting up to `timeoutMs` while it starts or restarts: a command run just after
   * the window opened should do its work, not say the agent is not running. Undefined once it stopped.
   */
  async runningStatus(timeoutMs = 30_000): Promise<protocol.AgentStatus | undefined> {
    await this.#until(() => this.#view.kind === 'running' || this.#view.kind === 'stopped', timeoutMs);
    return this.status;
  }

  /** Resolves once `done()` holds, checked now and on every view change, or after `timeoutMs`. */
  #until(done: () => boolean, timeoutMs: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.#statusWaiters.delete(check);
        resolve();
      };
      const check = () => {
        if (done()) finish();
      };
      const timer = setTimeout(finish, timeoutMs);
      this.#statusWaiters.add(check);
    });
  }

  /** The token the user pinned to the status bar, if any; it may name a token since removed. */
  get pinned(): string | undefined {
    return this.extension.globalState.get<string>(pinnedKey);
  }

  /** Pins the status bar to `name`, or with undefined goes back to the most urgent token. */
  async pin(name: string | undefined): Promise<void> {
    await this.extension.globalState.update(pinnedKey, name);
    this.#statusBar.show(this.#view);
    this.#tokensView.update();
  }

  setting<K extends SettingKey>(key: K): (typeof settingDefaults)[K] {
    return readSetting(key);
  }

  // One after another: each reads the setting and writes it back, so two at once could lose one. Every
  // change to `tokenAgent.tokens` goes through here, so a list read before the queue never overwrites
  // a change made meanwhile.
  #tokenUpdates: Promise<unknown> = Promise.resolve();
  /**
   * Applies `change` to the current `tokenAgent.tokens` (read inside the queue) and writes the result;
   * `change` returns undefined when there is nothing to write. Resolves to whether it wrote; rejects with
   * whatever `change` throws.
   */
  updateTokens(change: (current: TokenSetting[]) => TokenSetting[] | undefined): Promise<boolean> {
    const update = this.#tokenUpdates.then(async () => {
      const tokens = change(this.setting('tokens'));
      if (tokens === undefined) return false;
      await vscode.workspace
        .getConfiguration(settingsSection)
        .update('tokens', tokens, vscode.ConfigurationTarget.Global);
      return true;
    });
    this.#tokenUpdates = update.catch(() => undefined);
    return update;
  }

  /**
   * The token's state once the agent's status shows it as `settled` says (or at once if it does), or
   * the last one seen (undefined if none) after `timeoutMs`. Never rejects: the caller says what is wrong.
   */
  async tokenState(
    name: string,
    settled: (state: protocol.TokenState) => boolean,
    timeoutMs = 10_000,
  ): Promise<protocol.TokenState | undefined> {
    const find = () => this.status?.tokens.find((t) => t.name === name);
    await this.#until(() => {
      const state = find();
      return state !== undefined && settled(state);
    }, timeoutMs);
    return find();
  }

  get client(): LanguageClient | undefined {
    return this.#client?.isRunning() ? this.#client : undefined;
  }

  async start(): Promise<void> {
    const agentModule = readSetting('agent.path') || this.extension.asAbsolutePath('dist/agent.js');
    const client = createAgentClient(agentModule, this.log, {
      waitBeforeRestart: () => this.#waitBeforeRestart(),
    });
    this.#client = client;
    this.#clientDisposables.push(
      client.onNotification(protocol.didChangeStatus, (status) => this.#show({ kind: 'running', status })),
      client.onNotification(protocol.signInPrompt, (params) => this.#signInPrompts.fire(params)),
      client.onRequest(protocol.addTokenDefinition, (params) => this.#addTokenDefinition(params)),
      client.onDidChangeState(({ newState }) => {
        if (newState === State.Starting) this.#show({ kind: 'starting' });
        if (newState === State.Running) this.#restartPolicy.started(Date.now());
      }),
    );
    this.#show({ kind: 'starting' });
    try {
      await client.start();
      this.log.info(
        `agent started from ${agentModule} in ${Date.now() - this.#activatedAt} ms since activation`,
      );
    } catch (error) {
      const reason = `The token agent could not start: ${(error as Error).message}`;
      this.log.error(reason);
      this.#show({ kind: 'stopped', reason });
    }
  }

  async #addTokenDefinition(params: protocol.AddTokenDefinitionParams): Promise<null> {
    const { name } = params.definition;
    const added = await this.updateTokens((current) => {
      const change = addStaticDefinition(current, params.definition);
      if (change.kind === 'refused') {
        this.log.warn(`did not add the token '${name}' the agent asked for: ${change.message}`);
        throw new ResponseError(1, change.message, { code: protocol.ErrorCode.configInvalid });
      }
      return change.kind === 'add' ? change.tokens : undefined;
    });
    if (added)
      this.log.info(`added the static token '${name}' to tokenAgent.tokens (the value is in the store)`);
    return null;
  }

  #importing = false;
  #importTried = false;
  /**
   * `tokenAgent.tokens` is deprecated: the agent's config file is the one source of truth, so that a
   * token is the same in every window and terminal. Existing entries are imported once, with a message.
   */
  async #importSettingsTokens(): Promise<void> {
    const key = 'tokenAgent.settingsTokensImported';
    const entries = this.setting('tokens');
    if (
      this.#importing ||
      this.#importTried ||
      entries.length === 0 ||
      this.extension.globalState.get(key) === true
    )
      return;
    this.#importing = true;
    // Once per window: a failure is logged, not retried on every status the agent pushes.
    this.#importTried = true;
    try {
      const result = await this.client?.sendRequest(protocol.importDefinitions, { entries });
      if (!result) return;
      await this.extension.globalState.update(key, true);
      const skipped = result.skipped.map((s) => `${s.name} (${s.reason})`).join(', ');
      this.log.info(
        `imported ${result.imported.length} token definitions from settings into ${result.configPath}`,
      );
      void vscode.window.showInformationMessage(
        `Token Agent moved ${result.imported.length} token definition(s) from the tokenAgent.tokens setting into ${result.configPath}, which every window and terminal now share.${skipped ? ` Not moved: ${skipped}.` : ''}`,
      );
    } catch (error) {
      this.log.warn(`could not import tokenAgent.tokens: ${(error as Error).message}`);
    } finally {
      this.#importing = false;
    }
  }

  // Restarts run one after another: two at once would each start a client and leak one.
  #restarts: Promise<void> = Promise.resolve();
  restart(): Promise<void> {
    this.#restarts = this.#restarts.then(async () => {
      await this.#stopClient();
      await this.start();
    });
    return this.#restarts;
  }

  #show(view: AgentView): void {
    if (view.kind === 'running' && this.#view.kind !== 'running') {
      this.log.info(`agent ${view.status.version} (pid ${view.status.pid}) reported status`);
    }
    if (view.kind === 'running' && view.status.configPath !== undefined) void this.#importSettingsTokens();
    // The Tokens view's welcome text depends on whether the agent answers at all.
    if (view.kind !== this.#view.kind || !this.#agentStateSet) {
      this.#agentStateSet = true;
      void vscode.commands.executeCommand('setContext', 'tokenAgent.agentState', view.kind);
    }
    this.#view = view;
    this.#statusBar.show(view);
    this.#tokensView.update();
    if (view.kind === 'running') this.#statusChanges.fire(view.status);
    for (const waiter of [...this.#statusWaiters]) waiter();
  }

  async #waitBeforeRestart(): Promise<boolean> {
    const client = this.#client;
    const { attempt, delayMs } = this.#restartPolicy.crashed(Date.now());
    this.log.warn(`agent stopped unexpectedly; restart attempt ${attempt} in ${delayMs} ms`);
    this.#show({ kind: 'restarting', attempt, retryAt: Date.now() + delayMs });
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return client !== undefined && this.#client === client;
  }

  async #stopClient(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    for (const disposable of this.#clientDisposables.splice(0)) disposable.dispose();
    if (client) {
      // stop() rejects when the agent is already gone; that is the state we want anyway.
      await client.stop(2000).catch((error: unknown) => this.log.debug(`stop: ${String(error)}`));
    }
  }

  async dispose(): Promise<void> {
    await this.#stopClient();
    for (const disposable of this.#extensionDisposables.splice(0)) disposable.dispose();
  }
}
