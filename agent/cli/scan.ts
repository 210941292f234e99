// `token-agent scan [PATH…] [--format text|json|sarif]`: the leak lint for CI and git hooks.
// Walks directories honouring .gitignore and .tokenagentignore, skips binary, minified and large
// files, reads stdin with `-` (a unified diff is read as the lines it adds). Exit 0 when clean, 1 on
// findings, 2 on usage or I/O errors. Results go to stdout; progress and problems to stderr.
import { type Dirent, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { text as readAll } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { IgnoreFile, isIgnored, isPathIgnored } from '../lint/ignoreFile';
import { hasBinaryExtension, isMinified, looksBinary } from '../lint/pathFilters';
import { type Finding, scanText } from '../lint/scanner';
import { agentVersion } from '../version';
import { looksLikeDiff, parseUnifiedDiff } from './scanDiff';
import { type FileFindings, formatJson, formatSarif, formatText } from './scanOutput';

export const scanFormats = ['text', 'json', 'sarif'] as const;
export type ScanFormat = (typeof scanFormats)[number];

export type ScanCommand =
  | { kind: 'scan'; paths: string[]; format: ScanFormat; maxFileBytes: number }
  | { kind: 'scan-help' }
  | { kind: 'usage-error'; message: string };

export const defaultMaxFileBytes = 10 * 1024 * 1024;

export const scanUsage = `Usage: token-agent scan [PATH…] [--format text|json|sarif] [--max-file-size BYTES]

Finds hard-coded tokens, keys and passwords. PATH is a file or a directory (default: .); \`-\` reads
stdin, and a unified diff on stdin (\`git diff --cached | token-agent scan -\`) is scanned as the lines
it adds. Directories are walked honouring .gitignore and .tokenagentignore; binary, minified and
larger-than-limit files are skipped. Suppress one line with a \`token-agent:allow\` comment.

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
  return {
    kind: 'scan',
    paths: positionals.length > 0 ? positionals : ['.'],
    format: format as ScanFormat,
    maxFileBytes,
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
  const run = new ScanRun(io, command.maxFileBytes);
  for (const path of command.paths) {
    if (path === '-') await run.scanStdin();
    else run.scanPath(path);
  }
  run.finishProgress();
  const results = run.results.filter((r) => r.findings.length > 0);
  const output =
    command.format === 'json'
      ? formatJson(results)
      : command.format === 'sarif'
        ? formatSarif(results, agentVersion)
        : formatText(results);
  io.stdout.write(output);
  if (run.errors > 0) return 2;
  return results.length > 0 ? 1 : 0;
}

const ignoreFileNames = ['.gitignore', '.tokenagentignore'];

class ScanRun {
  readonly results: FileFindings[] = [];
  errors = 0;
  #files = 0;
  #bytes = 0;
  #findings = 0;
  readonly #started = Date.now();
  #lastProgress = 0;
  #progressShown = false;
  /** Ignore files by directory (relative to cwd, `/`-separated; '' is cwd). */
  readonly #ignoreCache = new Map<string, IgnoreFile[]>();

  constructor(
    readonly io: ScanIo,
    readonly maxFileBytes: number,
  ) {}

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
      this.#walk(absolute);
      return;
    }
    // A file named explicitly (a hook's staged list) still honours .tokenagentignore, not .gitignore.
    const rel = this.#relative(absolute);
    if (rel !== undefined && isPathIgnored(this.#ignoreChain(parentOf(rel), ['.tokenagentignore']), rel))
      return;
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
    for (const file of parseUnifiedDiff(input)) {
      if (isPathIgnored(this.#ignoreChain(parentOf(file.path), ['.tokenagentignore']), file.path)) continue;
      const findings = scanText(file.text, { ...this.#scanOptions(), path: file.path }).map((f) => ({
        ...f,
        line: file.lineNumbers[f.line - 1] ?? f.line,
        endLine: file.lineNumbers[f.endLine - 1] ?? f.endLine,
      }));
      this.#record(file.path, findings);
    }
  }

  finishProgress(): void {
    if (this.#progressShown) this.io.stderr.write('\r\x1b[K');
  }

  #walk(root: string): void {
    const stack = [root];
    while (stack.length > 0) {
      const dir = stack.pop() as string;
      const rel = this.#relative(dir) ?? '';
      const ignores = this.#ignoreChain(rel, ignoreFileNames);
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (error) {
        this.#error(this.#display(dir), error);
        continue;
      }
      entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
      for (const entry of entries) {
        const path = join(dir, entry.name);
        const entryRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
        // Symbolic links are not followed: a link cycle must not hang a hook.
        if (entry.isSymbolicLink()) continue;
        if (entry.isDirectory()) {
          if (entry.name === '.git' || isIgnored(ignores, entryRel, true)) continue;
          stack.push(path);
        } else if (entry.isFile()) {
          if (isIgnored(ignores, entryRel, false)) continue;
          this.#scanFile(path);
        }
      }
    }
  }

  #scanFile(path: string, knownSize?: number): void {
    const shown = this.#display(path);
    if (hasBinaryExtension(path)) return;
    let bytes: Buffer;
    try {
      const size = knownSize ?? statSync(path).size;
      if (size > this.maxFileBytes) return;
      bytes = readFileSync(path);
    } catch (error) {
      this.#error(shown, error);
      return;
    }
    if (looksBinary(bytes)) return;
    const text = stripBom(bytes.toString('utf8'));
    if (isMinified(path, text)) return;
    this.#files++;
    this.#bytes += bytes.length;
    this.#record(shown, scanText(text, { ...this.#scanOptions(), path }));
  }

  #scanOptions(): { now?: number } {
    return this.io.now === undefined ? {} : { now: this.io.now };
  }

  #record(path: string, findings: Finding[]): void {
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
    const code = (error as NodeJS.ErrnoException).code;
    const message = (error as Error).message;
    this.finishProgress();
    const prefix = code && !message.startsWith(code) ? `${code}: ` : '';
    this.io.stderr.write(`token-agent scan: ${path}: ${prefix}${message}\n`);
  }

  /** The ignore files that apply in `dir` (relative, `/`-separated), shallowest first. */
  #ignoreChain(dir: string, names: readonly string[]): IgnoreFile[] {
    const key = `${names.join(',')}|${dir}`;
    const cached = this.#ignoreCache.get(key);
    if (cached) return cached;
    const parent = dir === '' ? [] : this.#ignoreChain(parentOf(dir), names);
    const own: IgnoreFile[] = [];
    for (const name of names) {
      try {
        const file = new IgnoreFile(readFileSync(join(this.io.cwd, dir, name), 'utf8'), dir);
        if (file.size > 0) own.push(file);
      } catch {
        // No ignore file here: nothing to add.
      }
    }
    const chain = [...parent, ...own];
    this.#ignoreCache.set(key, chain);
    return chain;
  }

  /** `path` relative to cwd with `/` separators, or undefined when it lies outside. */
  #relative(path: string): string | undefined {
    const rel = relative(this.io.cwd, path);
    if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
    return rel.split(sep).join('/');
  }

  #display(path: string): string {
    return this.#relative(path) ?? path;
  }
}

function parentOf(rel: string): string {
  const slash = rel.lastIndexOf('/');
  return slash === -1 ? '' : rel.slice(0, slash);
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The entry point the `scan` command calls with the arguments after `scan`. */
export async function scanMain(argv: readonly string[], io: ScanIo = defaultIo()): Promise<number> {
  return runScan(parseScanArgs(argv), io);
}
