// The quick fixes the leak lint offers for a finding (lintFeatures.ts): replace the literal with an
// environment variable, move it into the secret store (a command, run by storeLeaked.ts), or suppress
// it on its line. The store command's arguments say where the value is, never the value itself.
import { type CodeAction, CodeActionKind } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  type DefinedToken,
  envReplacementEdit,
  staticTokenName,
  suggestEnvName,
  suppressionComment,
  type TextEdit,
} from '../lint/fixes';
import type { Finding } from '../lint/scanner';
import { toDiagnostic, uriPath } from './diagnostics';

export const storeLeakedTokenCommand = 'tokenAgent.storeLeakedToken';

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

export function replacementEdit(
  document: TextDocument,
  finding: Finding,
  envName: string,
): TextEdit | undefined {
  return envReplacementEdit(
    document.getText(),
    finding.start,
    finding.end,
    document.languageId,
    envName,
    uriPath(document.uri),
  );
}

export function toLspEdit(document: TextDocument, edit: TextEdit) {
  return {
    range: { start: document.positionAt(edit.start), end: document.positionAt(edit.end) },
    newText: edit.newText,
  };
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
