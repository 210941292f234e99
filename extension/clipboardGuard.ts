import * as vscode from 'vscode';

/**
 * Clears a copied token from the clipboard after a while, but only if the clipboard still holds it:
 * whatever the user copied since is left alone.
 */
export class ClipboardGuard implements vscode.Disposable {
  readonly #timers = new Set<NodeJS.Timeout>();
  #pending: string | undefined;

  clearLater(value: string, afterSeconds: number): void {
    // 0 means never: not even when the window closes.
    if (afterSeconds <= 0) return;
    this.#pending = value;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#clearIfStill(value);
    }, afterSeconds * 1000);
    this.#timers.add(timer);
  }

  async #clearIfStill(value: string): Promise<void> {
    if ((await vscode.env.clipboard.readText()) === value) await vscode.env.clipboard.writeText('');
    if (this.#pending === value) this.#pending = undefined;
  }

  dispose(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    // Leaving the window must not leave a live token behind on the clipboard.
    if (this.#pending) void this.#clearIfStill(this.#pending);
  }
}
