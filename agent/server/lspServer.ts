// The agent as a language server: what the VS Code extension talks to. The transport (--stdio,
// --node-ipc, --socket=N) is chosen from argv by vscode-languageserver.
import {
  createConnection,
  DidChangeConfigurationNotification,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import * as protocol from '../protocol';
import { createRuntime } from '../runtime';
import { agentVersion } from '../version';
import { Debouncer, diagnose } from './diagnostics';
import { StatusModel } from './statusModel';

const lintDebounceMs = 150;

interface TokenAgentSettings {
  lint?: { enabled?: boolean };
  tokens?: unknown;
}

export function runLspServer(): void {
  const connection = createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TextDocument);
  const model = new StatusModel();
  let canPullConfiguration = false;

  const publish = (uri: string) => {
    const document = documents.get(uri);
    if (!document) return;
    const diagnostics = model.lintEnabled ? diagnose(document) : [];
    void connection.sendDiagnostics({ uri, version: document.version, diagnostics });
  };
  const debouncer = new Debouncer(lintDebounceMs, publish);

  connection.onInitialize((params) => {
    canPullConfiguration = params.capabilities.workspace?.configuration === true;
    return {
      capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental },
      serverInfo: { name: 'token-agent', version: agentVersion },
    };
  });

  connection.onInitialized(async () => {
    if (canPullConfiguration) {
      await connection.client.register(DidChangeConfigurationNotification.type, { section: 'tokenAgent' });
    }
    await pullSettings();
    model.onChange((status) => {
      void connection.sendNotification(protocol.didChangeStatus, status);
      for (const document of documents.all()) publish(document.uri);
    });
    // Push the first status at once, so the client never has to poll for it.
    void connection.sendNotification(protocol.didChangeStatus, model.snapshot());
    connection.console.info(`token-agent ${agentVersion} ready (pid ${process.pid})`);
  });

  // The engine is rebuilt only when the token definitions change, not on every settings event.
  let engineKey: string | undefined;
  async function pullSettings(): Promise<void> {
    const settings = canPullConfiguration
      ? ((await connection.workspace.getConfiguration('tokenAgent')) as TokenAgentSettings | null)
      : null;
    model.setLintEnabled(settings?.lint?.enabled ?? true);
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
        log: (level, message) => connection.console[level === 'debug' ? 'log' : level](message),
      });
      for (const problem of runtime.problems) {
        connection.console.warn(`${runtime.configPath}: ${problem.severity}: ${problem.message}`);
      }
      model.setRuntime(runtime);
      await runtime.engine.start();
    } catch (error) {
      connection.console.error(`could not start the token engine: ${(error as Error).message}`);
      model.setStartupError((error as Error).message);
    }
  }

  connection.onDidChangeConfiguration(async () => {
    if (canPullConfiguration) await pullSettings();
  });
  connection.onExit(() => model.runtime?.engine.stop());

  connection.onRequest(protocol.status, () => model.snapshot());

  // Opening a document also fires onDidChangeContent, so one debounced path serves both.
  documents.onDidChangeContent((event) => debouncer.schedule(event.document.uri));
  documents.onDidClose((event) => {
    debouncer.cancel(event.document.uri);
    void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
  });
  connection.onShutdown(() => debouncer.dispose());

  documents.listen(connection);
  connection.listen();
}
