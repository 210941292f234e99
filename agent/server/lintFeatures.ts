// The leak lint inside the language server: diagnostics as the user types (debounced, for the
// changed document only), a hover that explains a finding, and code actions that replace the literal
// with an environment variable, suppress it, or move it into the secret store (and have the editor
// define it as a static token, so that the agent watches it). Values never leave the server:
// diagnostics and command arguments carry offsets and masks, and the store command reads the value
// from the server's own copy of the document.
import {
  type CodeAction,
  CodeActionKind,
  type Connection,
  type Hover,
  MarkupKind,
  type ServerCapabilities,
  type TextDocuments,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { DefinedToken } from '../lint/fixes';
import type { LiveTokenIndex } from '../lint/liveTokens';
import type { Finding } from '../lint/scanner';
import { Debouncer, scanDocument, toDiagnostic } from './diagnostics';
import { hoverMarkdown } from './lintHover';
import { codeActions, type StoreLeakedTokenArgs, storeLeakedTokenCommand } from './lintQuickFixes';
import { runStoreCommand, type StoreCommandOptions } from './storeLeaked';
import { type FindingFilter, filePathOf } from './workspaceBaseline';

/** What the server must declare in `initialize` for these features. */
export const lintCapabilities: Pick<
  ServerCapabilities,
  'hoverProvider' | 'codeActionProvider' | 'executeCommandProvider'
> = {
  hoverProvider: true,
  codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
  executeCommandProvider: { commands: [storeLeakedTokenCommand] },
};

/** The lint's options; the store command's own (storing, defining, the config path) come with it. */
export interface LintFeatureOptions extends StoreCommandOptions {
  enabled(): boolean;
  liveTokens: LiveTokenIndex;
  /** The tokens defined now, so that storing a value never takes another token's name. */
  tokens(): readonly DefinedToken[];
  /** The workspace's scan baseline: findings it lists are not shown (workspaceBaseline.ts). */
  baseline?: FindingFilter;
  /** Debounce for re-linting a changed document (default 150 ms). */
  debounceMs?: number;
}

export interface LintFeatures {
  /** Re-lints every open document now (after live tokens or settings change). */
  publishAll(): void;
  dispose(): void;
}

export function registerLintFeatures(
  connection: Connection,
  documents: TextDocuments<TextDocument>,
  options: LintFeatureOptions,
): LintFeatures {
  const cache = new Map<
    string,
    { version: number; liveVersion: number; baselineVersion: number; findings: Finding[] }
  >();

  const findingsFor = (document: TextDocument): Finding[] => {
    if (!options.enabled()) return [];
    const cached = cache.get(document.uri);
    const liveVersion = options.liveTokens.version;
    const baselineVersion = options.baseline?.version ?? 0;
    if (
      cached &&
      cached.version === document.version &&
      cached.liveVersion === liveVersion &&
      cached.baselineVersion === baselineVersion
    )
      return cached.findings;
    const scanned = scanDocument(document, options.liveTokens);
    const findings = options.baseline
      ? options.baseline.filter(filePathOf(document.uri), scanned, document.getText())
      : scanned;
    cache.set(document.uri, { version: document.version, liveVersion, baselineVersion, findings });
    return findings;
  };

  // Values stored by this fix whose definition has not reached the engine yet (or was refused): their
  // names are taken too, or a second leak under the same variable name would replace the first value.
  const storedNotYetDefined = new Set<string>();
  const knownTokens = (): DefinedToken[] => {
    const defined = [...options.tokens()];
    for (const name of storedNotYetDefined) {
      if (defined.some((token) => token.name === name)) storedNotYetDefined.delete(name);
      else defined.push({ name, type: 'static', held: true });
    }
    return defined;
  };

  // What each document was last sent. Re-sending the same diagnostics is not free for the user: the
  // editor treats it as a change and closes an open quick-fix menu (a token refresh re-lints every
  // open document, which would do that once per refresh).
  const sent = new Map<string, string>();
  const publish = (uri: string) => {
    const document = documents.get(uri);
    if (!document) return;
    const diagnostics = findingsFor(document).map((finding) => toDiagnostic(document, finding));
    const key = JSON.stringify(diagnostics);
    if (sent.get(uri) === key) return;
    sent.set(uri, key);
    void connection.sendDiagnostics({ uri, version: document.version, diagnostics });
  };
  const debouncer = new Debouncer(options.debounceMs ?? 150, publish);

  // Opening a document also fires onDidChangeContent, so one debounced path serves both.
  const changed = documents.onDidChangeContent((event) => debouncer.schedule(event.document.uri));
  const closed = documents.onDidClose((event) => {
    debouncer.cancel(event.document.uri);
    cache.delete(event.document.uri);
    sent.delete(event.document.uri);
    void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
  });

  connection.onHover((params): Hover | null => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return null;
    const offset = document.offsetAt(params.position);
    const finding = findingsFor(document).find((f) => f.start <= offset && offset <= f.end);
    if (!finding) return null;
    return {
      contents: { kind: MarkupKind.Markdown, value: hoverMarkdown(finding, Date.now()) },
      range: { start: document.positionAt(finding.start), end: document.positionAt(finding.end) },
    };
  });

  connection.onCodeAction((params): CodeAction[] => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return [];
    const from = document.offsetAt(params.range.start);
    const to = document.offsetAt(params.range.end);
    const actions: CodeAction[] = [];
    for (const finding of findingsFor(document)) {
      if (finding.end < from || finding.start > to) continue;
      actions.push(...codeActions(document, finding, options.onStoreStatic ? knownTokens : undefined));
    }
    return actions;
  });

  const storeCommand = {
    connection,
    documents,
    options,
    findingsFor,
    knownTokens,
    stored: (name: string) => storedNotYetDefined.add(name),
  };
  connection.onExecuteCommand(async (params) => {
    if (params.command !== storeLeakedTokenCommand) return null;
    const args = params.arguments?.[0] as StoreLeakedTokenArgs | undefined;
    await runStoreCommand(storeCommand, args);
    return null;
  });

  return {
    publishAll: () => {
      for (const document of documents.all()) {
        debouncer.cancel(document.uri);
        publish(document.uri);
      }
    },
    dispose: () => {
      debouncer.dispose();
      changed.dispose();
      closed.dispose();
      cache.clear();
    },
  };
}
