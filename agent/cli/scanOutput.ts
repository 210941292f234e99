// The output formats of `token-agent scan`: text for people, JSON for tools (SARIF 2.1.0 for
// code-scanning dashboards is in scanSarif.ts). Written as the scan goes, through an OutputSink;
// never the values, only their masks.
import type { SkipReason } from '../lint/fileWalk';
import type { Severity } from '../lint/rules';
import type { Finding } from '../lint/scanner';
import type { BaselineReport } from './scanBaseline';
import type { CommitInfo } from './scanGit';
import { type OutputSink, StreamedArray, streamedItems } from './scanSink';

/** A file the scan did not read, and why (binary, over the size limit). */
export interface SkippedFile {
  path: string;
  reason: SkipReason;
  bytes: number;
}

/** `3 files not scanned: binary 2, too-large 1`. */
export function skipSummary(skipped: readonly SkippedFile[]): string {
  const counts = new Map<string, number>();
  for (const file of skipped) counts.set(file.reason, (counts.get(file.reason) ?? 0) + 1);
  const parts = [...counts].map(([reason, n]) => `${reason} ${n}`);
  const files = skipped.length === 1 ? 'file' : 'files';
  return `${skipped.length} ${files} not scanned: ${parts.join(', ')}`;
}

/**
 * `3 findings (1 info)`: every finding listed, with how many of them are info, so that the count
 * and the exit status (which ignores info findings) never seem to disagree.
 */
export function findingsCount(failing: number, info: number): string {
  const total = failing + info;
  return `${total} ${total === 1 ? 'finding' : 'findings'}${info > 0 ? ` (${info} info)` : ''}`;
}

export interface FileFindings {
  /** As shown: relative to the working directory with `/` separators, or `-` for stdin. */
  path: string;
  findings: Finding[];
  /** For `--git`: the commit that added the lines, and its author date. */
  commit?: CommitInfo;
}

/**
 * A report written as the scan goes: the envelope's head first, then each file's findings as the
 * walk reaches them (in the walk's order; nothing is sorted across files), then the tail with what
 * only the end knows (skipped files, the baseline's report). Memory is one file's findings.
 */
export interface ReportWriter {
  file(result: FileFindings): void;
  end(summary: ReportSummary): void;
}

export interface ReportSummary {
  skipped: readonly SkippedFile[];
  baseline?: BaselineReport;
}

/** `path:line:column  rule  masked  message`, one line per finding. */
export class TextReport implements ReportWriter {
  constructor(readonly sink: OutputSink) {}

  file({ path, findings, commit }: FileFindings): void {
    // History findings read like git's `rev:path` notation, with the author date at the end.
    const where = commit ? `${commit.sha.slice(0, 12)}:${path}` : path;
    const when = commit ? `  (${commit.date})` : '';
    for (const f of findings)
      this.sink.write(`${where}:${f.line}:${f.column}  ${f.rule}  ${f.masked}  ${f.message}${when}\n`);
  }

  end(): void {}
}

export interface JsonFinding {
  path: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  rule: string;
  severity: Severity;
  message: string;
  masked: string;
  commit?: string;
  authorDate?: string;
}

/** `{ findings, skipped, baseline? }`, printed as JSON.stringify(…, null, 2) would print it whole. */
export class JsonReport implements ReportWriter {
  readonly #findings: StreamedArray;

  constructor(sink: OutputSink) {
    this.#findings = new StreamedArray(sink, jsonEnvelope({ skipped: [] }));
  }

  file({ path, findings, commit }: FileFindings): void {
    for (const f of findings) {
      const finding: JsonFinding = {
        path,
        line: f.line,
        column: f.column,
        endLine: f.endLine,
        endColumn: f.endColumn,
        rule: f.rule,
        severity: f.severity,
        message: f.message,
        masked: f.masked,
        ...(commit ? { commit: commit.sha, authorDate: commit.date } : {}),
      };
      this.#findings.item(finding);
    }
  }

  end(summary: ReportSummary): void {
    this.#findings.end(jsonEnvelope(summary));
  }
}

function jsonEnvelope({ skipped, baseline }: ReportSummary): object {
  // The baseline's entries carry no values, only salted hashes; stale ones are listed whole.
  return { findings: streamedItems, skipped, ...(baseline ? { baseline } : {}) };
}

/**
 * Nothing is skipped in silence: a count by reason on stderr, and with --verbose one line per file
 * with what to do about it.
 */
export function reportSkipped(
  stderr: { write(text: string): unknown },
  skipped: readonly SkippedFile[],
  verbose: boolean,
): void {
  if (skipped.length === 0) return;
  if (verbose) {
    for (const file of skipped)
      stderr.write(`token-agent scan: not scanned: ${file.path} (${skipHint(file.reason)})\n`);
  }
  const hint = verbose ? '' : '; --verbose lists them';
  stderr.write(`token-agent scan: ${skipSummary(skipped)}${hint}\n`);
}

function skipHint(reason: SkipReason): string {
  return reason === 'too-large' ? 'over the size limit; raise --max-file-size to scan it' : 'binary';
}
