// Token Agent as a VS Code authentication provider: another extension calls
// `vscode.authentication.getSession('token-agent', ['<token name>'], { createIfNone: true })` and, once
// the user consents in VS Code's own prompt, gets a fresh access token the agent keeps refreshed. The
// sessions are listed in the Accounts menu; signing out there stops sharing the token (its secrets stay).
import * as vscode from 'vscode';
import * as protocol from '../agent/protocol';
import { request } from './agentRequests';
import {
  authProviderId,
  authProviderLabel,
  changedSessions,
  requestedToken,
  sessionAccount,
  sessionNames,
} from './authSessions';
import type { Ctx } from './ctx';

/** globalState key of the tokens the user agreed to share with other extensions. */
const sharedKey = 'tokenAgent.sharedSessions';

export class TokenAuthProvider implements vscode.AuthenticationProvider, vscode.Disposable {
  readonly #changes =
    new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  readonly onDidChangeSessions = this.#changes.event;
  readonly #disposables: vscode.Disposable[];
  #lastTokens: readonly protocol.TokenState[] = [];

  constructor(readonly ctx: Ctx) {
    this.#disposables = [
      this.#changes,
      vscode.authentication.registerAuthenticationProvider(authProviderId, authProviderLabel, this, {
        supportsMultipleAccounts: true,
      }),
      ctx.onDidChangeStatus((status) => this.#statusChanged(status)),
    ];
  }

  get #shared(): string[] {
    return this.ctx.extension.globalState.get<string[]>(sharedKey) ?? [];
  }

  async getSessions(scopes: readonly string[] | undefined): Promise<vscode.AuthenticationSession[]> {
    const sessions: vscode.AuthenticationSession[] = [];
    for (const name of sessionNames(this.#shared, scopes)) {
      // A token that cannot be had right now (agent down, sign-in needed) is left out, not fatal: the
      // caller may then ask to create the session, which says what is wrong.
      const session = await this.#session(name).catch((error: unknown) => {
        this.ctx.log.warn(`authentication: no session for '${name}': ${(error as Error).message}`);
        return undefined;
      });
      if (session) sessions.push(session);
    }
    return sessions;
  }

  async createSession(scopes: readonly string[]): Promise<vscode.AuthenticationSession> {
    await this.#waitForAgent();
    const asked = requestedToken(scopes, this.ctx.status?.tokens ?? []);
    if ('error' in asked) throw new Error(asked.error);
    const token = this.ctx.status?.tokens.find((t) => t.name === asked.name);
    if (token?.phase === 'needs-sign-in' && token.type === 'oauth2-refresh-token')
      await vscode.commands.executeCommand('tokenAgent.signIn', asked.name);
    const session = await this.#session(asked.name);
    if (!this.#shared.includes(asked.name))
      await this.ctx.extension.globalState.update(sharedKey, [...this.#shared, asked.name]);
    this.ctx.log.info(`authentication: shared the token '${asked.name}' with an extension`);
    this.#changes.fire({ added: [session], removed: [], changed: [] });
    return session;
  }

  async removeSession(sessionId: string): Promise<void> {
    if (!this.#shared.includes(sessionId)) return;
    await this.ctx.extension.globalState.update(
      sharedKey,
      this.#shared.filter((name) => name !== sessionId),
    );
    this.ctx.log.info(`authentication: stopped sharing the token '${sessionId}'`);
    this.#changes.fire({ added: [], removed: [this.#stub(sessionId)], changed: [] });
  }

  async #session(name: string): Promise<vscode.AuthenticationSession> {
    // A token just defined may not be in the agent's status yet; the request below then says why.
    await this.ctx.tokenState(name, () => true);
    const got = await request<protocol.GetTokenParams, protocol.GetTokenResult>(
      this.ctx.client,
      protocol.getToken,
      {
        name,
        minValidSeconds: this.ctx.setting('copy.minValiditySeconds'),
      },
    );
    return { ...this.#stub(name), accessToken: got.accessToken };
  }

  // Removed and changed sessions are named, not handed over: consumers ask again for the token.
  #stub(name: string): vscode.AuthenticationSession {
    const token = this.ctx.status?.tokens.find((t) => t.name === name);
    return { id: name, accessToken: '', account: sessionAccount(token, name), scopes: [name] };
  }

  async #waitForAgent(): Promise<void> {
    if (this.ctx.status) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        listener.dispose();
        reject(new Error('The token agent is not running; see Token Agent: Show Log.'));
      }, 15_000);
      const listener = this.ctx.onDidChangeStatus(() => {
        clearTimeout(timer);
        listener.dispose();
        resolve();
      });
    });
  }

  #statusChanged(status: protocol.AgentStatus): void {
    const changed = changedSessions(this.#shared, this.#lastTokens, status.tokens);
    this.#lastTokens = status.tokens;
    if (changed.length)
      this.#changes.fire({ added: [], removed: [], changed: changed.map((n) => this.#stub(n)) });
  }

  dispose(): void {
    for (const disposable of this.#disposables.splice(0)) disposable.dispose();
  }
}
