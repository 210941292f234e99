// Token Agent: Scan Workspace for Hard-Coded Tokens. The agent walks the folders and publishes the
// findings as diagnostics; the editor only shows its progress and a summary that leads to them.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { WorkDoneProgress } from 'vscode-languageclient/node';
import * as protocol from '../agent/protocol';
import { AgentRequestError, request } from './agentRequests';
import type { Ctx } from './ctx';
import { scanSummary } from './scanSummary';

export async function scanWorkspaceCommand(ctx: Ctx): Promise<void> {
  if (!vscode.workspace.workspaceFolders?.length) {
    void vscode.window.showInformationMessage('Open a folder first: the scan covers the workspace folders.');
    return;
  }
  const client = ctx.client;
  if (!client) throw new AgentRequestError(protocol.ErrorCode.agentDown, 'The token agent is not running.');
  const workDoneToken = randomUUID();
  const result = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: 'Scanning for hard-coded tokens',
      cancellable: true,
    },
    async (progress, cancel) => {
      let shown = 0;
      const reports = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
        if (value.kind === 'end') return;
        const percentage = value.percentage ?? shown;
        progress.report({
          ...(value.message ? { message: value.message } : {}),
          increment: Math.max(0, percentage - shown),
        });
        shown = Math.max(shown, percentage);
      });
      try {
        return await request<protocol.ScanWorkspaceParams, protocol.ScanWorkspaceResult>(
          client,
          protocol.scanWorkspace,
          { workDoneToken },
          cancel,
        );
      } finally {
        reports.dispose();
      }
    },
  );
  for (const error of result.errors) ctx.log.warn(`scan: ${error}`);
  const message = scanSummary(result);
  const actions = [
    ...(result.findings > 0 ? ['Show Problems'] : []),
    ...(result.errors.length > 0 ? ['Show Log'] : []),
  ];
  const show = result.findings > 0 ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const choice = await show(message, ...actions);
  if (choice === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
  if (choice === 'Show Log') ctx.log.show();
}
