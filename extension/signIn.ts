// Token Agent: Sign In. The agent runs the OAuth flow and stores the result; the editor only opens
// the browser (or shows the device code) when the agent says what the user must do.
import * as vscode from 'vscode';
import * as protocol from '../agent/protocol';
import { request } from './agentRequests';
import type { Ctx } from './ctx';
import { isWebProxyAddress } from './webProxy';

const flows = [
  {
    label: '$(globe) Sign in with the browser',
    flow: 'browser' as const,
    detail: 'Opens your browser; the answer comes back to this machine.',
  },
  {
    label: '$(device-mobile) Sign in with a device code',
    flow: 'device' as const,
    detail: 'Shows a code to enter on any device: for remote and headless sessions.',
  },
];

export async function signInCommand(ctx: Ctx, given: unknown): Promise<void> {
  const candidates = (ctx.status?.tokens ?? []).filter((t) => t.type === 'oauth2-refresh-token');
  if (candidates.length === 0) {
    // The welcome view's Sign In button leads here with no token yet: adding one is the way in.
    const choice = await vscode.window.showInformationMessage(
      'Sign In works for OAuth 2 refresh-token tokens; none is configured. Add one first: give its issuer and client id, then sign in.',
      'Add Token…',
    );
    if (choice) await vscode.commands.executeCommand('tokenAgent.addToken');
    return;
  }
  const name =
    typeof given === 'string' && candidates.some((t) => t.name === given)
      ? given
      : candidates.length === 1
        ? candidates[0]?.name
        : (
            await vscode.window.showQuickPick(
              candidates.map((t) => ({ label: t.name, description: t.phase })),
              { placeHolder: 'Sign in for which token?' },
            )
          )?.label;
  if (!name) return;
  const picked = await vscode.window.showQuickPick(signInFlows(), { placeHolder: `Sign in for '${name}'` });
  if (!picked) return;
  const result = await runSignIn(ctx, name, picked.flow);
  const verified = result.verification
    ? result.verification.verified
      ? ' Its signature verified against the issuer’s keys.'
      : ` Its signature was not verified: ${result.verification.reason}`
    : '';
  void vscode.window.showInformationMessage(
    `Signed in to '${name}' (${result.accessTokenPreview}); the refresh token is in the ${result.tier} store.${verified}`,
  );
}

/** The two flows, the one that works here first. */
export function signInFlows(): typeof flows {
  // A loopback redirect reaches the agent's machine, which is not the user's in a remote or web window.
  const remote = vscode.env.remoteName !== undefined || vscode.env.uiKind === vscode.UIKind.Web;
  return remote ? [...flows].reverse() : flows;
}

/**
 * Asks the agent to sign in, showing what it asks of the user (a browser tab, a device code) and a
 * cancellable progress. Rejects with the agent's coded error (AgentRequestError) when it fails.
 */
export async function runSignIn(
  ctx: Ctx,
  name: string,
  flow: protocol.SignInFlow,
): Promise<protocol.SignInResult> {
  const listener = ctx.onSignInPrompt((params) => {
    if (params.name !== name) return;
    if (params.joined) void showJoinedPrompt(name, params.prompt);
    else void showPrompt(params.prompt);
  });
  try {
    return await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Signing in for '${name}'…`,
        cancellable: true,
      },
      (_progress, cancel) =>
        request<protocol.SignInParams, protocol.SignInResult>(
          ctx.client,
          protocol.signIn,
          { name, flow },
          cancel,
        ),
    );
  } finally {
    listener.dispose();
  }
}

/**
 * The agent runs one sign-in per token: this window joined one that another window (or a terminal's
 * `login`) started, whose browser tab may already be open. Say so, and open the page again only when
 * asked, so that many windows never mean many tabs.
 */
async function showJoinedPrompt(name: string, prompt: protocol.SignInPrompt): Promise<void> {
  const lead = `A sign-in to '${name}' is already in progress in another window or a terminal; this window waits for it too.`;
  if (prompt.flow === 'device') return showPrompt(prompt, lead);
  const choice = await vscode.window.showInformationMessage(
    `${lead} Finish it in the browser tab it opened.`,
    'Open Sign-In Page Again',
  );
  if (choice) await showPrompt(prompt);
}

async function showPrompt(prompt: protocol.SignInPrompt, lead?: string): Promise<void> {
  if (prompt.flow === 'browser') {
    const uri = vscode.Uri.parse(prompt.authorizationUrl, true);
    // openExternal opens what asExternalUri answers. code-server answers a loopback URL (an identity
    // provider on this machine) with its own /proxy/PORT/ address, where the provider's cookies and
    // links point outside the proxy and its login fails; the URL as it is works in a local browser.
    // Remote-SSH, WSL and containers change a loopback URL too (to a forwarded port), and that one
    // works, so only a web editor's proxy path counts.
    const proxied = throughWebProxy(uri, await vscode.env.asExternalUri(uri));
    if (proxied || !(await vscode.env.openExternal(uri))) {
      await vscode.env.clipboard.writeText(prompt.authorizationUrl);
      void vscode.window.showWarningMessage(
        proxied
          ? 'The editor would send the sign-in URL through its own proxy, where the sign-in fails. The URL is on the clipboard: open it in a browser on the machine that runs Token Agent.'
          : 'Could not open a browser; the sign-in URL is on the clipboard.',
      );
    }
    return;
  }
  const target = prompt.verificationUriComplete ?? prompt.verificationUri;
  const targetUri = vscode.Uri.parse(target, true);
  // The same proxy check as the browser flow: a proxied verification page cannot take the code.
  if (!throughWebProxy(targetUri, await vscode.env.asExternalUri(targetUri))) {
    const choice = await vscode.window.showInformationMessage(
      `${lead ? `${lead} ` : ''}Enter the code ${prompt.userCode} at ${prompt.verificationUri} to sign in.`,
      'Copy Code and Open',
    );
    if (choice === 'Copy Code and Open') {
      await vscode.env.clipboard.writeText(prompt.userCode);
      await vscode.env.openExternal(targetUri);
    }
    return;
  }
  // A modal, because a toast cuts the address off; its text cannot be selected, hence the buttons.
  const detail = `Open ${prompt.verificationUri} in a browser on the machine that runs Token Agent and enter the code ${prompt.userCode}. This web editor would send the address through its own proxy, where the sign-in fails.`;
  for (;;) {
    const choice = await vscode.window.showInformationMessage(
      `Sign in with the code ${prompt.userCode}`,
      { modal: true, detail: lead ? `${lead} ${detail}` : detail },
      'Copy Code',
      'Copy Address',
    );
    if (choice === 'Copy Code') await vscode.env.clipboard.writeText(prompt.userCode);
    // The address is the last thing taken: with the code in it (verification_uri_complete) it is all
    // the browser needs.
    if (choice === 'Copy Address') await vscode.env.clipboard.writeText(target);
    if (choice !== 'Copy Code') return;
  }
}

/** Whether this is a web window whose editor would send `uri` through its own proxy. */
function throughWebProxy(uri: vscode.Uri, external: vscode.Uri): boolean {
  return (
    vscode.env.uiKind === vscode.UIKind.Web && isWebProxyAddress(uri.toString(true), external.toString(true))
  );
}
