// The store command of the leak lint's quick fixes (lintQuickFixes.ts): it moves a hard-coded value
// into the secret store, has the token defined so that the agent watches it, replaces the literal with
// an environment variable, and tells the user what happened and what is left to do. The value is read
// from the server's own copy of the document; the command's arguments only say where it is.
import {
  type Connection,
  ErrorCodes,
  MessageType,
  ResponseError,
  ShowMessageNotification,
  type TextDocuments,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { canStoreStaticAs, type DefinedToken } from '../lint/fixes';
import type { Finding } from '../lint/scanner';
import * as protocol from '../protocol';
import { replacementEdit, type StoreLeakedTokenArgs, toLspEdit } from './lintQuickFixes';

const messageTypes: Readonly<Record<'info' | 'warn' | 'error', MessageType>> = {
  info: MessageType.Info,
  warn: MessageType.Warning,
  error: MessageType.Error,
};

/** The lint options the store command uses (lintFeatures.ts's LintFeatureOptions holds them). */
export interface StoreCommandOptions {
  /** Stores `value` as the static token `name`; omitted when no secret store is available. */
  onStoreStatic?(name: string, value: string): Promise<void>;
  /**
   * Defines the static token in the config file (the user agent owns it). Without it, the editor is
   * asked through `tokenAgent/addTokenDefinition`, as older agents did.
   */
  defineStatic?(name: string): Promise<void>;
  /** The agent's config file, for messages that tell the user where to define a token by hand. */
  configPath?(): string | undefined;
}

/** What the store command reads from the lint features that run it. */
export interface StoreCommandParts {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  options: StoreCommandOptions;
  findingsFor(document: TextDocument): Finding[];
  /** The tokens defined now, and those this command stored that are not defined yet. */
  knownTokens(): DefinedToken[];
  /** Notes a name this command stored, taken from now on even before its definition arrives. */
  stored(name: string): void;
}

/** Runs the store command; a failure is told to the user, never thrown at the client. */
export async function runStoreCommand(
  parts: StoreCommandParts,
  args: StoreLeakedTokenArgs | undefined,
): Promise<void> {
  try {
    await storeAndReplace(parts, args);
  } catch (error) {
    const code = errorCode(error);
    tell(
      parts.connection,
      'error',
      `Token Agent could not store the token: ${code ? `${code}: ` : ''}${(error as Error).message}`,
    );
  }
}

async function storeAndReplace(
  parts: StoreCommandParts,
  args: StoreLeakedTokenArgs | undefined,
): Promise<void> {
  const { connection, documents, options } = parts;
  if (!options.onStoreStatic) throw new Error('no secret store is available.');
  const document = args ? documents.get(args.uri) : undefined;
  if (!args || !document) throw new Error('the document is no longer open.');
  if (document.version !== args.version) throw new Error('the document changed; run the quick fix again.');
  const finding = parts.findingsFor(document).find((f) => f.start === args.start && f.end === args.end);
  if (!finding) throw new Error('the secret is no longer there.');
  const edit = replacementEdit(document, finding, args.envName);
  if (!edit) throw new Error(`no environment-variable reference is known for ${document.languageId}.`);
  const name = args.tokenName;
  // The tokens may have changed since the action was offered; the name must still be free to take.
  const defined = parts.knownTokens();
  if (!canStoreStaticAs(name, defined, finding.liveToken))
    throw new Error(`the token name '${name}' is taken by another token; run the quick fix again.`);
  const alreadyDefined = defined.some((t) => t.name === name);
  const value = document.getText().slice(finding.start, finding.end);
  // Positions now: the document object is updated in place while the requests below are out.
  const lspEdit = toLspEdit(document, edit);
  await options.onStoreStatic(name, value);
  parts.stored(name);

  // The value is in the store from here on: nothing below may fail without saying so and how to
  // finish by hand.
  const notDefined = alreadyDefined ? undefined : await addDefinition(parts, name);
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
  tell(connection, notDefined === undefined && notReplaced === undefined ? 'info' : 'warn', message);
}

// A notification, not window/showMessageRequest: every client has it, whereas a client without the
// request (a headless one) rejects it, and that rejection would end the agent.
function tell(connection: Connection, level: 'info' | 'warn' | 'error', message: string): void {
  void connection.sendNotification(ShowMessageNotification.type, { type: messageTypes[level], message });
}

/** Asks the editor to define the static token; the reason it did not, if it did not. */
async function addDefinition(
  { connection, options }: StoreCommandParts,
  name: string,
): Promise<string | undefined> {
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

/** The stable code of an engine error, or of one that crossed the protocol as `data.code`. */
function errorCode(error: unknown): string | undefined {
  const { code, data } = error as { code?: unknown; data?: { code?: unknown } };
  if (typeof data?.code === 'string') return data.code;
  return typeof code === 'string' ? code : undefined;
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
