import * as vscode from 'vscode';
import { type AgentView, renderStatusBar, type StatusBarModel, tooltipCommands } from './agentView';

const backgrounds = {
  warning: new vscode.ThemeColor('statusBarItem.warningBackground'),
  error: new vscode.ThemeColor('statusBarItem.errorBackground'),
} as const;

/** Draws the one status bar item from the agent view; re-draws every second so countdowns tick. */
export class StatusBar implements vscode.Disposable {
  readonly #item: vscode.StatusBarItem;
  readonly #ticker: NodeJS.Timeout;
  #view: AgentView = { kind: 'starting' };
  #drawn: StatusBarModel | undefined;

  constructor(
    readonly warnBeforeSeconds: () => number,
    readonly pinned: () => string | undefined,
  ) {
    this.#item = vscode.window.createStatusBarItem('tokenAgent.status', vscode.StatusBarAlignment.Left, 100);
    this.#item.name = 'Token Agent';
    this.#ticker = setInterval(() => this.#draw(), 1000);
    this.#draw();
    this.#item.show();
  }

  show(view: AgentView): void {
    this.#view = view;
    this.#draw();
  }

  #draw(): void {
    const model = renderStatusBar(this.#view, {
      now: Date.now(),
      warnBeforeSeconds: this.warnBeforeSeconds(),
      pinned: this.pinned(),
      formatTime: (ms) => new Date(ms).toLocaleTimeString(),
    });
    const drawn = this.#drawn;
    this.#drawn = model;
    // Touch only what changed: each assignment is a message to the renderer, once a second.
    if (drawn?.text !== model.text) this.#item.text = model.text;
    if (drawn?.tooltip !== model.tooltip) {
      const tooltip = new vscode.MarkdownString(model.tooltip, true);
      tooltip.isTrusted = { enabledCommands: tooltipCommands };
      this.#item.tooltip = tooltip;
    }
    if (drawn?.ariaLabel !== model.ariaLabel)
      this.#item.accessibilityInformation = { label: model.ariaLabel };
    if (drawn === undefined || drawn.background !== model.background) {
      this.#item.backgroundColor = model.background ? backgrounds[model.background] : undefined;
    }
    if (drawn?.command !== model.command) this.#item.command = model.command;
  }

  dispose(): void {
    clearInterval(this.#ticker);
    this.#item.dispose();
  }
}
