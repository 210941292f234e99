// Turns scanner findings into LSP diagnostics, re-scanning only the document that changed and only
// once the user pauses typing.
import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { findJwtLiterals } from '../lint/jwtLiteral';

export const diagnosticSource = 'token-agent';

export function diagnose(document: TextDocument): Diagnostic[] {
  return findJwtLiterals(document.getText()).map((finding) => ({
    range: { start: document.positionAt(finding.start), end: document.positionAt(finding.end) },
    severity: DiagnosticSeverity.Warning,
    source: diagnosticSource,
    code: finding.rule,
    message: finding.message,
  }));
}

/** Runs `task(key)` once `delayMs` after the last `schedule(key)` for that key. */
export class Debouncer {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  constructor(
    readonly delayMs: number,
    readonly task: (key: string) => void,
  ) {}

  schedule(key: string): void {
    clearTimeout(this.#timers.get(key));
    this.#timers.set(
      key,
      setTimeout(() => {
        this.#timers.delete(key);
        this.task(key);
      }, this.delayMs),
    );
  }

  cancel(key: string): void {
    clearTimeout(this.#timers.get(key));
    this.#timers.delete(key);
  }

  dispose(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
