// The Tokens view: draws the rows tokenRows.ts computes from the agent's last status. Thin on
// purpose: what a row says and which actions it offers is decided there, and tested without VS Code.
import * as vscode from 'vscode';
import type { AgentStatus } from '../agent/protocol';
import { changedRows, type Row, tokenRows } from './tokenRows';

export const tokensViewId = 'tokenAgent.tokens';

/** The tree's element: one object per row key for the view's life, so a redraw can name it. */
export interface TokensNode {
  readonly key: string;
  /** Set on token rows: commands run from the row's menus read the token's name from it. */
  readonly tokenName?: string;
}

export interface TokensViewSource {
  status(): AgentStatus | undefined;
  pinned(): string | undefined;
  warnBeforeSeconds(): number;
}

export class TokensView implements vscode.TreeDataProvider<TokensNode>, vscode.Disposable {
  readonly #changes = new vscode.EventEmitter<TokensNode | TokensNode[] | undefined>();
  readonly onDidChangeTreeData = this.#changes.event;
  readonly #view: vscode.TreeView<TokensNode>;
  readonly #ticker: NodeJS.Timeout;
  readonly #nodes = new Map<string, TokensNode>();
  #rows: Row[] = [];
  #byKey = new Map<string, Row>();

  constructor(readonly source: TokensViewSource) {
    this.#view = vscode.window.createTreeView(tokensViewId, {
      treeDataProvider: this,
      showCollapseAll: false,
    });
    // Countdowns tick once a second, but only while someone can see them, and only changed rows redraw.
    this.#ticker = setInterval(() => {
      if (this.#view.visible) this.update();
    }, 1000);
    this.#view.onDidChangeVisibility(({ visible }) => {
      if (visible) this.update();
    });
    this.update();
  }

  /** Recomputes the rows and tells the tree which of them changed. */
  update(): void {
    const status = this.source.status();
    const rows = status
      ? tokenRows(status, {
          now: Date.now(),
          warnBeforeSeconds: this.source.warnBeforeSeconds(),
          pinned: this.source.pinned(),
          formatTime: (ms) => new Date(ms).toLocaleTimeString(),
        })
      : [];
    const changed = changedRows(this.#rows, rows);
    this.#rows = rows;
    this.#byKey = new Map(rows.map((row) => [row.key, row]));
    if (changed === 'all') {
      for (const key of [...this.#nodes.keys()]) if (!this.#byKey.has(key)) this.#nodes.delete(key);
      this.#changes.fire(undefined);
    } else if (changed.length > 0) {
      this.#changes.fire(changed.map((key) => this.#node(key)));
    }
  }

  #node(key: string): TokensNode {
    let node = this.#nodes.get(key);
    if (!node) {
      const row = this.#byKey.get(key);
      node = row?.kind === 'token' ? { key, tokenName: row.name } : { key };
      this.#nodes.set(key, node);
    }
    return node;
  }

  getChildren(element?: TokensNode): TokensNode[] {
    return element ? [] : this.#rows.map((row) => this.#node(row.key));
  }

  getTreeItem(node: TokensNode): vscode.TreeItem {
    const row = this.#byKey.get(node.key);
    if (!row) return new vscode.TreeItem(node.key);
    const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
    item.id = row.key;
    item.description = row.description;
    item.tooltip = row.tooltip;
    item.contextValue = row.contextValue;
    item.iconPath = new vscode.ThemeIcon(row.icon, row.color ? new vscode.ThemeColor(row.color) : undefined);
    item.accessibilityInformation = { label: `${row.label}, ${row.description}` };
    if (row.kind === 'problem' && row.configPath) {
      item.command = {
        command: 'vscode.open',
        title: 'Open Config File',
        arguments: [vscode.Uri.file(row.configPath)],
      };
    }
    return item;
  }

  dispose(): void {
    clearInterval(this.#ticker);
    this.#view.dispose();
    this.#changes.dispose();
  }
}
