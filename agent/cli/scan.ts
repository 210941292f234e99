// `token-agent scan [PATH…] [--format text|json|sarif]`: the leak lint for CI and git hooks.
// Walks directories honouring .gitignore and .tokenagentignore, skips binary, minified and large
// files, reads stdin with `-` (a unified diff is read as the lines it adds). Exit 0 when clean, 1 on
// findings, 2 on usage or I/O errors. Results go to stdout; progress and problems to stderr.
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { text as readAll } from 'node:stream/consumers';
import { BaselineError } from '../lint/baseline';
import {
  describeIoError,
  IgnoreRules,
  readScannable,
  type ScannableFile,
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
import { scanHistory } from './scanGit';
import { JsonReport, type ReportWriter, reportSkipped, TextReport } from './scanOutput';
import { ScanPool, ScanWorkerError, type ScanWorkers, scanWorkers } from './scanPool';
import { reportBatch, ScanRecorder } from './scanRecorder';
import { SarifReport } from './scanSarif';
import { OutputSink, type OutputTarget } from './scanSink';
import type { FileOutcome } from './scanWorkerProtocol';

export { parseScanArgs, type ScanCommand, type ScanFormat, scanFormats, scanUsage } from './scanArgs';
export { type ScanWorkers, scanWorkers } from './scanPool';

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
  const out = new ScanRecorder(io.stderr, baseline, writer, sink);
  const run = new ScanRun(io, command.maxFileBytes, baseline, out);
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
  out.finishProgress();
  const report = baseline?.report();
  writer.end({ skipped: out.skipped, ...(report ? { baseline: report } : {}) });
  await sink.end();
  reportSkipped(io.stderr, out.skipped, command.verbose);
  if (report) reportBaseline(io, report, command.verbose);
  const written = await writeBaseline(io, baseline);
  if (out.errors > 0 || written === false) return 2;
  // Writing a baseline accepts what was found: the run that records findings succeeds.
  if (written) return 0;
  return out.found > 0 ? 1 : 0;
}

class ScanRun {
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
    /** What the run found and said: findings, counts, progress, errors, skipped files. */
    readonly out: ScanRecorder,
  ) {
    this.#rules = new IgnoreRules(io.cwd);
    this.#workers = { ...(io.workers ?? scanWorkers()) };
  }

  async close(): Promise<void> {
    await this.#pool?.close();
    this.#pool = undefined;
  }

  async scanPath(path: string): Promise<void> {
    const absolute = resolve(this.io.cwd, path);
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(absolute);
    } catch (error) {
      this.out.error(path, error);
      return;
    }
    if (stats.isDirectory()) {
      const walk = this.#rules.walk(absolute, (dir, error) => this.out.error(this.#display(dir), error));
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

  async scanStdin(): Promise<void> {
    let input: string;
    try {
      input = await readAll(this.io.stdin);
    } catch (error) {
      this.out.error('-', error);
      return;
    }
    if (!looksLikeDiff(input)) {
      this.out.record('-', scanText(stripBom(input), this.#scanOptions()));
      await this.out.flush();
      return;
    }
    this.#diffRoot ??= repositoryRoot(this.io.cwd);
    for (const file of parseUnifiedDiff(input)) {
      if (this.#rules.excludesNamedFile(file.path)) continue;
      const findings = this.#scanAdded(file);
      this.out.record(file.path, findings, { text: file.text, absolute: resolve(this.#diffRoot, file.path) });
      await this.out.flush();
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
          this.out.scanned(file.text.length);
          const source = { text: file.text, absolute: resolve(root, file.path) };
          this.out.record(file.path, this.#scanAdded(file), source, file.commit);
        },
        binary: (path, commit) => {
          if (rules.excludesNamedFile(path)) return;
          if (isKeystore(path))
            this.out.record(
              path,
              // git prints no size for a binary file; the commit is what matters here.
              [{ ...keystoreFinding(path, 0), message: `Keystore file '${basename(path)}' committed` }],
              { text: '', absolute: resolve(root, path) },
              commit,
            );
          else
            this.out.skipped.push({ path: `${commit.sha.slice(0, 12)}:${path}`, reason: 'binary', bytes: 0 });
        },
        // Between chunks of `git log` output: what one chunk's files found is written before the next.
        chunkDone: () => this.out.flush(),
      });
    } catch (error) {
      this.out.error(`git log ${range ?? '--all'}`, error);
    }
    // The last file's findings (the parser ends it after the last chunk).
    await this.out.flush();
  }

  /** Scans added lines and gives each finding its line in the file. */
  #scanAdded(file: AddedFile): Finding[] {
    return scanText(file.text, { ...this.#scanOptions(), path: file.path }).map((f) => ({
      ...f,
      line: file.lineNumbers[f.line - 1] ?? f.line,
      endLine: file.lineNumbers[f.endLine - 1] ?? f.endLine,
    }));
  }

  /**
   * Whether the workers take the rest of the walk. They are started at a quarter of `minBytes`, so
   * that they load while this thread goes on scanning, and take over at `minBytes`.
   */
  #startPool(): boolean {
    const { threads, minBytes, file } = this.#workers;
    if (threads <= 1 || this.out.bytes < minBytes / 4) return false;
    if (this.#pool) return this.out.bytes >= minBytes;
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
    return this.out.bytes >= minBytes;
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
          this.out.record(shown, event.findings, source);
          await this.out.flush();
          // Counted as they are written: a file of a million keys arrives as thousands of batches.
          this.out.fileDone(found);
          found = 0;
          continue;
        }
        if (this.#outcome(shown, absolute, event.outcome)) {
          this.out.scanned(event.outcome.bytes);
          this.out.record(shown, event.findings, source);
          this.out.fileDone(found);
        }
        found = 0;
        await this.out.flush();
      }
    } catch (error) {
      // What the failed worker held is unknown: the scan says so and fails, rather than pass on less.
      await this.close();
      this.#workers.threads = 0;
      this.out.error(path, error instanceof ScanWorkerError ? error.message : error);
    }
  }

  /** Reports a file that is not text (error, skipped, keystore); returns whether it is text. */
  #outcome(shown: string, absolute: string, file: FileOutcome): file is { kind: 'text'; bytes: number } {
    if (file.kind === 'error') this.out.error(shown, file.message);
    if (file.kind === 'skipped')
      this.out.skipped.push({ path: shown, reason: file.reason, bytes: file.bytes });
    if (file.kind === 'keystore')
      this.out.record(shown, [keystoreFinding(shown, file.bytes)], { text: '', absolute });
    return file.kind === 'text';
  }

  async #scanFile(path: string, knownSize?: number): Promise<void> {
    const shown = this.#display(path);
    const file = readScannable(path, this.maxFileBytes, knownSize, windowedFromBytes);
    const outcome = fileOutcome(file);
    if (!this.#outcome(shown, path, outcome) || (file.kind !== 'text' && file.kind !== 'large')) {
      await this.out.flush();
      return;
    }
    this.out.scanned(file.bytes);
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
        this.out.record(shown, batch, source);
        batch = [];
        await this.out.flush();
      }
      source = { text: window.text, absolute: path };
      for (const finding of window.findings) {
        found++;
        if (batch.push(finding) < reportBatch) continue;
        this.out.record(shown, batch, source);
        batch = [];
        await this.out.flush();
      }
    }
    // Always once, even with nothing found: the baseline counts the file as scanned.
    this.out.record(shown, batch, source);
    await this.out.flush();
    this.out.fileDone(found);
  }

  #scanOptions(): { now?: number } {
    return this.io.now === undefined ? {} : { now: this.io.now };
  }

  #display(path: string): string {
    return this.#rules.relative(path) ?? path;
  }
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
