// The agent as a language server: what the VS Code extension talks to. The transport (--stdio,
// --node-ipc, --socket=N) is chosen from argv by vscode-languageserver.
import {
  type Connection,
  createConnection,
  DidChangeConfigurationNotification,
  ProposedFeatures,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codes, isTokenAgentError, TokenAgentError } from '../engine/errors';
import { mask } from '../engine/redact';
import type { LogLevel } from '../engine/tokenEngine';
import { type KeySetCache, toTokenVerification } from '../engine/verify';
import { LiveTokenIndex } from '../lint/liveTokens';
import { lintCapabilities, registerLintFeatures } from '../lint/lspFeatures';
import * as protocol from '../protocol';
import { createRuntime, type Runtime } from '../runtime';
import { beginSignIn } from '../signin/signIn';
import { agentVersion } from '../version';
import { StatusModel } from './statusModel';
import { registerWorkspaceScan } from './workspaceScan';

interface TokenAgentSettings {
  lint?: { enabled?: boolean };
  log?: { level?: LogLevel };
  tokens?: unknown;
}

const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function runLspServer(): void {
  const connection = createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TextDocument);
  const model = new StatusModel();
  let canPullConfiguration = false;
  let logLevel: LogLevel = 'info';
  const log = (level: LogLevel, message: string) => {
    if (logLevels.indexOf(level) < logLevels.indexOf(logLevel)) return;
    connection.console[level === 'debug' ? 'log' : level](message);
  };

  // The leak lint: diagnostics, hovers and quick fixes for hard-coded tokens, live ones included.
  const liveTokens = new LiveTokenIndex();
  const lint = registerLintFeatures(connection, documents, {
    enabled: () => model.lintEnabled,
    liveTokens,
    tokens: () => {
      const engine = model.runtime?.engine;
      if (!engine) return [];
      const held = new Map(engine.heldTokens());
      return engine
        .states()
        .map((state) => ({ name: state.name, type: state.type, held: held.get(state.name) !== undefined }));
    },
    onStoreStatic: async (name, value) => {
      const runtime = model.runtime;
      if (!runtime)
        throw new ResponseError(0, 'The token engine has not started yet.', { code: codes.storeUnavailable });
      // A value stored under a name nobody defined (an earlier fix whose definition was refused) is
      // invisible to the name choice; it must not be replaced by another.
      const stored = await runtime.store?.get(name, 'static_token');
      if (stored !== undefined && stored !== value)
        throw new TokenAgentError(
          codes.configInvalid,
          `the secret store already holds another value as '${name}' with no token defined for it: define it ("type": "static"), or remove it with token-agent secret delete ${name}, then run the quick fix again.`,
        );
      await runtime.engine.setSecret(name, 'static_token', value);
    },
    configPath: () => model.runtime?.configPath,
  });

  connection.onInitialize((params) => {
    canPullConfiguration = params.capabilities.workspace?.configuration === true;
    return {
      capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental, ...lintCapabilities },
      serverInfo: { name: 'token-agent', version: agentVersion },
    };
  });

  connection.onInitialized(async () => {
    if (canPullConfiguration) {
      await connection.client.register(DidChangeConfigurationNotification.type, { section: 'tokenAgent' });
    }
    await pullSettingsInOrder();
    let lintWasEnabled = model.lintEnabled;
    model.onChange((status) => {
      void connection.sendNotification(protocol.didChangeStatus, status);
      // Re-lint open documents only when what they are checked against changed.
      const liveChanged = liveTokens.replaceAll(model.runtime?.engine.heldTokens() ?? []);
      if (liveChanged || status.lint.enabled !== lintWasEnabled) lint.publishAll();
      if (lintWasEnabled && !status.lint.enabled) workspaceScan.clear();
      lintWasEnabled = status.lint.enabled;
    });
    // Push the first status at once, so the client never has to poll for it.
    void connection.sendNotification(protocol.didChangeStatus, model.snapshot());
    connection.console.info(`token-agent ${agentVersion} ready (pid ${process.pid})`);
  });

  // The engine is rebuilt only when the token definitions change, not on every settings event.
  let engineKey: string | undefined;
  // Settings events may arrive while the previous one is still rebuilding the engine: applied one
  // after another, so no engine is left running unstopped and the latest settings win.
  let settingsQueue: Promise<void> = Promise.resolve();
  function pullSettingsInOrder(): Promise<void> {
    settingsQueue = settingsQueue
      .then(pullSettings)
      .catch((error: unknown) =>
        connection.console.error(`could not apply settings: ${(error as Error).message}`),
      );
    return settingsQueue;
  }

  async function pullSettings(): Promise<void> {
    const settings = canPullConfiguration
      ? ((await connection.workspace.getConfiguration('tokenAgent')) as TokenAgentSettings | null)
      : null;
    model.setLintEnabled(settings?.lint?.enabled ?? true);
    logLevel = logLevels.includes(settings?.log?.level as LogLevel)
      ? (settings?.log?.level as LogLevel)
      : 'info';
    const key = JSON.stringify(settings?.tokens ?? []);
    if (key !== engineKey) {
      engineKey = key;
      await startEngine(settings?.tokens);
    }
  }

  async function startEngine(settingsTokens: unknown): Promise<void> {
    model.runtime?.engine.stop();
    try {
      const runtime = await createRuntime({
        settingsTokens: settingsTokens ?? [],
        schedule: true,
        alwaysOpenStore: true,
        log,
      });
      for (const problem of runtime.problems) {
        connection.console.warn(`${runtime.configPath}: ${problem.severity}: ${problem.message}`);
      }
      // Shown once loaded: before that, a token just added would flash as expired.
      try {
        await runtime.engine.start();
      } finally {
        model.setRuntime(runtime);
      }
      await runtime.engine.watchPeers();
    } catch (error) {
      connection.console.error(`could not start the token engine: ${(error as Error).message}`);
      model.setStartupError((error as Error).message);
    }
  }

  connection.onDidChangeConfiguration(async () => {
    if (canPullConfiguration) await pullSettingsInOrder();
  });
  connection.onExit(() => model.runtime?.engine.stop());

  connection.onRequest(protocol.status, () => model.snapshot());
  registerTokenRequests(connection, () => model.runtime);
  // After the lint features: on close, the lint clears a document and the scan re-publishes its findings.
  const workspaceScan = registerWorkspaceScan(connection, documents, {
    liveTokens,
    enabled: () => model.lintEnabled,
  });

  connection.onShutdown(() => lint.dispose());

  documents.listen(connection);
  connection.listen();
}

/** The requests that act on tokens. Failures cross as ResponseErrors whose data carries the code. */
function registerTokenRequests(connection: Connection, runtime: () => Runtime | undefined): void {
  const engine = () => {
    const current = runtime();
    if (!current)
      throw new ResponseError(0, 'The token engine has not started yet.', { code: codes.storeUnavailable });
    return current.engine;
  };
  const coded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ResponseError) throw error;
      if (isTokenAgentError(error)) throw new ResponseError(1, error.message, { code: error.code });
      throw new ResponseError(2, `Internal error: ${(error as Error).message}`, {
        code: protocol.ErrorCode.internal,
      });
    }
  };
  connection.onRequest(protocol.getToken, (params) =>
    coded(async () => {
      const token = await engine().get(params.name, { minValidSeconds: params.minValidSeconds });
      return {
        accessToken: token.accessToken,
        preview: mask(token.accessToken),
        ...(token.expiresAt !== undefined ? { expiresAt: token.expiresAt } : {}),
      };
    }),
  );
  connection.onRequest(protocol.refreshToken, (params) =>
    coded(async () => {
      // The same engine for both calls: a settings change may swap it during the refresh.
      const current = engine();
      await current.refresh(params.name);
      return current.state(params.name);
    }),
  );
  connection.onRequest(protocol.setSecret, (params) =>
    coded(async () => {
      await engine().setSecret(params.name, params.kind, params.value);
      return null;
    }),
  );
  // One sign-in per token at a time; a second request cancels the first (the user started over).
  const signIns = new Map<string, AbortController>();
  const keySets: KeySetCache = new Map();
  connection.onRequest(protocol.signIn, (params, cancel) =>
    coded(async () => {
      const current = runtime();
      if (!current)
        throw new ResponseError(0, 'The token engine has not started yet.', { code: codes.storeUnavailable });
      signIns.get(params.name)?.abort();
      const controller = new AbortController();
      signIns.set(params.name, controller);
      cancel.onCancellationRequested(() => controller.abort());
      try {
        const pending = await beginSignIn(current, params.name, {
          flow: params.flow,
          signal: controller.signal,
          keySets,
        });
        void connection.sendNotification(protocol.signInPrompt, {
          name: params.name,
          prompt: pending.prompt,
        });
        const { verification, ...result } = await pending.done;
        return { ...result, ...(verification ? { verification: toTokenVerification(verification) } : {}) };
      } finally {
        if (signIns.get(params.name) === controller) signIns.delete(params.name);
      }
    }),
  );
  connection.onRequest(protocol.removeSecrets, (params) =>
    coded(async () => {
      await engine().removeSecrets(params.name);
      return null;
    }),
  );
}
