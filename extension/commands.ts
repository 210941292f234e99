// The command table. Each command names whether it needs a running agent; while the agent is down
// such a command says so instead of throwing.
import * as vscode from 'vscode';
import { formatUptime } from './agentView';
import type { Ctx } from './ctx';

interface CommandSpec {
  needsAgent: boolean;
  run(ctx: Ctx): Promise<void> | void;
}

const commands: Record<string, CommandSpec> = {
  'tokenAgent.showLog': { needsAgent: false, run: (ctx) => ctx.log.show() },
  'tokenAgent.restartAgent': {
    needsAgent: false,
    run: async (ctx) => {
      ctx.log.info('restart requested by the user');
      await ctx.restart();
    },
  },
  'tokenAgent.showStatus': {
    needsAgent: true,
    run: async (ctx) => {
      const status = ctx.status;
      if (!status) return;
      const choice = await vscode.window.showInformationMessage(
        `Token Agent ${status.version}: pid ${status.pid}, up ${formatUptime(Date.now() - status.startedAt)}, ` +
          `${status.tokens.length} token(s), secret store: ${status.store.tier}.`,
        'Show Log',
      );
      if (choice === 'Show Log') ctx.log.show();
    },
  },
};

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return Object.entries(commands).map(([id, spec]) =>
    vscode.commands.registerCommand(id, async () => {
      if (spec.needsAgent && !ctx.status) {
        const choice = await vscode.window.showWarningMessage(
          'The token agent is not running right now.',
          'Restart Agent',
          'Show Log',
        );
        if (choice === 'Restart Agent') await ctx.restart();
        if (choice === 'Show Log') ctx.log.show();
        return;
      }
      await spec.run(ctx);
    }),
  );
}

export const commandIds = Object.keys(commands);
