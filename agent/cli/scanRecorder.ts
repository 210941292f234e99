// What a `token-agent scan` run has found and said so far (scan.ts reads; this records): findings
// filtered by the baseline and written to the report a batch at a time, the counts that decide the
// exit code, the progress line on a terminal, read errors, skipped files. One owner for the output
// side, whatever the input (a tree, stdin, a diff, git history, worker threads).
import { describeIoError } from '../lint/fileWalk';
import type { Finding } from '../lint/scanner';
import type { BaselineSession } from './scanBaseline';
import type { CommitInfo } from './scanGit';
import { MemoryGuard } from './scanMemory';
import { type FileFindings, findingsCount, type ReportWriter, type SkippedFile } from './scanOutput';
import type { OutputSink } from './scanSink';

/** Findings handed to the report at a time, between waits for a full pipe to drain. */
export const reportBatch = 512;

export class ScanRecorder {
  readonly skipped: SkippedFile[] = [];
  errors = 0;
  /** Findings recorded and not yet written: one file's, or one chunk of `git log` output's. */
  #pending: FileFindings[] = [];
  readonly #memory = new MemoryGuard();
  #files = 0;
  #bytes = 0;
  /** Findings that fail the scan: every severity but info. */
  #findings = 0;
  /** Info findings (published keys, checksum-failing look-alikes): listed, but the exit code ignores them. */
  #infos = 0;
  readonly #started = Date.now();
  #lastProgress = 0;
  #progressShown = false;

  constructor(
    readonly stderr: { write(text: string): unknown; isTTY?: boolean },
    readonly baseline: BaselineSession | undefined,
    readonly writer: ReportWriter,
    readonly sink: OutputSink,
  ) {}

  /** Findings reported (after the baseline) that fail the scan. */
  get found(): number {
    return this.#findings;
  }

  /** Text bytes scanned so far (a walk starts its workers past a threshold). */
  get bytes(): number {
    return this.#bytes;
  }

  /** A text file (or a commit's added lines) read for scanning. */
  scanned(bytes: number): void {
    this.#files++;
    this.#bytes += bytes;
  }

  /** After each file: `found` findings made since the last call (see MemoryGuard). */
  fileDone(found: number): void {
    this.#memory.fileDone(found);
  }

  /** `source` is what the findings' offsets point into, for the baseline; stdin text has none. */
  record(
    path: string,
    all: Finding[],
    /** The text the findings' offsets point into, or each finding's value (from a worker). */
    source?: { text: string | readonly string[]; absolute: string },
    commit?: CommitInfo,
  ): void {
    const findings = this.baseline && source ? this.baseline.filter(source.absolute, all, source.text) : all;
    // Info findings are listed but do not fail the scan.
    for (const finding of findings) {
      if (finding.severity === 'info') this.#infos++;
      else this.#findings++;
    }
    if (findings.length > 0) this.#pending.push({ path, findings, ...(commit ? { commit } : {}) });
    this.#progress();
  }

  /**
   * Writes the findings recorded so far, a batch at a time, waiting whenever stdout is full: a slow
   * reader holds the scan back instead of the output piling up in memory.
   */
  async flush(): Promise<void> {
    const pending = this.#pending;
    this.#pending = [];
    for (const { findings, ...where } of pending)
      for (let i = 0; i < findings.length; i += reportBatch) {
        this.writer.file({ ...where, findings: findings.slice(i, i + reportBatch) });
        if (this.sink.pressured) await this.sink.settle();
      }
  }

  /** `error` is an exception, or already one line (what a worker read). */
  error(path: string, error: unknown): void {
    this.errors++;
    this.finishProgress();
    const message = typeof error === 'string' ? error : describeIoError(error);
    this.stderr.write(`token-agent scan: ${path}: ${message}\n`);
  }

  finishProgress(): void {
    if (this.#progressShown) this.stderr.write('\r\x1b[K');
  }

  /** A progress line on a terminal, at most five times a second, once a scan takes a while. */
  #progress(): void {
    if (!this.stderr.isTTY) return;
    const now = Date.now();
    if (now - this.#started < 500 || now - this.#lastProgress < 200) return;
    this.#lastProgress = now;
    this.#progressShown = true;
    const mb = (this.#bytes / 1_048_576).toFixed(1);
    this.stderr.write(
      `\r\x1b[Ktoken-agent scan: ${this.#files} files, ${mb} MB, ${findingsCount(this.#findings, this.#infos)}…`,
    );
  }
}
