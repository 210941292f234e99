// `token-agent scan [PATH…] [--format text|json|sarif]`: the leak lint for CI and git hooks.
// Walks directories honouring .gitignore and .tokenagentignore, skips binary, minified and large
// files, reads stdin with `-` (a unified diff is read as the lines it adds). Exit 0 when clean, 1 on
// findings, 2 on usage or I/O errors. Results go to stdout; progress and problems to stderr.
import { statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { text as readAll } from 'node:stream/consumers';
import { BaselineError } from '../lint/baseline';
import {
  describeIoError,
  IgnoreRules,
  readScannable,
  type ScannableFile,
  type SkipReason,
  stripBom,
  type WalkedFile,
} from '../lint/fileWalk';
import { keystoreFinding } from '../lint/keystore';
import { windowedFromBytes, windowsOf } from '../lint/largeFile';
import { isKeystore } from '../lint/pathFilters';
import { type Finding, scanText } from '../lint/scanner';
import { agentVersion } from '../version';
import { parseScanArgs, type ScanCommand, scanUsage } from './scanArgs';
import { BaselineSession, reportBaseline, repositoryRoot, writeBaseline } from './scanBaseline';
import { type AddedFile, looksLikeDiff, parseUnifiedDiff } from './scanDiff';
import { type CommitInfo, scanHistory } from './scanGit';
import { MemoryGuard } from './scanMemory';
import {
  type FileFindings,
  findingsCount,
  JsonReport,
  type ReportWriter,
  type SkippedFile,
  skipSummary,
  TextReport,
} from './scanOutput';
import { ScanPool, ScanWorkerError, scanThreads } from './scanPool';
import { SarifReport } from './scanSarif';
import { OutputSink, type OutputTarget } from './scanSink';
import type { FileOutcome } from './scanWorkerProtocol';

export { parseScanArgs, type ScanCommand, type ScanFormat, scanFormats, scanUsage } from './scanArgs';

export interface ScanIo {
  /** The report; written as the scan goes, honouring backpressure when the target is a stream. */
  stdout: OutputTarget;
  stderr: { write(text: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  cwd: string;
  /** The clock, for JWT expiry. */
  now?: number;
  /** Worker threads for directory scans (default: scanWorkers()). */
  workers?: ScanWorkers;
}

export interface ScanWorkers {
  /** 0 or 1: every file in the main thread. */
  threads: number;
  /** Text bytes a walk scans in the main thread before it starts the workers. */
  minBytes: number;
  /** The worker's script (tests name another to make one fail). */
  file: string;
}

/**
 * Starting a worker costs ~40 ms of a core (loading the rules); one thread scans ~100 MB/s, so a tree
 * under this many bytes is done before workers would help. Measured: see `npm run bench:scan`.
 */
const workerMinBytes = 8 * 1024 * 1024;

/**
 * The defaults, which TOKEN_AGENT_SCAN_THREADS (a count; 1 forces one thread, for benchmarks) and
 * TOKEN_AGENT_SCAN_WORKER_MIN_BYTES change. The worker is its own bundle beside this one
 * (dist/scan-worker.js), or the TypeScript file when the sources run under tsx.
 */
export function scanWorkers(env: NodeJS.ProcessEnv = process.env): ScanWorkers {
  const minBytes = Number(env.TOKEN_AGENT_SCAN_WORKER_MIN_BYTES);
  return {
    threads: scanThreads(env),
    minBytes: Number.isInteger(minBytes) && minBytes >= 0 ? minBytes : workerMinBytes,
    file: __filename.endsWith('.ts') ? join(__dirname, 'scanWorker.ts') : join(__dirname, 'scan-worker.js'),
  };
}

const defaultIo = (): ScanIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  cwd: process.cwd(),
});

export async function runScan(command: ScanCommand, io: ScanIo = defaultIo()): Promise<number> {
  if (command.kind === 'scan-help') {
    io.stdout.write(scanUsage);
    return 0;
  }
  if (command.kind === 'usage-error') {
    io.stderr.write(`token-agent scan: ${command.message}\n`);
    return 2;
  }
  let baseline: BaselineSession | undefined;
  try {
    baseline = BaselineSession.open(command, io.cwd);
  } catch (error) {
    if (!(error instanceof BaselineError)) throw error;
    io.stderr.write(`token-agent scan: ${error.message}\n`);
    return 2;
  }
  const sink = new OutputSink(io.stdout);
  const writer: ReportWriter =
    command.format === 'json'
      ? new JsonReport(sink)
      : command.format === 'sarif'
        ? new SarifReport(sink, agentVersion, baseline?.checks === true)
        : new TextReport(sink);
  const run = new ScanRun(io, command.maxFileBytes, baseline, writer, sink);
  try {
    if (command.git) await run.scanHistory(command.git.range);
    else
      for (const path of command.paths) {
        if (path === '-') await run.scanStdin();
        else await run.scanPath(path);
      }
  } finally {
    await run.close();
  }
  run.finishProgress();
  const report = baseline?.report();
  writer.end({ skipped: run.skipped, ...(report ? { baseline: report } : {}) });
  await sink.end();
  reportSkipped(io, run.skipped, command.verbose);
  if (report) reportBaseline(io, report, command.verbose);
  const written = await writeBaseline(io, baseline);
  if (run.errors > 0 || written === false) return 2;
  // Writing a baseline accepts what was found: the run that records findings succeeds.
  if (written) return 0;
  return run.found > 0 ? 1 : 0;
}

/** Findings handed to the report at a time, between waits for a full pipe to drain. */
const reportBatch = 512;

class ScanRun {
  readonly skipped: SkippedFile[] = [];
  /** Findings recorded and not yet written: one file's, or one chunk of `git log` output's. */
  #pending: FileFindings[] = [];
  readonly #memory = new MemoryGuard();
  errors = 0;
  #files = 0;
  #bytes = 0;
  /** Findings that fail the scan: every severity but info. */
  #findings = 0;
  /** Info findings (published keys, checksum-failing look-alikes): listed, but the exit code ignores them. */
  #infos = 0;
  readonly #started = Date.now();
  #lastProgress = 0;
  #progressShown = false;
  readonly #rules: IgnoreRules;

  /** Where the paths of a unified diff on stdin are relative to (git prints them from the top level). */
  #diffRoot: string | undefined;

  readonly #workers: ScanWorkers;
  /** Started once a walk has scanned a quarter of `minBytes` in this thread; undefined before (or never). */
  #pool: ScanPool | undefined;

  constructor(
    readonly io: ScanIo,
    readonly maxFileBytes: number,
    readonly baseline: BaselineSession | undefined,
    readonly writer: ReportWriter,
    readonly sink: OutputSink,
  ) {
    this.#rules = new IgnoreRules(io.cwd);
    this.#workers = { ...(io.workers ?? scanWorkers()) };
  }

  async close(): Promise<void> {
    await this.#pool?.close();
    this.#pool = undefined;
  }

  /** Findings reported (after the baseline). */
  get found(): number {
    return this.#findings;
  }

  async scanPath(path: string): Promise<void> {
    const absolute = resolve(this.io.cwd, path);
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(absolute);
    } catch (error) {
      this.#error(path, error);
      return;
    }
    if (stats.isDirectory()) {
      const walk = this.#rules.walk(absolute, (dir, error) => this.#error(this.#display(dir), error));
      for (let step = walk.next(); !step.done; step = walk.next()) {
        await this.#scanFile(step.value.path);
        // A small tree never pays for starting workers; a large one hands them the rest of the walk.
        if (this.#startPool()) return this.#scanWithPool(path, walk);
      }
      return;
    }
    const rel = this.#rules.relative(absolute);
    if (rel !== undefined && this.#rules.excludesNamedFile(rel)) return;
    await this.#scanFile(absolute, stats.size);
  }

  /**
   * Writes the findings recorded so far, a batch at a time, waiting whenever stdout is full: a slow
   * reader holds the scan back instead of the output piling up in memory.
   */
  async #flush(): Promise<void> {
    const pending = this.#pending;
    this.#pending = [];
    for (const { findings, ...where } of pending)
      for (let i = 0; i < findings.length; i += reportBatch) {
        this.writer.file({ ...where, findings: findings.slice(i, i + reportBatch) });
        if (this.sink.pressured) await this.sink.settle();
      }
  }

  async scanStdin(): Promise<void> {
    let input: string;
    try {
      input = await readAll(this.io.stdin);
    } catch (error) {
      this.#error('-', error);
      return;
    }
    if (!looksLikeDiff(input)) {
      this.#record('-', scanText(stripBom(input), this.#scanOptions()));
      await this.#flush();
      return;
    }
    this.#diffRoot ??= repositoryRoot(this.io.cwd);
    for (const file of parseUnifiedDiff(input)) {
      if (this.#rules.excludesNamedFile(file.path)) continue;
      const findings = this.#scanAdded(file);
      this.#record(file.path, findings, { text: file.text, absolute: resolve(this.#diffRoot, file.path) });
      await this.#flush();
    }
  }

  /** The lines commits added, streamed from `git log -p`; paths are relative to the repository root. */
  async scanHistory(range: string | undefined): Promise<void> {
    const root = repositoryRoot(this.io.cwd);
    const rules = new IgnoreRules(root);
    try {
      await scanHistory(this.io.cwd, range, {
        file: (file) => {
          if (rules.excludesNamedFile(file.path)) return;
          this.#files++;
          this.#bytes += file.text.length;
          const source = { text: file.text, absolute: resolve(root, file.path) };
          this.#record(file.path, this.#scanAdded(file), source, file.commit);
        },
        binary: (path, commit) => {
          if (rules.excludesNamedFile(path)) return;
          if (isKeystore(path))
            this.#record(
              path,
              // git prints no size for a binary file; the commit is what matters here.
              [{ ...keystoreFinding(path, 0), message: `Keystore file '${basename(path)}' committed` }],
              { text: '', absolute: resolve(root, path) },
              commit,
            );
          else this.skipped.push({ path: `${commit.sha.slice(0, 12)}:${path}`, reason: 'binary', bytes: 0 });
        },
        // Between chunks of `git log` output: what one chunk's files found is written before the next.
        chunkDone: () => this.#flush(),
      });
    } catch (error) {
      this.#error(`git log ${range ?? '--all'}`, error);
    }
    // The last file's findings (the parser ends it after the last chunk).
    await this.#flush();
  }

  /** Scans added lines and gives each finding its line in the file. */
  #scanAdded(file: AddedFile): Finding[] {
    return scanText(file.text, { ...this.#scanOptions(), path: file.path }).map((f) => ({
      ...f,
      line: file.lineNumbers[f.line - 1] ?? f.line,
      endLine: file.lineNumbers[f.endLine - 1] ?? f.endLine,
    }));
  }

  finishProgress(): void {
    if (this.#progressShown) this.io.stderr.write('\r\x1b[K');
  }

  /**
   * Whether the workers take the rest of the walk. They are started at a quarter of `minBytes`, so
   * that they load while this thread goes on scanning, and take over at `minBytes`.
   */
  #startPool(): boolean {
    const { threads, minBytes, file } = this.#workers;
    if (threads <= 1 || this.#bytes < minBytes / 4) return false;
    if (this.#pool) return this.#bytes >= minBytes;
    const now = this.io.now;
    this.#pool = new ScanPool({
      threads,
      workerFile: file,
      settings: {
        maxFileBytes: this.maxFileBytes,
        ...(now === undefined ? {} : { now }),
        values: this.baseline !== undefined,
        batch: reportBatch,
      },
    });
    return this.#bytes >= minBytes;
  }

  /** The rest of a walk, scanned by the workers and written in walk order as it comes back. */
  async #scanWithPool(path: string, walk: Iterator<WalkedFile>): Promise<void> {
    const pool = this.#pool as ScanPool;
    let found = 0;
    try {
      for await (const event of pool.scan(walk)) {
        const absolute = event.path;
        const shown = this.#display(absolute);
        const source = { text: event.values ?? [], absolute };
        found += event.findings.length;
        if (event.type === 'batch') {
          this.#record(shown, event.findings, source);
          await this.#flush();
          // Counted as they are written: a file of a million keys arrives as thousands of batches.
          this.#memory.fileDone(found);
          found = 0;
          continue;
        }
        if (this.#outcome(shown, absolute, event.outcome)) {
          this.#files++;
          this.#bytes += event.outcome.bytes;
          this.#record(shown, event.findings, source);
          this.#memory.fileDone(found);
        }
        found = 0;
        await this.#flush();
      }
    } catch (error) {
      // What the failed worker held is unknown: the scan says so and fails, rather than pass on less.
      await this.close();
      this.#workers.threads = 0;
      this.#error(path, error instanceof ScanWorkerError ? error.message : error);
    }
  }

  /** Reports a file that is not text (error, skipped, keystore); returns whether it is text. */
  #outcome(shown: string, absolute: string, file: FileOutcome): file is { kind: 'text'; bytes: number } {
    if (file.kind === 'error') this.#error(shown, file.message);
    if (file.kind === 'skipped') this.skipped.push({ path: shown, reason: file.reason, bytes: file.bytes });
    if (file.kind === 'keystore')
      this.#record(shown, [keystoreFinding(shown, file.bytes)], { text: '', absolute });
    return file.kind === 'text';
  }

  async #scanFile(path: string, knownSize?: number): Promise<void> {
    const shown = this.#display(path);
    const file = readScannable(path, this.maxFileBytes, knownSize, windowedFromBytes);
    const outcome = fileOutcome(file);
    if (!this.#outcome(shown, path, outcome) || (file.kind !== 'text' && file.kind !== 'large')) {
      await this.#flush();
      return;
    }
    this.#files++;
    this.#bytes += file.bytes;
    const options = { ...this.#scanOptions(), path };
    // A file past windowedFromBytes is read and scanned a window at a time, never held whole.
    const windows = windowsOf(file, path, options);
    // Written a batch at a time as positions are computed: a file of a million keys never has a
    // million findings in memory at once.
    let batch: Finding[] = [];
    let found = 0;
    let source = { text: '', absolute: path };
    for (const window of windows) {
      if (batch.length > 0) {
        this.#record(shown, batch, source);
        batch = [];
        await this.#flush();
      }
      source = { text: window.text, absolute: path };
      for (const finding of window.findings) {
        found++;
        if (batch.push(finding) < reportBatch) continue;
        this.#record(shown, batch, source);
        batch = [];
        await this.#flush();
      }
    }
    // Always once, even with nothing found: the baseline counts the file as scanned.
    this.#record(shown, batch, source);
    await this.#flush();
    this.#memory.fileDone(found);
  }

  #scanOptions(): { now?: number } {
    return this.io.now === undefined ? {} : { now: this.io.now };
  }

  /** `source` is what the findings' offsets point into, for the baseline; stdin text has none. */
  #record(
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

  /** A progress line on a terminal, at most five times a second, once a scan takes a while. */
  #progress(): void {
    if (!this.io.stderr.isTTY) return;
    const now = Date.now();
    if (now - this.#started < 500 || now - this.#lastProgress < 200) return;
    this.#lastProgress = now;
    this.#progressShown = true;
    const mb = (this.#bytes / 1_048_576).toFixed(1);
    this.io.stderr.write(
      `\r\x1b[Ktoken-agent scan: ${this.#files} files, ${mb} MB, ${findingsCount(this.#findings, this.#infos)}…`,
    );
  }

  /** `error` is an exception, or already one line (what a worker read). */
  #error(path: string, error: unknown): void {
    this.errors++;
    this.finishProgress();
    const message = typeof error === 'string' ? error : describeIoError(error);
    this.io.stderr.write(`token-agent scan: ${path}: ${message}\n`);
  }

  #display(path: string): string {
    return this.#rules.relative(path) ?? path;
  }
}

/**
 * Nothing is skipped in silence: a count by reason on stderr, and with --verbose one line per file
 * with what to do about it.
 */
function reportSkipped(io: ScanIo, skipped: readonly SkippedFile[], verbose: boolean): void {
  if (skipped.length === 0) return;
  if (verbose) {
    for (const file of skipped)
      io.stderr.write(`token-agent scan: not scanned: ${file.path} (${skipHint(file.reason)})\n`);
  }
  const hint = verbose ? '' : '; --verbose lists them';
  io.stderr.write(`token-agent scan: ${skipSummary(skipped)}${hint}\n`);
}

function skipHint(reason: SkipReason): string {
  return reason === 'too-large' ? 'over the size limit; raise --max-file-size to scan it' : 'binary';
}

/** The entry point the `scan` command calls with the arguments after `scan`. */
export async function scanMain(argv: readonly string[], io: ScanIo = defaultIo()): Promise<number> {
  return runScan(parseScanArgs(argv), io);
}

/** What the report counts of a file read for scanning: a windowed file is text, read in parts. */
function fileOutcome(file: ScannableFile): FileOutcome {
  if (file.kind === 'error') return { kind: 'error', message: describeIoError(file.error) };
  if (file.kind === 'text' || file.kind === 'large') return { kind: 'text', bytes: file.bytes };
  return file;
}
