// The baseline inside one `token-agent scan` run: drops findings the baseline lists, records what a
// new baseline should hold, and at the end names the entries that matched nothing (stale).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { writeAtomically } from '../base/atomicFile';
import { Baseline, type BaselineEntry, BaselineError, defaultBaselineName, entryKey } from '../lint/baseline';
import { describeIoError } from '../lint/fileWalk';
import type { Finding } from '../lint/scanner';

export interface BaselineOptions {
  /** --baseline FILE; undefined: the default file at the repository root, when there is one. */
  baseline?: string;
  /** --no-baseline: report everything. */
  noBaseline?: boolean;
  /** --write-baseline FILE. */
  writeBaseline?: string;
}

/** Where the scan's messages go (stderr). */
export interface BaselineIo {
  stderr: { write(text: string): unknown };
}

export interface BaselineReport {
  file: string;
  /** Findings left out because the baseline lists them. */
  suppressed: number;
  stale: BaselineEntry[];
}

/** The repository root (git's top level), or `cwd` outside a work tree. */
export function repositoryRoot(cwd: string): string {
  try {
    const top = execFileSync('git', ['-C', cwd, 'rev-parse', '--show-toplevel'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return top === '' ? cwd : top;
  } catch {
    return cwd;
  }
}

export class BaselineSession {
  readonly #check: Baseline | undefined;
  readonly #checkFile: string | undefined;
  readonly #write: Baseline | undefined;
  readonly #writeFile: string | undefined;
  /** Keys of baseline entries some finding matched. */
  readonly #matched = new Set<string>();
  /** Baseline-relative paths of every file scanned. */
  readonly #scanned = new Set<string>();
  #suppressed = 0;

  private constructor(
    readonly root: string,
    check: { file: string; baseline: Baseline } | undefined,
    write: { file: string; baseline: Baseline } | undefined,
  ) {
    this.#check = check?.baseline;
    this.#checkFile = check?.file;
    this.#write = write?.baseline;
    this.#writeFile = write?.file;
  }

  /**
   * Loads the baseline to check against and prepares the one to write. Throws BaselineError with a
   * message that says what to do.
   */
  static open(options: BaselineOptions, cwd: string): BaselineSession | undefined {
    const repoRoot = repositoryRoot(cwd);
    const named = options.baseline === undefined ? undefined : resolve(cwd, options.baseline);
    const fallback = join(repoRoot, defaultBaselineName);
    const checkFile = options.noBaseline
      ? undefined
      : (named ?? (existsSync(fallback) ? fallback : undefined));
    const writeFile = options.writeBaseline === undefined ? undefined : resolve(cwd, options.writeBaseline);
    if (checkFile === undefined && writeFile === undefined) return undefined;
    const check = checkFile === undefined ? undefined : { file: checkFile, baseline: load(checkFile) };
    // Rewriting a baseline keeps its salt, so entries that did not change keep their hashes (small diffs).
    const previous =
      writeFile === undefined
        ? undefined
        : writeFile === checkFile
          ? check?.baseline
          : existsSync(writeFile)
            ? tryLoad(writeFile)
            : undefined;
    const write =
      writeFile === undefined
        ? undefined
        : { file: writeFile, baseline: previous ? new Baseline(previous.kdf) : Baseline.create() };
    // Entries are relative to the folder of the baseline file: the repository root by convention.
    const root = dirname(checkFile ?? writeFile ?? fallback);
    return new BaselineSession(root, check, write);
  }

  /** Whether findings are checked against a baseline (not only recorded for a new one). */
  get checks(): boolean {
    return this.#check !== undefined;
  }

  /** The path an entry holds for a scanned file (absolute, or relative to the repository root). */
  entryPath(absolute: string): string {
    const rel = relative(this.root, absolute);
    return (rel === '' || isAbsolute(rel) ? absolute : rel).split(sep).join('/');
  }

  /**
   * The findings of one file that the baseline does not list; records them for a new baseline.
   * `text` is what the findings' offsets point into, or (from a scan worker) each finding's value.
   */
  filter(absolutePath: string, findings: readonly Finding[], text: string | readonly string[]): Finding[] {
    const path = this.entryPath(absolutePath);
    this.#scanned.add(path);
    const kept: Finding[] = [];
    for (const [i, finding] of findings.entries()) {
      const value = typeof text === 'string' ? text.slice(finding.start, finding.end) : (text[i] ?? '');
      if (this.#write) this.#write.add({ path, rule: finding.rule, hash: this.#write.hash(value) });
      const entry = this.#check?.match(path, finding.rule, value);
      if (entry) {
        this.#matched.add(entryKey(entry));
        this.#suppressed++;
      } else kept.push(finding);
    }
    return kept;
  }

  /** A file read without findings still counts as scanned, for stale entries. */
  scanned(absolutePath: string): void {
    this.#scanned.add(this.entryPath(absolutePath));
  }

  /**
   * What the check found: entries that matched nothing in a file this run scanned, or whose file is
   * gone. Entries for files outside the scanned paths are not stale, only not looked at.
   */
  report(): BaselineReport | undefined {
    if (!this.#check || this.#checkFile === undefined) return undefined;
    const stale = this.#check
      .entries()
      .filter(
        (entry) =>
          !this.#matched.has(entryKey(entry)) &&
          (this.#scanned.has(entry.path) || !existsSync(resolve(this.root, entry.path))),
      );
    return { file: this.#checkFile, suppressed: this.#suppressed, stale };
  }

  /** Writes the new baseline, if one was asked for; returns its file and entry count. */
  async write(): Promise<{ file: string; entries: number } | undefined> {
    if (!this.#write || this.#writeFile === undefined) return undefined;
    // 0644, unlike the agent's private files: it holds no values, only salted scrypt hashes, and it
    // is meant to be committed and read by every clone and CI job (git records 644 anyway).
    // Written atomically through a temp file created with O_NOFOLLOW, so no planted link is followed.
    await writeAtomically(this.#writeFile, this.#write.toJson(), async () => true, 0o644);
    return { file: this.#writeFile, entries: this.#write.size };
  }
}

function load(file: string): Baseline {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new BaselineError(
      `cannot read the baseline ${file}: ${describeIoError(error)}. Write one with --write-baseline ${file}, or leave out --baseline.`,
    );
  }
  try {
    return Baseline.parse(text);
  } catch (error) {
    throw new BaselineError(
      `the baseline ${file} cannot be used: ${(error as Error).message}. Write it again with --write-baseline ${file}.`,
    );
  }
}

function tryLoad(file: string): Baseline | undefined {
  try {
    return load(file);
  } catch {
    return undefined;
  }
}

/** Stale entries, on stderr like the skipped files: they are the baseline's upkeep, not findings. */
export function reportBaseline(io: BaselineIo, report: BaselineReport, verbose: boolean): void {
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
export async function writeBaseline(
  io: BaselineIo,
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
