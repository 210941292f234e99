// The agent as a language server: what each VS Code window talks to. The transport (--stdio,
// --node-ipc, --socket=N) is chosen from argv by vscode-languageserver. It keeps what belongs to a
// window (the leak lint, the workspace scan, the editor protocol) and is a client of the user agent
// for everything about tokens: their state comes from the agent's subscription, and every request
// that acts on a token is the agent's to carry out (one refresh, one sign-in, one config file).
import {
  type Connection,
  createConnection,
  DidChangeConfigurationNotification,
  type InitializeParams,
  ProposedFeatures,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codes, isTokenAgentError, TokenAgentError } from '../base/errors';
import { mask } from '../base/redact';
import type { AgentClient } from '../daemon/client';
import type { LogLevel } from '../engine/tokenEngine';
import { LiveTokenIndex } from '../lint/liveTokens';
import * as protocol from '../protocol';
import { agentVersion } from '../version';
import { AgentLink } from './agentLink';
import { lintCapabilities, registerLintFeatures } from './lintFeatures';
import { filePathOf, WorkspaceBaselines } from './workspaceBaseline';
import { registerWorkspaceScan } from './workspaceScan';

const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function runLspServer(): void {
  const connection = createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TextDocument);
  let canPullConfiguration = false;
  let foldersChangeable = false;
  let logLevel: LogLevel = 'info';
  let lintEnabled = true;
  let agentStatus: protocol.AgentStatus | undefined;
  const log = (level: LogLevel, message: string) => {
    if (logLevels.indexOf(level) < logLevels.indexOf(logLevel)) return;
    connection.console[level === 'debug' ? 'log' : level](message);
  };
  const snapshot = (): protocol.AgentStatus => ({
    ...(agentStatus ?? {
      version: agentVersion,
      problems: [],
      pid: process.pid,
      startedAt: Date.now(),
      health: 'warning' as const,
      message: 'Connecting to the token agent…',
      store: { tier: 'none' as const, plaintext: false },
      tokens: [],
    }),
    lint: { enabled: lintEnabled },
  });
  let initialized = false;
  const pushStatus = () => {
    if (initialized) void connection.sendNotification(protocol.didChangeStatus, snapshot());
  };

  // The leak lint: diagnostics, hovers and quick fixes for hard-coded tokens, live ones included.
  const liveTokens = new LiveTokenIndex();
  // Each workspace folder's .tokenagent-baseline.json, as `token-agent scan` reads it.
  const baselines = new WorkspaceBaselines({
    log: (message) => log('warn', message),
    onChange: () => lint.publishAll(),
  });
  const link = new AgentLink({
    log,
    onStatus: (status) => {
      agentStatus = status;
      pushStatus();
    },
    onHeld: (held) => {
      if (liveTokens.replaceAll(held)) lint.publishAll();
    },
  });
  const agent = (): AgentClient => {
    const client = link.client;
    if (!client)
      throw new TokenAgentError(
        codes.agentUnavailable,
        'The token agent is not running yet; try again shortly.',
      );
    return client;
  };
  const lint = registerLintFeatures(connection, documents, {
    enabled: () => lintEnabled,
    liveTokens,
    tokens: () =>
      (agentStatus?.tokens ?? []).map((state) => ({
        name: state.name,
        type: state.type,
        held: state.expiresAt !== undefined || state.phase === 'fresh' || state.phase === 'expiring',
      })),
    onStoreStatic: async (name, value) => {
      await agent().setSecret(name, 'static_token', value, { keepOther: true });
    },
    defineStatic: async (name) => {
      const verdict = await agent().define(name, { type: 'static' });
      if (!verdict.ok)
        throw new TokenAgentError(
          codes.configInvalid,
          verdict.problems.map((p: { message: string }) => p.message).join('; '),
        );
    },
    configPath: () => agentStatus?.configPath,
    baseline: baselines,
  });

  connection.onInitialize((params) => {
    canPullConfiguration = params.capabilities.workspace?.configuration === true;
    baselines.setFolders(workspaceFolderPaths(params));
    foldersChangeable = params.capabilities.workspace?.workspaceFolders === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        ...lintCapabilities,
        // Folders added or removed later bring their own scan baselines.
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'token-agent', version: agentVersion },
    };
  });

  connection.onInitialized(async () => {
    if (foldersChangeable)
      connection.workspace.onDidChangeWorkspaceFolders(async () => {
        const folders = (await connection.workspace.getWorkspaceFolders()) ?? [];
        baselines.setFolders(
          folders.map((f) => filePathOf(f.uri)).filter((p): p is string => p !== undefined),
        );
        lint.publishAll();
      });
    if (canPullConfiguration) {
      await connection.client.register(DidChangeConfigurationNotification.type, { section: 'tokenAgent' });
    }
    await pullSettings();
    initialized = true;
    // The agent's first status is pushed as soon as the link has it (or, if it cannot be reached, a
    // status that says why), so the client never has to poll.
    if (agentStatus) pushStatus();
    link.start();
    connection.console.info(`token-agent ${agentVersion} language server ready (pid ${process.pid})`);
  });

  async function pullSettings(): Promise<void> {
    const settings: unknown = canPullConfiguration
      ? await connection.workspace.getConfiguration(protocol.settingsSection)
      : null;
    const wasEnabled = lintEnabled;
    lintEnabled = protocol.settingIn(settings, 'lint.enabled');
    const level = protocol.settingIn(settings, 'log.level');
    logLevel = logLevels.includes(level) ? level : 'info';
    if (wasEnabled !== lintEnabled) {
      lint.publishAll();
      if (!lintEnabled) workspaceScan.clear();
      pushStatus();
    }
  }

  connection.onDidChangeConfiguration(async () => {
    if (canPullConfiguration)
      await pullSettings().catch((error: unknown) =>
        connection.console.error(`could not apply settings: ${(error as Error).message}`),
      );
  });
  connection.onExit(() => link.close());

  connection.onRequest(protocol.status, () => snapshot());
  registerTokenRequests(connection, agent);
  // After the lint features: on close, the lint clears a document and the scan re-publishes its findings.
  const workspaceScan = registerWorkspaceScan(connection, documents, {
    liveTokens,
    enabled: () => lintEnabled,
    baseline: baselines,
  });

  connection.onShutdown(() => {
    link.close();
    lint.dispose();
    baselines.dispose();
  });

  documents.listen(connection);
  connection.listen();
}

/** The workspace folders on this machine, from `initialize` (the older rootUri when there are none). */
function workspaceFolderPaths(params: InitializeParams): string[] {
  const uris =
    params.workspaceFolders?.map((folder) => folder.uri) ?? (params.rootUri ? [params.rootUri] : []);
  return uris.map(filePathOf).filter((path): path is string => path !== undefined);
}

/** The requests that act on tokens, each carried out by the agent. Failures keep their code. */
function registerTokenRequests(connection: Connection, agent: () => AgentClient): void {
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
      const answer = await agent().getToken(params.name, params.minValidSeconds);
      return {
        accessToken: answer.access_token,
        preview: mask(answer.access_token),
        ...(answer.expires_at !== undefined ? { expiresAt: answer.expires_at * 1000 } : {}),
        ...(answer.expiry_assumed ? { expiryAssumed: true } : {}),
        ...(answer.expiry_unknown ? { expiryUnknown: true } : {}),
        ...(answer.short_of_min_valid ? { shortOfMinValid: true } : {}),
      };
    }),
  );
  connection.onRequest(protocol.refreshToken, (params) => coded(() => agent().refresh(params.name)));
  connection.onRequest(protocol.setSecret, (params) =>
    coded(async () => {
      await agent().setSecret(params.name, params.kind, params.value);
      return null;
    }),
  );
  connection.onRequest(protocol.removeSecrets, (params) =>
    coded(async () => {
      await agent().deleteSecret(params.name);
      return null;
    }),
  );
  connection.onRequest(protocol.listDefinitions, () => coded(() => agent().definitions()));
  connection.onRequest(protocol.timeline, (params) =>
    coded(() => agent().timeline(Math.min(168, Math.max(1, Math.round(params.hours ?? 24))), params.stamp)),
  );
  connection.onRequest(protocol.defineToken, (params) =>
    coded(() => agent().define(params.name, params.definition, { replace: params.replace === true })),
  );
  connection.onRequest(protocol.removeDefinition, (params) =>
    coded(() => agent().removeDefinition(params.name)),
  );
  connection.onRequest(protocol.importDefinitions, (params) =>
    coded(() => agent().importDefinitions(params.entries)),
  );
  connection.onRequest(protocol.signIn, (params, cancel) =>
    coded(async () => {
      const abort = new AbortController();
      cancel.onCancellationRequested(() => abort.abort());
      let result: protocol.SignInResult | undefined;
      let failure: { code: string; message: string } | undefined;
      await agent().signIn(
        params.name,
        params.flow,
        (event) => {
          if ('prompt' in event)
            void connection.sendNotification(protocol.signInPrompt, {
              name: params.name,
              prompt: event.prompt,
              ...(event.joined ? { joined: true } : {}),
            });
          else if ('result' in event) result = event.result;
          else failure = event.error;
        },
        abort.signal,
      );
      if (result) return result;
      if (abort.signal.aborted)
        throw new TokenAgentError(codes.signInCancelled, 'The sign-in was cancelled.');
      throw new ResponseError(1, failure?.message ?? 'The sign-in ended without an answer.', {
        code: (failure?.code ?? protocol.ErrorCode.internal) as protocol.ErrorCode,
      });
    }),
  );
}
