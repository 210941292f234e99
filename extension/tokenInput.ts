// Guided input for adding tokens and secrets. Secrets go through password boxes straight to the agent,
// which puts them in the secret store; definitions go to user settings. The agent validates both.
import * as vscode from 'vscode';
import * as protocol from '../agent/protocol';
import { request } from './agentRequests';
import type { Ctx } from './ctx';
import type { TokenSetting } from './settings';

const namePattern = /^[A-Za-z0-9._-]{1,64}$/;

const tokenTypes = [
  {
    label: 'OAuth 2 refresh token',
    description: 'oauth2-refresh-token',
    detail: 'You have a refresh token; the agent refreshes the access token from it.',
  },
  {
    label: 'OAuth 2 client credentials',
    description: 'oauth2-client-credentials',
    detail: 'A service client with an id and a secret.',
  },
  {
    label: 'Command',
    description: 'command',
    detail: 'A program that prints a token, such as `gcloud auth print-access-token`.',
  },
  {
    label: 'Pasted token',
    description: 'static',
    detail: 'A token to watch: countdown and warnings, no refresh.',
  },
] as const;

async function ask(
  prompt: string,
  options: Partial<vscode.InputBoxOptions> = {},
): Promise<string | undefined> {
  const value = await vscode.window.showInputBox({ prompt, ignoreFocusOut: true, ...options });
  return value?.trim();
}

export async function readSecret(prompt: string, optional = false): Promise<string | undefined> {
  return vscode.window.showInputBox({
    prompt,
    password: true,
    ignoreFocusOut: true,
    placeHolder: optional ? 'Leave empty if there is none' : 'Goes straight to the OS secret store',
    validateInput: (value) => (optional || value.trim() !== '' ? undefined : 'A value is needed.'),
  });
}

export async function pickSecretKind(
  type: protocol.TokenType | undefined,
): Promise<protocol.SecretKind | undefined> {
  const kinds: protocol.SecretKind[] =
    type === 'static'
      ? ['static_token']
      : type === 'oauth2-client-credentials'
        ? ['client_secret']
        : ['refresh_token', 'client_secret'];
  if (kinds.length === 1) return kinds[0];
  const picked = await vscode.window.showQuickPick(kinds, { placeHolder: 'Which secret?' });
  return picked as protocol.SecretKind | undefined;
}

async function askName(ctx: Ctx): Promise<string | undefined> {
  const taken = new Set(ctx.status?.tokens.map((t) => t.name));
  return ask('A short name for the token', {
    placeHolder: 'for example: api',
    validateInput: (value) =>
      !namePattern.test(value.trim())
        ? "Use 1 to 64 letters, digits, '.', '_' or '-'."
        : taken.has(value.trim())
          ? `A token named '${value.trim()}' exists already.`
          : undefined,
  });
}

function validUrl(value: string): string | undefined {
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : 'Use an https:// URL.';
  } catch {
    return 'Enter a full URL, such as https://login.example.com';
  }
}

export async function addTokenFlow(ctx: Ctx): Promise<void> {
  const type = await vscode.window.showQuickPick(tokenTypes, {
    placeHolder: 'What kind of token?',
    ignoreFocusOut: true,
  });
  if (!type) return;
  if (type.description === 'static') return pasteTokenFlow(ctx);
  const name = await askName(ctx);
  if (!name) return;
  const definition: TokenSetting = { name, type: type.description };
  const secrets: { kind: protocol.SecretKind; value: string }[] = [];

  if (type.description === 'command') {
    const line = await ask('The command that prints the token (run without a shell)', {
      placeHolder: 'gcloud auth print-access-token',
      validateInput: (value) => (value.trim() === '' ? 'Enter a command.' : undefined),
    });
    if (!line) return;
    definition.command = line.split(/\s+/);
  } else {
    const url = await ask('The issuer URL (discovery), or the token endpoint URL', {
      placeHolder: 'https://login.example.com',
      validateInput: validUrl,
    });
    if (!url) return;
    // A URL that names the token endpoint skips discovery; anything else is treated as the issuer.
    if (/\/token\/?$/.test(new URL(url).pathname)) definition.tokenEndpoint = url;
    else definition.issuer = url;
    const clientId = await ask('The client id', {
      validateInput: (v) => (v.trim() ? undefined : 'A client id is needed.'),
    });
    if (!clientId) return;
    definition.clientId = clientId;
    const scope = await ask('Scopes to request (space-separated, optional)');
    if (scope === undefined) return;
    if (scope) definition.scope = scope;
    if (type.description === 'oauth2-refresh-token') {
      const refreshToken = await readSecret(`The refresh token of '${name}'`);
      if (refreshToken === undefined) return;
      secrets.push({ kind: 'refresh_token', value: refreshToken });
      const clientSecret = await readSecret(`The client secret of '${name}'`, true);
      if (clientSecret === undefined) return;
      if (clientSecret) secrets.push({ kind: 'client_secret', value: clientSecret });
    } else {
      const clientSecret = await readSecret(`The client secret of '${name}'`);
      if (clientSecret === undefined) return;
      secrets.push({ kind: 'client_secret', value: clientSecret });
    }
  }
  await addDefinition(ctx, definition, secrets);
}

export async function pasteTokenFlow(ctx: Ctx): Promise<void> {
  const name = await askName(ctx);
  if (!name) return;
  const value = await readSecret(`The token to watch as '${name}'`);
  if (value === undefined) return;
  await addDefinition(ctx, { name, type: 'static' }, [{ kind: 'static_token', value: value.trim() }]);
}

async function addDefinition(
  ctx: Ctx,
  definition: TokenSetting,
  secrets: { kind: protocol.SecretKind; value: string }[],
) {
  const { name, ...entry } = definition;
  const verdict = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Adding '${name}'…` },
    async () => {
      // The agent checks the definition and writes it to its config file, answering at once.
      const answer = await request<protocol.DefineTokenParams, protocol.DefineTokenResult>(
        ctx.client,
        protocol.defineToken,
        { name, definition: entry as Record<string, unknown> },
      );
      if (!answer.ok) return answer;
      for (const secret of secrets) {
        await request<protocol.SetSecretParams, null>(ctx.client, protocol.setSecret, { name, ...secret });
      }
      return answer;
    },
  );
  if (!verdict.ok) {
    const problems = verdict.problems.map((p) => p.message).join(' ');
    void vscode.window.showErrorMessage(`'${name}' was not added: ${problems}`);
    return;
  }
  void vscode.window.showInformationMessage(
    `Added '${name}' to ${verdict.configPath}. Its secrets are in the OS secret store.`,
  );
}
