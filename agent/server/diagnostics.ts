// Turns scanner findings into LSP diagnostics, re-scanning only the document that changed and only
// once the user pauses typing.
import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { LiveTokenIndex } from '../lint/liveTokens';
import { ruleDocsUrl } from '../lint/rules';
import { type Finding, scanText } from '../lint/scanner';

export const diagnosticSource = 'token-agent';

/** What a diagnostic carries for code actions: never the value, only what names it. */
export interface DiagnosticData {
  rule: string;
  masked: string;
}

const diagnosticSeverity = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
} as const;

export function toDiagnostic(document: TextDocument, finding: Finding): Diagnostic {
  const data: DiagnosticData = { rule: finding.rule, masked: finding.masked };
  const href = ruleDocsUrl(finding.rule);
  return {
    range: { start: document.positionAt(finding.start), end: document.positionAt(finding.end) },
    severity: diagnosticSeverity[finding.severity],
    source: diagnosticSource,
    code: finding.rule,
    ...(href !== undefined ? { codeDescription: { href } } : {}),
    message: `${finding.message} (${finding.masked})`,
    data,
  };
}

/** The file path of a `file:` URI, for the scanner's path filters; undefined for other schemes. */
export function uriPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return uri.replace(/^[a-z-]+:/, '');
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return undefined;
  }
}

export function scanDocument(document: TextDocument, liveTokens?: LiveTokenIndex): Finding[] {
  const path = uriPath(document.uri);
  return scanText(document.getText(), {
    ...(path !== undefined ? { path } : {}),
    ...(liveTokens ? { liveTokens } : {}),
  });
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
