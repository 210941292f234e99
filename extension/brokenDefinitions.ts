// Definitions the agent could not take (a hand edit, an older version's entry): disabled, so absent
// from the status, yet they hold their name and show in `token-agent token list`. Show Tokens and
// Remove Token list them too, so that they can be seen and removed from the editor.
import * as vscode from 'vscode';
import * as protocol from '../agent/protocol';
import { request } from './agentRequests';
import type { Ctx } from './ctx';

export interface BrokenDefinition {
  name: string;
  problems: string[];
}

export interface Definitions {
  configPath?: string;
  broken: BrokenDefinition[];
  /** Problems of the config file as a whole. */
  fileProblems: string[];
}

/** The broken definitions and file problems, as the agent lists them; empty when it cannot say. */
export async function listBroken(ctx: Ctx): Promise<Definitions> {
  try {
    const list = await request<undefined, protocol.DefinitionList>(
      ctx.client,
      protocol.listDefinitions,
      undefined,
    );
    const working = new Set(ctx.status?.tokens.map((t) => t.name));
    return {
      configPath: list.configPath,
      broken: list.tokens
        .filter((t) => t.problems !== undefined && t.problems.length > 0 && !working.has(t.name))
        .map((t) => ({ name: t.name, problems: t.problems ?? [] })),
      fileProblems: list.problems,
    };
  } catch (error) {
    ctx.log.warn(`could not list the token definitions: ${(error as Error).message}`);
    return { broken: [], fileProblems: [] };
  }
}

/** A quick-pick row for a broken definition. */
export function brokenItem(entry: BrokenDefinition): vscode.QuickPickItem & { broken: string } {
  return {
    label: `$(error) ${entry.name}`,
    description: 'broken definition, disabled',
    detail: entry.problems.join('; '),
    broken: entry.name,
  };
}

/** What can be done with a broken definition: open the file to fix it by hand, or remove it. */
export async function brokenActions(ctx: Ctx, entry: BrokenDefinition, configPath?: string): Promise<void> {
  const actions = [
    ...(configPath ? [{ label: '$(go-to-file) Open the Config File to Fix It', id: 'open' }] : []),
    { label: '$(trash) Remove', id: 'remove' },
    { label: '$(output) Show Log', id: 'log' },
  ];
  const action = await vscode.window.showQuickPick(actions, {
    placeHolder: `${entry.name}: ${entry.problems.join('; ')}`,
  });
  if (action?.id === 'open' && configPath)
    await vscode.window.showTextDocument(
      await vscode.workspace.openTextDocument(vscode.Uri.file(configPath)),
    );
  if (action?.id === 'remove') await vscode.commands.executeCommand('tokenAgent.removeToken', entry.name);
  if (action?.id === 'log') ctx.log.show();
}
