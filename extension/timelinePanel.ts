// The Token Timeline webview panel: asks the agent (which owns the audit log) for the last 24 hours
// and posts them to the page. It stays live cheaply: on every status the agent pushes (a refresh
// changes one) and every few seconds while visible it sends the last answer's stamp, and the agent
// answers "unchanged" without reading a line while nothing was written.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import * as protocol from '../agent/protocol';
import { request } from './agentRequests';
import type { Ctx } from './ctx';
import { timelineHtml } from './timeline/html';

const pollMs = 5_000;
/** A full answer at least this often, so the 24-hour window slides on even when nothing is written. */
const slideMs = 60_000;

export class TimelinePanel implements vscode.Disposable {
  static #current: TimelinePanel | undefined;

  static show(ctx: Ctx): void {
    if (TimelinePanel.#current) TimelinePanel.#current.#panel.reveal();
    else TimelinePanel.#current = new TimelinePanel(ctx);
  }

  readonly #panel: vscode.WebviewPanel;
  readonly #disposables: vscode.Disposable[] = [];
  #stamp: string | undefined;
  #fullAt = 0;
  #loading: Promise<void> | undefined;
  #again: 'full' | 'changes' | undefined;

  private constructor(private readonly ctx: Ctx) {
    const dist = vscode.Uri.joinPath(ctx.extension.extensionUri, 'dist');
    this.#panel = vscode.window.createWebviewPanel(
      'tokenAgent.timeline',
      'Token Timeline',
      vscode.ViewColumn.Active,
      // The page may load our bundled script and nothing else from disk.
      { enableScripts: true, localResourceRoots: [dist] },
    );
    this.#panel.iconPath = vscode.Uri.joinPath(ctx.extension.extensionUri, 'resources', 'token-agent.svg');
    this.#render();
    const timer = setInterval(() => {
      if (this.#panel.visible) void this.#load(Date.now() - this.#fullAt > slideMs);
    }, pollMs);
    this.#disposables.push(
      { dispose: () => clearInterval(timer) },
      this.#panel.webview.onDidReceiveMessage((message: { type?: string }) => {
        // The page asks for data once its script runs (again after being hidden and shown).
        if (message.type === 'ready') void this.#load(true);
        if (message.type === 'openRaw') void vscode.commands.executeCommand('tokenAgent.openAuditLog');
      }),
      ctx.onDidChangeStatus(() => void this.#load(false)),
      this.#panel.onDidDispose(() => this.dispose()),
    );
  }

  #render(): void {
    const webview = this.#panel.webview;
    const script = vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'dist', 'timeline.js');
    webview.html = timelineHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
      scriptUri: webview.asWebviewUri(script).toString(),
    });
  }

  /** One request at a time; a change noticed meanwhile asks once more when it ends. */
  #load(full: boolean): Promise<void> {
    if (this.#loading) {
      // A full load asked for meanwhile (a reloaded page has nothing drawn) stays a full one.
      this.#again = this.#again === 'full' || full ? 'full' : 'changes';
      return this.#loading;
    }
    this.#loading = this.#fetch(full).finally(() => {
      this.#loading = undefined;
      const again = this.#again;
      if (again) {
        this.#again = undefined;
        void this.#load(again === 'full');
      }
    });
    return this.#loading;
  }

  async #fetch(full: boolean): Promise<void> {
    const params: protocol.TimelineParams = {
      hours: 24,
      ...(full || !this.#stamp ? {} : { stamp: this.#stamp }),
    };
    try {
      const result = await request<protocol.TimelineParams, protocol.TimelineResult>(
        this.ctx.client,
        protocol.timeline,
        params,
      );
      if (result.unchanged) return;
      this.#stamp = result.stamp;
      this.#fullAt = Date.now();
      await this.#panel.webview.postMessage({ type: 'timeline', data: result });
    } catch (error) {
      this.ctx.log.warn(`could not read the timeline: ${(error as Error).message}`);
      await this.#panel.webview.postMessage({
        type: 'error',
        message: `Could not read the audit log: ${(error as Error).message}`,
      });
    }
  }

  dispose(): void {
    if (TimelinePanel.#current === this) TimelinePanel.#current = undefined;
    for (const disposable of this.#disposables.splice(0)) disposable.dispose();
    this.#panel.dispose();
  }
}
