// Builds the LanguageClient that starts and talks to the agent.
import type * as vscode from 'vscode';
import {
  CloseAction,
  type CloseHandlerResult,
  ErrorAction,
  type ErrorHandler,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';

export interface ClientHooks {
  /** Called when the agent process died unexpectedly; resolves once it is time to restart it. */
  /** Whether to restart: false when the user restarted or the extension stopped meanwhile. */
  waitBeforeRestart(): Promise<boolean>;
}

export function createAgentClient(
  agentModule: string,
  log: vscode.LogOutputChannel,
  hooks: ClientHooks,
): LanguageClient {
  // `module` makes vscode-languageclient fork the agent with VS Code's own Node runtime, so the
  // user needs no Node install; the transport flag (--stdio) is appended by the client.
  const serverOptions: ServerOptions = {
    run: { module: agentModule, transport: TransportKind.stdio, args: ['lsp'] },
    debug: {
      module: agentModule,
      transport: TransportKind.stdio,
      args: ['lsp'],
      options: { execArgv: ['--nolazy', '--inspect=6010'] },
    },
  };

  const errorHandler: ErrorHandler = {
    // A single bad message is not worth a restart; the connection stays up.
    error: () => ({ action: ErrorAction.Continue, handled: true }),
    closed: async (): Promise<CloseHandlerResult> => {
      // A stale client must not restart itself behind a newer one (vscode-languageclient checks for
      // "stopped" before awaiting this handler, not after).
      return (await hooks.waitBeforeRestart())
        ? { action: CloseAction.Restart, handled: true }
        : { action: CloseAction.DoNotRestart, handled: true };
    },
  };

  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
    outputChannel: log,
    traceOutputChannel: log,
    errorHandler,
  };

  // The id `tokenAgent` makes the client honour the `tokenAgent.trace.server` setting by itself.
  return new LanguageClient('tokenAgent', 'Token Agent', serverOptions, clientOptions);
}
