// `token-agent scan [PATH…] [--format text|json|sarif]`: the leak lint for CI and git hooks.
// Walks directories honouring .gitignore and .tokenagentignore, skips binary, minified and large
// files, reads stdin with `-` (a unified diff is read as the lines it adds). Exit 0 when clean, 1 on
// findings, 2 on usage or I/O errors. Results go to stdout; progress and problems to stderr.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { text as readAll } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { BaselineError, defaultBaselineName } from '../lint/baseline';
import {
  defaultMaxFileBytes,
  describeIoError,
  IgnoreRules,
  readScannable,
  type SkipReason,
  stripBom,
} from '../lint/fileWalk';
import { keystoreFinding } from '../lint/keystore';
import { type Finding, scanText } from '../lint/scanner';
import { agentVersion } from '../version';
import { type BaselineOptions, type BaselineReport, BaselineSession, repositoryRoot } from './scanBaseline';
import { looksLikeDiff, parseUnifiedDiff } from './scanDiff';
import {
  type FileFindings,
  formatJson,
  formatSarif,
  formatText,
  type SkippedFile,
  skipSummary,
} from './scanOutput';

export const scanFormats = ['text', 'json', 'sarif'] as const;
export type ScanFormat = (typeof scanFormats)[number];

export type ScanCommand =
  | ({
      kind: 'scan';
      paths: string[];
      format: ScanFormat;
      maxFileBytes: number;
      verbose: boolean;
    } & BaselineOptions)
  | { kind: 'scan-help' }
  | { kind: 'usage-error'; message: string };

export const scanUsage = `Usage: token-agent scan [PATH…] [--format text|json|sarif] [--max-file-size BYTES] [--verbose]
                         [--baseline FILE | --no-baseline] [--write-baseline FILE]

Finds hard-coded tokens, keys and passwords. PATH is a file or a directory (default: .); \`-\` reads
stdin, and a unified diff on stdin (\`git diff --cached | token-agent scan -\`) is scanned as the lines
it adds. Directories are walked honouring .gitignore (except for files git tracks) and
.tokenagentignore. Minified bundles get the provider formats only; keystores (.p12, .jks…) are
reported by name; binary and larger-than-limit files are skipped, counted on stderr (listed with
--verbose) and listed in the JSON and SARIF output. Suppress one line with a \`token-agent:allow\`
comment.

A baseline accepts the findings a repository already has: --write-baseline FILE records every
finding (path, rule and a salted scrypt hash of the value; never the value, never the line), and
later scans report only findings it does not list, plus its entries that no longer match (stale).
${defaultBaselineName} at the repository root is used when present (the editor reads it too);
--baseline FILE names another, --no-baseline reports everything.

Exit status: 0 clean, 1 findings, 2 usage or I/O errors.
`;

/** Parses the arguments after `scan`. Pure, like the rest of the CLI parsing. */
export function parseScanArgs(argv: readonly string[]): ScanCommand {
  let parsed: ReturnType<typeof parseWith>;
  try {
    parsed = parseWith(argv);
  } catch (error) {
    return { kind: 'usage-error', message: (error as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'scan-help' };
  const format = values.format ?? 'text';
  if (!(scanFormats as readonly string[]).includes(format)) {
    return {
      kind: 'usage-error',
      message: `--format must be one of ${scanFormats.join(', ')}, got '${format}'.`,
    };
  }
  const maxFileBytes =
    values['max-file-size'] === undefined ? defaultMaxFileBytes : Number(values['max-file-size']);
  if (!Number.isInteger(maxFileBytes) || maxFileBytes <= 0) {
    return {
      kind: 'usage-error',
      message: `--max-file-size takes a positive number of bytes, got '${values['max-file-size']}'.`,
    };
  }
  if (values.baseline !== undefined && values['no-baseline'])
    return { kind: 'usage-error', message: '--baseline and --no-baseline contradict each other.' };
  return {
    kind: 'scan',
    paths: positionals.length > 0 ? positionals : ['.'],
    format: format as ScanFormat,
    maxFileBytes,
    verbose: values.verbose === true,
    ...(values.baseline !== undefined ? { baseline: values.baseline } : {}),
    ...(values['no-baseline'] ? { noBaseline: true } : {}),
    ...(values['write-baseline'] !== undefined ? { writeBaseline: values['write-baseline'] } : {}),
  };
}

function parseWith(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string', short: 'f' },
      'max-file-size': { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      baseline: { type: 'string' },
      'no-baseline': { type: 'boolean' },
      'write-baseline': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

export interface ScanIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  cwd: string;
  /** The clock, for JWT expiry. */
  now?: number;
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
  const run = new ScanRun(io, command.maxFileBytes, baseline);
  for (const path of command.paths) {
    if (path === '-') await run.scanStdin();
    else run.scanPath(path);
  }
  run.finishProgress();
  const results = run.results.filter((r) => r.findings.length > 0);
  const report = baseline?.report();
  const output =
    command.format === 'json'
      ? formatJson(results, run.skipped, report)
      : command.format === 'sarif'
        ? formatSarif(results, agentVersion, run.skipped, report)
        : formatText(results);
  io.stdout.write(output);
  reportSkipped(io, run.skipped, command.verbose);
  if (report) reportBaseline(io, report, command.verbose);
  const written = await writeBaseline(io, baseline);
  if (run.errors > 0 || written === false) return 2;
  // Writing a baseline accepts what was found: the run that records findings succeeds.
  if (written) return 0;
  return results.length > 0 ? 1 : 0;
}

class ScanRun {
  readonly results: FileFindings[] = [];
  readonly skipped: SkippedFile[] = [];
  errors = 0;
  #files = 0;
  #bytes = 0;
  #findings = 0;
  readonly #started = Date.now();
  #lastProgress = 0;
  #progressShown = false;
  readonly #rules: IgnoreRules;

  /** Where the paths of a unified diff on stdin are relative to (git prints them from the top level). */
  #diffRoot: string | undefined;

  constructor(
    readonly io: ScanIo,
    readonly maxFileBytes: number,
    readonly baseline?: BaselineSession,
  ) {
    this.#rules = new IgnoreRules(io.cwd);
  }

  scanPath(path: string): void {
    const absolute = resolve(this.io.cwd, path);
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(absolute);
    } catch (error) {
      this.#error(path, error);
      return;
    }
    if (stats.isDirectory()) {
      for (const file of this.#rules.walk(absolute, (dir, error) => this.#error(this.#display(dir), error)))
        this.#scanFile(file.path);
      return;
    }
    const rel = this.#rules.relative(absolute);
    if (rel !== undefined && this.#rules.excludesNamedFile(rel)) return;
    this.#scanFile(absolute, stats.size);
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
      return;
    }
    this.#diffRoot ??= repositoryRoot(this.io.cwd);
    for (const file of parseUnifiedDiff(input)) {
      if (this.#rules.excludesNamedFile(file.path)) continue;
      const findings = scanText(file.text, { ...this.#scanOptions(), path: file.path }).map((f) => ({
        ...f,
        line: file.lineNumbers[f.line - 1] ?? f.line,
        endLine: file.lineNumbers[f.endLine - 1] ?? f.endLine,
      }));
      this.#record(file.path, findings, { text: file.text, absolute: resolve(this.#diffRoot, file.path) });
    }
  }

  finishProgress(): void {
    if (this.#progressShown) this.io.stderr.write('\r\x1b[K');
  }

  #scanFile(path: string, knownSize?: number): void {
    const shown = this.#display(path);
    const file = readScannable(path, this.maxFileBytes, knownSize);
    if (file.kind === 'error') this.#error(shown, file.error);
    if (file.kind === 'skipped') this.skipped.push({ path: shown, reason: file.reason, bytes: file.bytes });
    if (file.kind === 'keystore')
      this.#record(shown, [keystoreFinding(shown, file.bytes)], { text: '', absolute: path });
    if (file.kind !== 'text') return;
    this.#files++;
    this.#bytes += file.bytes;
    this.#record(shown, scanText(file.text, { ...this.#scanOptions(), path }), {
      text: file.text,
      absolute: path,
    });
  }

  #scanOptions(): { now?: number } {
    return this.io.now === undefined ? {} : { now: this.io.now };
  }

  /** `source` is what the findings' offsets point into, for the baseline; stdin text has none. */
  #record(path: string, all: Finding[], source?: { text: string; absolute: string }): void {
    const findings = this.baseline && source ? this.baseline.filter(source.absolute, all, source.text) : all;
    this.#findings += findings.length;
    this.results.push({ path, findings });
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
      `\r\x1b[Ktoken-agent scan: ${this.#files} files, ${mb} MB, ${this.#findings} findings…`,
    );
  }

  #error(path: string, error: unknown): void {
    this.errors++;
    this.finishProgress();
    this.io.stderr.write(`token-agent scan: ${path}: ${describeIoError(error)}\n`);
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

/** Stale entries, on stderr like the skipped files: they are the baseline's upkeep, not findings. */
function reportBaseline(io: ScanIo, report: BaselineReport, verbose: boolean): void {
  const { stale, suppressed } = report;
  if (verbose || stale.length > 0)
    io.stderr.write(
      `token-agent scan: baseline ${report.file}: ${suppressed} known ${suppressed === 1 ? 'finding' : 'findings'} not reported\n`,
    );
  if (stale.length === 0) return;
  for (const entry of stale)
    io.stderr.write(
      `token-agent scan: stale baseline entry: ${entry.path} ${entry.rule} (no longer found)\n`,
    );
  io.stderr.write(
    `token-agent scan: ${stale.length} baseline ${stale.length === 1 ? 'entry no longer matches' : 'entries no longer match'}; refresh it with --write-baseline ${report.file}\n`,
  );
}

/** Writes the new baseline; undefined when none was asked for, false when it could not be written. */
async function writeBaseline(
  io: ScanIo,
  baseline: BaselineSession | undefined,
): Promise<boolean | undefined> {
  try {
    const written = await baseline?.write();
    if (!written) return undefined;
    io.stderr.write(`token-agent scan: wrote ${written.entries} baseline entries to ${written.file}\n`);
    return true;
  } catch (error) {
    io.stderr.write(`token-agent scan: cannot write the baseline: ${describeIoError(error)}\n`);
    return false;
  }
}

function skipHint(reason: SkipReason): string {
  return reason === 'too-large' ? 'over the size limit; raise --max-file-size to scan it' : 'binary';
}

/** The entry point the `scan` command calls with the arguments after `scan`. */
export async function scanMain(argv: readonly string[], io: ScanIo = defaultIo()): Promise<number> {
  return runScan(parseScanArgs(argv), io);
}
