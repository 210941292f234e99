// The command table. Each command names whether it needs a running agent; while the agent is down
// such a command says so instead of throwing. Token logic stays in the agent: these only ask.
import * as vscode from 'vscode';
import * as protocol from '../agent/protocol';
import { AgentRequestError, request } from './agentRequests';
import { type BrokenDefinition, brokenActions, brokenItem, listBroken } from './brokenDefinitions';
import { expiryText, tokenSummary } from './countdown';
import type { Ctx } from './ctx';
import { lintSampleText } from './lintSample';
import { copiedNotice, refreshedNotice, remedyFor, staticRefreshNotice } from './notices';
import { scanWorkspaceCommand } from './scanWorkspace';
import { signInCommand } from './signIn';
import { TimelinePanel } from './timelinePanel';
import { addTokenFlow, pasteTokenFlow, pickSecretKind, readSecret } from './tokenInput';
import { tokenArgument } from './tokenRows';

type Run = (ctx: Ctx, ...args: unknown[]) => Promise<void> | void;

interface CommandSpec {
  needsAgent: boolean;
  run: Run;
}

const commands: Record<string, CommandSpec> = {
  'tokenAgent.copyFreshToken': { needsAgent: true, run: (ctx, name) => copyFreshToken(ctx, name) },
  'tokenAgent.refreshNow': { needsAgent: true, run: (ctx, name) => refreshNow(ctx, name) },
  'tokenAgent.addToken': { needsAgent: true, run: (ctx) => addTokenFlow(ctx) },
  'tokenAgent.setSecret': { needsAgent: true, run: (ctx, name) => setSecret(ctx, name) },
  'tokenAgent.pasteToken': { needsAgent: true, run: (ctx) => pasteTokenFlow(ctx) },
  'tokenAgent.signIn': { needsAgent: true, run: (ctx, name) => signInCommand(ctx, name) },
  'tokenAgent.removeToken': { needsAgent: true, run: (ctx, name) => removeToken(ctx, name) },
  'tokenAgent.showStatus': { needsAgent: true, run: (ctx) => showTokens(ctx) },
  'tokenAgent.scanWorkspace': { needsAgent: true, run: (ctx) => scanWorkspaceCommand(ctx) },
  'tokenAgent.showLog': { needsAgent: false, run: (ctx) => ctx.log.show() },
  'tokenAgent.openAuditLog': { needsAgent: true, run: (ctx) => openAuditLog(ctx) },
  'tokenAgent.showTimeline': { needsAgent: true, run: (ctx) => TimelinePanel.show(ctx) },
  'tokenAgent.openLintSample': { needsAgent: false, run: () => openLintSample() },
  'tokenAgent.pinToStatusBar': { needsAgent: true, run: (ctx, name) => pinToStatusBar(ctx, name) },
  'tokenAgent.unpinFromStatusBar': { needsAgent: false, run: (ctx) => ctx.pin(undefined) },
  'tokenAgent.restartAgent': {
    needsAgent: false,
    run: async (ctx) => {
      ctx.log.info('restart requested by the user');
      await ctx.restart();
    },
  },
};

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return Object.entries(commands).map(([id, spec]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      if (spec.needsAgent && !ctx.status && !(await waitForAgent(ctx))) {
        const choice = await vscode.window.showWarningMessage(
          'The token agent is not running right now.',
          'Restart Agent',
          'Show Log',
        );
        if (choice === 'Restart Agent') await ctx.restart();
        if (choice === 'Show Log') ctx.log.show();
        return;
      }
      try {
        // Run from a Tokens view row, the first argument is the row's element: its token's name.
        const [first, ...rest] = args;
        await spec.run(ctx, tokenArgument(first), ...rest);
      } catch (error) {
        await reportError(ctx, error);
      }
    }),
  );
}

/** Waits for an agent that is starting, with the window's progress spinner; false if it is not running. */
async function waitForAgent(ctx: Ctx): Promise<boolean> {
  const status = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Waiting for the token agent to start' },
    () => ctx.runningStatus(),
  );
  return status !== undefined;
}

async function reportError(ctx: Ctx, error: unknown): Promise<void> {
  const code = error instanceof AgentRequestError ? error.code : undefined;
  const message = (error as Error).message;
  ctx.log.warn(`${code ?? 'error'}: ${message}`);
  const remedy = remedyFor(code, message);
  const choice = await vscode.window.showErrorMessage(message, ...(remedy ? [remedy.label] : []));
  if (remedy && choice === remedy.label) await vscode.commands.executeCommand(remedy.command);
}

/**
 * The token named by a command argument (from a tooltip link), or the user's pick. `broken` adds the
 * definitions the agent disabled, for commands that can act on them (Remove Token).
 */
async function pickToken(
  ctx: Ctx,
  given: unknown,
  placeHolder: string,
  broken: readonly BrokenDefinition[] = [],
): Promise<string | undefined> {
  const tokens = ctx.status?.tokens ?? [];
  const known = (name: string) => tokens.some((t) => t.name === name) || broken.some((b) => b.name === name);
  if (typeof given === 'string' && known(given)) return given;
  if (tokens.length === 0 && broken.length === 0) {
    const choice = await vscode.window.showInformationMessage(
      'No token is configured yet.',
      'Add Token…',
      'Paste Token…',
    );
    if (choice === 'Add Token…') await vscode.commands.executeCommand('tokenAgent.addToken');
    if (choice === 'Paste Token…') await vscode.commands.executeCommand('tokenAgent.pasteToken');
    return undefined;
  }
  if (tokens.length + broken.length === 1) return tokens[0]?.name ?? broken[0]?.name;
  const now = Date.now();
  const picked = await vscode.window.showQuickPick(
    [
      ...tokens.map((t) => ({
        label: t.name,
        description: t.phase,
        detail: tokenSummary(t, now),
        name: t.name,
      })),
      ...broken.map((b) => ({ ...brokenItem(b), name: b.name })),
    ],
    { placeHolder },
  );
  return picked?.name;
}

async function copyFreshToken(ctx: Ctx, given: unknown): Promise<void> {
  const name = await pickToken(ctx, given, 'Which token to copy?');
  if (!name) return;
  const minValidSeconds = ctx.setting('copy.minValiditySeconds');
  const token = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Getting a fresh '${name}' token…` },
    () =>
      request<protocol.GetTokenParams, protocol.GetTokenResult>(ctx.client, protocol.getToken, {
        name,
        minValidSeconds,
      }),
  );
  await vscode.env.clipboard.writeText(token.accessToken);
  const clearAfterSeconds = ctx.setting('copy.clearAfterSeconds');
  ctx.clipboard.clearLater(token.accessToken, clearAfterSeconds);
  const { message, buttons } = copiedNotice(name, token, {
    minValidSeconds,
    clearAfterSeconds,
    now: Date.now(),
  });
  const notice = vscode.window.showInformationMessage(message, ...buttons);
  // The minimum asked is a setting: a provider whose tokens live less than it should not nag forever.
  void notice.then((choice) => {
    if (choice === 'Open Settings')
      void vscode.commands.executeCommand(
        'workbench.action.openSettings',
        'tokenAgent.copy.minValiditySeconds',
      );
  });
}

async function refreshNow(ctx: Ctx, given: unknown): Promise<void> {
  const name = await pickToken(ctx, given, 'Which token to refresh?');
  if (!name) return;
  if (ctx.status?.tokens.find((t) => t.name === name)?.type === 'static') {
    // A pasted token has no refresh token behind it: "Refreshed" would claim what did not happen.
    const { message, buttons } = staticRefreshNotice(name);
    const choice = await vscode.window.showInformationMessage(message, ...buttons);
    if (choice) await vscode.commands.executeCommand('tokenAgent.setSecret', name);
    return;
  }
  const state = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Refreshing '${name}'` },
    () => request<protocol.TokenNameParams, protocol.TokenState>(ctx.client, protocol.refreshToken, { name }),
  );
  void vscode.window.showInformationMessage(refreshedNotice(state, Date.now()).message);
}

async function pinToStatusBar(ctx: Ctx, given: unknown): Promise<void> {
  const name = await pickToken(ctx, given, 'Which token should the status bar show?');
  if (name) await ctx.pin(name);
}

async function setSecret(ctx: Ctx, given: unknown): Promise<void> {
  const name = await pickToken(ctx, given, 'Set a secret of which token?');
  if (!name) return;
  const type = ctx.status?.tokens.find((t) => t.name === name)?.type;
  const kind = await pickSecretKind(type);
  if (!kind) return;
  const value = await readSecret(`The ${kind.replace('_', ' ')} of '${name}'`);
  if (value === undefined) return;
  await request<protocol.SetSecretParams, null>(ctx.client, protocol.setSecret, { name, kind, value });
  void vscode.window.showInformationMessage(
    `Stored the ${kind.replace('_', ' ')} of '${name}' in the secret store.`,
  );
}

async function removeToken(ctx: Ctx, given: unknown): Promise<void> {
  const { broken } = await listBroken(ctx);
  const name = await pickToken(ctx, given, 'Remove which token?', broken);
  if (!name) return;
  const confirm = await vscode.window.showWarningMessage(
    `Remove '${name}'? Its secrets are deleted from the secret store.`,
    { modal: true },
    'Remove',
  );
  if (confirm !== 'Remove') return;
  await request<protocol.TokenNameParams, null>(ctx.client, protocol.removeSecrets, { name });
  // The agent owns the config file: it removes the definition there, for every window and terminal.
  const { removed } = await request<protocol.TokenNameParams, { removed: boolean }>(
    ctx.client,
    protocol.removeDefinition,
    { name },
  );
  void vscode.window.showInformationMessage(
    removed
      ? `Removed '${name}' and its secrets.`
      : `Deleted the secrets of '${name}'; it had no definition.`,
  );
}

async function showTokens(ctx: Ctx): Promise<void> {
  const status = ctx.status;
  if (!status) return;
  const now = Date.now();
  const definitions = await listBroken(ctx);
  type Item = vscode.QuickPickItem & { token?: string; command?: string; broken?: string };
  const items: Item[] = status.tokens.map((t) => ({
    label: `$(key) ${t.name}`,
    description: t.phase,
    detail:
      t.expiresAt === undefined
        ? tokenSummary(t, now)
        : `${tokenSummary(t, now)} left · ${expiryText(t, (ms) => new Date(ms).toLocaleTimeString())}`,
    token: t.name,
  }));
  // Disabled definitions: not in the status, but they hold their name until fixed or removed.
  items.push(...definitions.broken.map(brokenItem));
  for (const problem of definitions.fileProblems)
    items.push({ label: '$(warning) Config file problem', detail: problem, command: 'tokenAgent.showLog' });
  if (status.store.tier === 'unavailable') {
    items.unshift({
      label: '$(error) Secret store unavailable',
      detail: status.store.detail,
      command: 'tokenAgent.showLog',
    });
  }
  items.push(
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(add) Add Token…', command: 'tokenAgent.addToken' },
    { label: '$(clippy) Paste Token…', command: 'tokenAgent.pasteToken' },
    { label: '$(output) Show Log', command: 'tokenAgent.showLog' },
    { label: '$(debug-restart) Restart Agent', command: 'tokenAgent.restartAgent' },
  );
  const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Tokens held by the token agent' });
  if (picked?.command) return void (await vscode.commands.executeCommand(picked.command));
  const broken = definitions.broken.find((b) => b.name === picked?.broken);
  if (broken) return brokenActions(ctx, broken, definitions.configPath);
  if (!picked?.token) return;
  const name = picked.token;
  const actions = [
    { label: '$(copy) Copy Fresh Token', command: 'tokenAgent.copyFreshToken' },
    { label: '$(sync) Refresh Now', command: 'tokenAgent.refreshNow' },
    { label: '$(info) Show Details', command: 'details' },
    { label: '$(sign-in) Sign In…', command: 'tokenAgent.signIn' },
    { label: '$(lock) Set Refresh Token / Client Secret…', command: 'tokenAgent.setSecret' },
    { label: '$(trash) Remove', command: 'tokenAgent.removeToken' },
  ];
  const action = await vscode.window.showQuickPick(actions, { placeHolder: name });
  if (!action) return;
  if (action.command === 'details') return showDetails(ctx, name);
  await vscode.commands.executeCommand(action.command, name);
}

async function showDetails(ctx: Ctx, name: string): Promise<void> {
  const token = ctx.status?.tokens.find((t) => t.name === name);
  if (!token) return;
  const time = (ms: number | undefined) => (ms === undefined ? '—' : new Date(ms).toLocaleString());
  const detail = [
    `Type: ${token.type} · state: ${token.phase}`,
    `Expires: ${token.expiryAssumed ? '~' : ''}${time(token.expiresAt)} (${tokenSummary(token, Date.now())}${token.expiryAssumed ? ', assumed: the provider did not say' : ''})`,
    `Last refresh: ${time(token.lastRefreshAt)} · next: ${time(token.nextRefreshAt)}`,
    `Issuer: ${token.issuer ?? '—'}`,
    `Audience: ${token.audience?.join(', ') ?? '—'}`,
    `Scope: ${token.scope ?? '—'} · subject: ${token.subject ?? '—'}`,
    `JWT id: ${token.jtiPrefix ? `${token.jtiPrefix}…` : '—'}`,
    ...(token.skewMs ? [`Clock skew: ${(token.skewMs / 1000).toFixed(1)} s`] : []),
    ...(token.lastError ? [`Last error: ${token.lastError.message}`] : []),
  ].join('\n');
  await vscode.window.showInformationMessage(`Token '${name}'`, { modal: true, detail });
}

async function openAuditLog(ctx: Ctx): Promise<void> {
  const path = ctx.status?.auditLogPath;
  if (!path) return;
  try {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
    await vscode.window.showTextDocument(document, { preview: true });
  } catch {
    void vscode.window.showInformationMessage(
      `No refresh has been recorded yet (the audit log will be ${path}).`,
    );
  }
}

/** The walkthrough's lint step: an unsaved file the lint checks like any other. */
async function openLintSample(): Promise<void> {
  const document = await vscode.workspace.openTextDocument({
    language: 'javascript',
    content: lintSampleText(),
  });
  await vscode.window.showTextDocument(document);
}
