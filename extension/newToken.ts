// After the agent took a new definition: store the typed secrets, sign in or get a first token, then
// say how the token really is. "Added" only when it works; otherwise what failed and the fix.
import * as vscode from 'vscode';
import * as protocol from '../agent/protocol';
import { type Answers, definitionOf, secretsOf } from './addTokenSteps';
import { AgentRequestError, request } from './agentRequests';
import type { Ctx } from './ctx';
import { judgeNewToken, type NewToken } from './newTokenOutcome';
import { runSignIn } from './signIn';

export async function finishNewToken(
  ctx: Ctx,
  answers: Answers,
  verdict: Extract<protocol.DefineTokenResult, { ok: true }>,
): Promise<void> {
  const { name } = definitionOf(answers);
  const type = answers.type ?? 'static';
  const flow = answers.finish === 'browser' || answers.finish === 'device' ? answers.finish : undefined;
  const token: NewToken = {
    name,
    type,
    via: flow ? 'sign-in' : type === 'command' ? 'command' : 'secrets',
  };
  ctx.log.info(`the agent added '${name}' to ${verdict.configPath}`);
  let state: protocol.TokenState | undefined;
  let failure: { code: string; message: string } | undefined;
  try {
    // One notification for storing and the first token: each step is short, two toasts would pile up.
    const refreshed = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Adding '${name}'…` },
      async () => {
        for (const secret of secretsOf(answers))
          await request<protocol.SetSecretParams, null>(ctx.client, protocol.setSecret, { name, ...secret });
        // A first refresh now, so that a wrong secret, endpoint or command shows here and not later.
        if (flow || type === 'static') return undefined;
        return request<protocol.TokenNameParams, protocol.TokenState>(ctx.client, protocol.refreshToken, {
          name,
        });
      },
    );
    if (flow) {
      await runSignIn(ctx, name, flow);
      state = await ctx.tokenState(name, (s) => s.expiresAt !== undefined && s.phase !== 'needs-sign-in');
    } else if (type === 'static') {
      // The agent loads the stored value on its own; 'expired' without an expiry means not yet.
      state = await ctx.tokenState(name, (s) => s.expiresAt !== undefined || s.phase !== 'expired');
    } else state = refreshed;
  } catch (error) {
    failure = {
      code: error instanceof AgentRequestError ? error.code : protocol.ErrorCode.internal,
      message: (error as Error).message,
    };
    state = ctx.status?.tokens.find((t) => t.name === name);
  }
  const outcome = judgeNewToken(token, { ...(state && { state }), ...(failure && { failure }) }, Date.now());
  const warnings = verdict.warnings.length > 0 ? ` Note: ${verdict.warnings.join('; ')}.` : '';
  if (outcome.ok) {
    void vscode.window.showInformationMessage(`${outcome.message}${warnings}`);
    return;
  }
  ctx.log.warn(outcome.message);
  const choice = await vscode.window.showWarningMessage(
    `${outcome.message}${warnings}`,
    ...outcome.fixes.map((fix) => fix.label),
  );
  const fix = outcome.fixes.find((f) => f.label === choice);
  if (!fix) return;
  if (fix.command === 'tokenAgent.showLog') ctx.log.show();
  else await vscode.commands.executeCommand(fix.command, name);
}
