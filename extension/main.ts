// Entry point: wiring only. All state lives in Ctx.
import type * as vscode from 'vscode';
import { TokenAuthProvider } from './authProvider';
import { registerCommands } from './commands';
import { Ctx } from './ctx';

let ctx: Ctx | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const startedAt = Date.now();
  ctx = new Ctx(context);
  context.subscriptions.push(...registerCommands(ctx), new TokenAuthProvider(ctx));
  // Do not hold activation hostage to the agent: the status bar shows "starting" meanwhile.
  void ctx.start();
  ctx.log.info(`extension activated in ${Date.now() - startedAt} ms`);
}

export async function deactivate(): Promise<void> {
  await ctx?.dispose();
  ctx = undefined;
}
