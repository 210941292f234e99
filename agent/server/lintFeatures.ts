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
  ErrorCodes,
  type Hover,
  MarkupKind,
  MessageType,
  ResponseError,
  type ServerCapabilities,
  ShowMessageNotification,
  type TextDocuments,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  canStoreStaticAs,
  type DefinedToken,
  envReplacementEdit,
  staticTokenName,
  suggestEnvName,
  suppressionComment,
  type TextEdit,
} from '../lint/fixes';
import type { LiveTokenIndex } from '../lint/liveTokens';
import { ruleDocsUrl, ruleInfo } from '../lint/rules';
import type { Finding } from '../lint/scanner';
import * as protocol from '../protocol';
import { Debouncer, scanDocument, toDiagnostic, uriPath } from './diagnostics';
import { type FindingFilter, filePathOf } from './workspaceBaseline';

const messageTypes: Readonly<Record<'info' | 'warn' | 'error', MessageType>> = {
  info: MessageType.Info,
  warn: MessageType.Warning,
  error: MessageType.Error,
};

export const storeLeakedTokenCommand = 'tokenAgent.storeLeakedToken';

/** What the server must declare in `initialize` for these features. */
export const lintCapabilities: Pick<
  ServerCapabilities,
  'hoverProvider' | 'codeActionProvider' | 'executeCommandProvider'
> = {
  hoverProvider: true,
  codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
  executeCommandProvider: { commands: [storeLeakedTokenCommand] },
};

export interface LintFeatureOptions {
  enabled(): boolean;
  liveTokens: LiveTokenIndex;
  /** The tokens defined now, so that storing a value never takes another token's name. */
  tokens(): readonly DefinedToken[];
  /** Stores `value` as the static token `name`; omitted when no secret store is available. */
  onStoreStatic?(name: string, value: string): Promise<void>;
  /**
   * Defines the static token in the config file (the user agent owns it). Without it, the editor is
   * asked through `tokenAgent/addTokenDefinition`, as older agents did.
   */
  defineStatic?(name: string): Promise<void>;
  /** The agent's config file, for messages that tell the user where to define a token by hand. */
  configPath?(): string | undefined;
  /** The workspace's scan baseline: findings it lists are not shown (workspaceBaseline.ts). */
  baseline?: FindingFilter;
  /** Debounce for re-linting a changed document (default 150 ms). */
  debounceMs?: number;
}

/** The arguments of the store command: where the value is, never the value itself. */
export interface StoreLeakedTokenArgs {
  uri: string;
  version: number;
  start: number;
  end: number;
  rule: string;
  tokenName: string;
  envName: string;
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

  connection.onExecuteCommand(async (params) => {
    if (params.command !== storeLeakedTokenCommand) return null;
    const args = params.arguments?.[0] as StoreLeakedTokenArgs | undefined;
    try {
      await storeAndReplace(args);
    } catch (error) {
      const code = errorCode(error);
      tell(
        'error',
        `Token Agent could not store the token: ${code ? `${code}: ` : ''}${(error as Error).message}`,
      );
    }
    return null;
  });

  async function storeAndReplace(args: StoreLeakedTokenArgs | undefined): Promise<void> {
    if (!options.onStoreStatic) throw new Error('no secret store is available.');
    const document = args ? documents.get(args.uri) : undefined;
    if (!args || !document) throw new Error('the document is no longer open.');
    if (document.version !== args.version) throw new Error('the document changed; run the quick fix again.');
    const finding = findingsFor(document).find((f) => f.start === args.start && f.end === args.end);
    if (!finding) throw new Error('the secret is no longer there.');
    const edit = replacementEdit(document, finding, args.envName);
    if (!edit) throw new Error(`no environment-variable reference is known for ${document.languageId}.`);
    const name = args.tokenName;
    // The tokens may have changed since the action was offered; the name must still be free to take.
    const defined = knownTokens();
    if (!canStoreStaticAs(name, defined, finding.liveToken))
      throw new Error(`the token name '${name}' is taken by another token; run the quick fix again.`);
    const alreadyDefined = defined.some((t) => t.name === name);
    const value = document.getText().slice(finding.start, finding.end);
    // Positions now: the document object is updated in place while the requests below are out.
    const lspEdit = toLspEdit(document, edit);
    await options.onStoreStatic(name, value);
    storedNotYetDefined.add(name);

    // The value is in the store from here on: nothing below may fail without saying so and how to
    // finish by hand.
    const notDefined = alreadyDefined ? undefined : await addDefinition(name);
    let notReplaced: string | undefined;
    try {
      const applied = await connection.workspace.applyEdit({
        label: `Replace the hard-coded token with ${args.envName}`,
        edit: {
          documentChanges: [{ textDocument: { uri: args.uri, version: args.version }, edits: [lspEdit] }],
        },
      });
      if (!applied.applied) notReplaced = applied.failureReason ?? 'the editor declined the edit';
    } catch (error) {
      notReplaced = (error as Error).message;
    }
    const message = storedMessage({
      name,
      envName: args.envName,
      added: !alreadyDefined && notDefined === undefined,
      notDefined,
      notReplaced,
      configPath: options.configPath?.(),
    });
    tell(notDefined === undefined && notReplaced === undefined ? 'info' : 'warn', message);
  }

  // A notification, not window/showMessageRequest: every client has it, whereas a client without the
  // request (a headless one) rejects it, and that rejection would end the agent.
  function tell(level: 'info' | 'warn' | 'error', message: string): void {
    void connection.sendNotification(ShowMessageNotification.type, { type: messageTypes[level], message });
  }

  /** Asks the editor to define the static token; the reason it did not, if it did not. */
  async function addDefinition(name: string): Promise<string | undefined> {
    if (options.defineStatic) {
      try {
        await options.defineStatic(name);
        return undefined;
      } catch (error) {
        const code = errorCode(error);
        return `${code ? `${code}: ` : ''}${(error as Error).message}`;
      }
    }
    try {
      await connection.sendRequest(protocol.addTokenDefinition, { definition: { name, type: 'static' } });
      return undefined;
    } catch (error) {
      if (error instanceof ResponseError && error.code === ErrorCodes.MethodNotFound)
        return 'this editor cannot add token definitions';
      const code = errorCode(error);
      return `${code ? `${code}: ` : ''}${(error as Error).message}`;
    }
  }

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

/** The stable code of an engine error, or of one that crossed the protocol as `data.code`. */
function errorCode(error: unknown): string | undefined {
  const { code, data } = error as { code?: unknown; data?: { code?: unknown } };
  if (typeof data?.code === 'string') return data.code;
  return typeof code === 'string' ? code : undefined;
}

function replacementEdit(document: TextDocument, finding: Finding, envName: string): TextEdit | undefined {
  return envReplacementEdit(
    document.getText(),
    finding.start,
    finding.end,
    document.languageId,
    envName,
    uriPath(document.uri),
  );
}

function toLspEdit(document: TextDocument, edit: TextEdit) {
  return {
    range: { start: document.positionAt(edit.start), end: document.positionAt(edit.end) },
    newText: edit.newText,
  };
}

interface StoredOutcome {
  name: string;
  envName: string;
  /** The editor added the definition just now. */
  added: boolean;
  /** Why the token could not be defined, when it was not. */
  notDefined?: string | undefined;
  /** Why the literal was not replaced, when it was not. */
  notReplaced?: string | undefined;
  configPath?: string | undefined;
}

/** What the user reads after the value went into the store: what happened, and what is left to do. */
export function storedMessage(outcome: StoredOutcome): string {
  const { name, envName } = outcome;
  const definition = `{"name": "${name}", "type": "static"}`;
  const configFile = outcome.configPath ?? 'the token-agent config file';
  const lines = [
    outcome.notReplaced === undefined
      ? `Stored the value as the static token '${name}' and replaced the literal with ${envName}.`
      : `Stored the value as the static token '${name}', but the literal was not replaced (${outcome.notReplaced}): replace it with ${envName} by hand.`,
  ];
  if (outcome.notDefined !== undefined) {
    lines.push(
      `The token is not defined yet (${outcome.notDefined}), so nothing watches it: add ${definition} to the tokens in ${configFile}.`,
    );
  } else if (outcome.added) {
    // The terminal's token-agent reads the config file only, never the editor's settings.
    lines.push(
      `It is now in your tokenAgent.tokens setting, so Token Agent watches it. To run the program with ${envName}="$(token-agent get ${name})", also add ${definition} to ${configFile}: the token-agent command reads that file, not the editor's settings.`,
    );
  } else {
    lines.push(`Run the program with ${envName}="$(token-agent get ${name})".`);
  }
  return lines.join(' ');
}

/**
 * The quick fixes for one finding, most useful first. `tokens` lists the defined tokens when the
 * value can be moved into the store, and is undefined when it cannot.
 */
export function codeActions(
  document: TextDocument,
  finding: Finding,
  tokens: (() => readonly DefinedToken[]) | undefined,
): CodeAction[] {
  const text = document.getText();
  const diagnostic = toDiagnostic(document, finding);
  const envName = suggestEnvName(finding.rule, text.slice(Math.max(0, finding.start - 200), finding.start));
  const actions: CodeAction[] = [];
  const edit = replacementEdit(document, finding, envName);
  if (edit) {
    actions.push({
      title: `Replace with environment variable ${envName}`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      isPreferred: true,
      edit: { changes: { [document.uri]: [toLspEdit(document, edit)] } },
    });
    if (tokens) {
      const tokenName = staticTokenName(envName, tokens(), finding.liveToken);
      const args: StoreLeakedTokenArgs = {
        uri: document.uri,
        version: document.version,
        start: finding.start,
        end: finding.end,
        rule: finding.rule,
        tokenName,
        envName,
      };
      actions.push({
        title: `Store in the secret store as static token '${tokenName}' and replace with ${envName}`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        command: { title: 'Store and replace', command: storeLeakedTokenCommand, arguments: [args] },
      });
    }
  }
  const comment = suppressionComment(document.languageId);
  if (comment) {
    const line = document.positionAt(finding.start).line;
    const lineEnd = document.offsetAt({ line: line + 1, character: 0 });
    const lineText = text.slice(document.offsetAt({ line, character: 0 }), lineEnd).replace(/\r?\n$/, '');
    const end = document.positionAt(document.offsetAt({ line, character: 0 }) + lineText.length);
    actions.push({
      title: `Suppress on this line (${comment.trim()})`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      edit: { changes: { [document.uri]: [{ range: { start: end, end }, newText: ` ${comment}` }] } },
    });
  }
  return actions;
}

// Only what would change the rendering is escaped: VS Code's renderer links bare URLs, and a URL
// with `\.` or `\)` in it is shown (and linked) with the backslashes.
const markdownSpecial = /[\\`*_[\]|<>]/g;
function md(text: string): string {
  return text.replace(markdownSpecial, '\\$&').replace(/^[#+-]/, '\\$&');
}

/** A claim value in a table cell: a code span needs no escaping but the cell's `|`. */
function cell(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}

/** The hover for a finding: what, why, the masked value, JWT claims, and the fix. Never the value. */
export function hoverMarkdown(finding: Finding, now: number): string {
  const info = ruleInfo(finding.rule);
  const lines = [
    `**Token Agent: ${md(info?.title ?? finding.rule)}** (\`${finding.rule}\`, ${finding.severity})`,
    '',
    `${md(finding.provider)}: ${md(finding.message)}`,
    '',
    `Why: ${finding.why}`,
    '',
    `Value: \`${finding.masked.replace(/`/g, "'")}\``,
  ];
  const jwt = finding.jwt;
  if (jwt) {
    lines.push('', '| claim | value |', '| --- | --- |');
    const row = (claim: string, value: string | undefined) => {
      if (value !== undefined) lines.push(`| ${claim} | ${cell(value)} |`);
    };
    row('alg', jwt.alg);
    row('typ', jwt.typ);
    row('kid', jwt.kid);
    row('iss', jwt.iss);
    row('sub', jwt.sub);
    row('aud', jwt.aud?.join(', '));
    row('scope', jwt.scopes?.join(' '));
    row('iat', jwt.issuedAt);
    row('nbf', jwt.notBefore);
    if (jwt.expiresAt) {
      const left = Date.parse(jwt.expiresAt) - now;
      row(
        'exp',
        `${jwt.expiresAt} (${left <= 0 ? 'expired' : `valid for ${Math.round(left / 60_000)} more minutes`})`,
      );
    } else {
      row('exp', 'none: valid until revoked');
    }
  }
  if (info) lines.push('', `Fix: ${info.fix}`);
  const docs = ruleDocsUrl(finding.rule);
  if (docs !== undefined) lines.push('', `[Rule documentation](${docs})`);
  return lines.join('\n');
}
