// Which files a scan reads, shared by `token-agent scan` and the editor's workspace scan: a walk that
// honours .gitignore and .tokenagentignore (each directory's files on top of its parents') except for
// files git tracks, skips `.git` and symbolic links, and a read that says why a file is not scanned
// (binary, over the size limit) or that it is a keystore.

import { isAscii } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  type Dirent,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { IgnoreFile, isIgnored, isPathIgnored } from './ignoreFile';
import { hasBinaryExtension, isKeystore, looksBinary } from './pathFilters';

const walkIgnoreNames = ['.gitignore', '.tokenagentignore'];
/** A file named explicitly (a hook's staged list) was chosen by git already: only our own file applies. */
const explicitIgnoreNames = ['.tokenagentignore'];

export const defaultMaxFileBytes = 10 * 1024 * 1024;

export interface WalkedFile {
  path: string;
  /** Relative to the root, `/`-separated. */
  rel: string;
}

/** The ignore rules under one root (the scan's working directory, or a workspace folder). */
export class IgnoreRules {
  /** Ignore files by directory (relative to the root, `/`-separated; '' is the root). */
  readonly #cache = new Map<string, IgnoreFile[]>();

  #tracked: TrackedFiles | undefined;

  constructor(readonly root: string) {}

  /** What git tracks under the root, asked once (empty outside a work tree or without git). */
  #trackedFiles(): TrackedFiles {
    this.#tracked ??= listTracked(this.root);
    return this.#tracked;
  }

  /**
   * Whether a path .gitignore excludes is scanned anyway: git tracks it (or, for a directory, a
   * file under it), so it is committed and pushed whatever .gitignore says — unless our own
   * .tokenagentignore excludes it.
   */
  #trackedDespiteIgnore(dir: string, rel: string, isDirectory: boolean): boolean {
    const tracked = this.#trackedFiles();
    if (!(isDirectory ? tracked.dirs.has(rel) : tracked.files.has(rel))) return false;
    return !isIgnored(this.#chain(dir, explicitIgnoreNames), rel, isDirectory);
  }

  /** `path` relative to the root with `/` separators, or undefined when it lies outside. */
  relative(path: string): string | undefined {
    const rel = relative(this.root, path);
    if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
    return rel.split(sep).join('/');
  }

  /** Whether a file named explicitly is excluded by a .tokenagentignore. */
  excludesNamedFile(rel: string): boolean {
    return isPathIgnored(this.#chain(parentOf(rel), explicitIgnoreNames), rel);
  }

  /**
   * The files under `start` (a directory inside the root), in name order. Unreadable directories are
   * reported to `onError` and skipped, so one bad folder does not end the walk.
   */
  *walk(start: string, onError: (path: string, error: unknown) => void): Generator<WalkedFile> {
    const stack = [start];
    while (stack.length > 0) {
      const dir = stack.pop() as string;
      const rel = this.relative(dir) ?? '';
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (error) {
        onError(dir, error);
        continue;
      }
      // The listing says which ignore files exist here: trying to read each in every directory was
      // a tenth of a large scan's time, most of it failing with ENOENT.
      const present = new Set<string>();
      for (const entry of entries) if (walkIgnoreNames.includes(entry.name)) present.add(entry.name);
      const ignores = this.#chain(rel, walkIgnoreNames, present);
      // Reverse order onto the stack, so directories come out in name order.
      entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
      const files: WalkedFile[] = [];
      for (const entry of entries) {
        const path = join(dir, entry.name);
        const entryRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
        // Symbolic links are not followed: a link cycle must not hang a hook.
        if (entry.isSymbolicLink()) continue;
        if (entry.isDirectory()) {
          if (entry.name === '.git') continue;
          if (isIgnored(ignores, entryRel, true) && !this.#trackedDespiteIgnore(rel, entryRel, true))
            continue;
          stack.push(path);
        } else if (entry.isFile()) {
          if (isIgnored(ignores, entryRel, false) && !this.#trackedDespiteIgnore(rel, entryRel, false))
            continue;
          files.push({ path, rel: entryRel });
        }
      }
      yield* files.reverse();
    }
  }

  /**
   * The ignore files that apply in `dir`, shallowest first. `present`, when given, is which of
   * `names` exist in `dir` itself (from its listing); others are looked for by reading them.
   */
  #chain(dir: string, names: readonly string[], present?: ReadonlySet<string>): IgnoreFile[] {
    const key = `${names.join(',')}|${dir}`;
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const parent = dir === '' ? [] : this.#chain(parentOf(dir), names);
    const own: IgnoreFile[] = [];
    for (const name of names) {
      if (present && !present.has(name)) continue;
      try {
        const file = new IgnoreFile(readFileSync(join(this.root, dir, name), 'utf8'), dir);
        if (file.size > 0) own.push(file);
      } catch {
        // No ignore file here: nothing to add.
      }
    }
    const chain = [...parent, ...own];
    this.#cache.set(key, chain);
    return chain;
  }
}

export type SkipReason = 'binary' | 'too-large';

export type ScannableFile =
  | { kind: 'text'; text: string; bytes: number }
  /** Too large to hold as one string: scanned in windows from the file (largeFile.ts). */
  | { kind: 'large'; bytes: number }
  /** A keystore (`.p12`, `.jks`…): reported by name, its content is not read. */
  | { kind: 'keystore'; bytes: number }
  | { kind: 'skipped'; reason: SkipReason; bytes: number }
  | { kind: 'error'; error: unknown };

/** Reads a file for scanning, or says why it is not scanned; past `windowFrom` bytes, only its start. */
export function readScannable(
  path: string,
  maxFileBytes: number,
  knownSize?: number,
  windowFrom = Number.POSITIVE_INFINITY,
): ScannableFile {
  if (isKeystore(path) || hasBinaryExtension(path)) {
    let size: number;
    try {
      size = knownSize ?? statSync(path).size;
    } catch (error) {
      return { kind: 'error', error };
    }
    return isKeystore(path)
      ? { kind: 'keystore', bytes: size }
      : { kind: 'skipped', reason: 'binary', bytes: size };
  }
  const read = readUpTo(path, maxFileBytes, windowFrom);
  if ('error' in read) return { kind: 'error', error: read.error };
  const { bytes, size } = read;
  if (bytes === undefined) return { kind: 'skipped', reason: 'too-large', bytes: size };
  if (looksBinary(bytes)) return { kind: 'skipped', reason: 'binary', bytes: size };
  if (size > windowFrom) return { kind: 'large', bytes: size };
  // Minified bundles are read too: the scanner runs only the provider formats on them.
  return { kind: 'text', text: decode(bytes), bytes: bytes.length };
}

/**
 * The file's text. Most source files are ASCII, whose Latin-1 reading is the same string and about
 * five times cheaper to make than V8's UTF-8 decoding (which measured near 1.5 ms/MB, a fifth of a
 * whole scan); `isAscii` costs a twentieth of that.
 */
function decode(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : stripBom(bytes.toString('utf8'));
}

/**
 * A file's bytes, or only its size when it is over `maxBytes`: one open, fstat and read, where a stat
 * and then readFileSync asked the kernel for the size twice (thousands of files add up).
 */
function readUpTo(
  path: string,
  maxBytes: number,
  windowFrom: number,
): { bytes?: Buffer; size: number } | { error: unknown } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    return { error };
  }
  try {
    const { size } = fstatSync(fd);
    if (size > maxBytes) return { size };
    // A file to scan in windows: its first 8 KB, to tell a binary.
    const want = size > windowFrom ? 8192 : size;
    const bytes = readBuffer(want);
    let read = 0;
    for (let n = -1; read < want && n !== 0; read += n) n = readSync(fd, bytes, read, want - read, read);
    // A file that shrank since the fstat: what is there now.
    return { bytes: read < want ? bytes.subarray(0, read) : bytes, size };
  } catch (error) {
    return { error };
  } finally {
    closeSync(fd);
  }
}

// One buffer for the reads of a thread: the text is decoded out of it before the next read, where a
// fresh buffer a file cost its pages' first-touch faults on every read (read() was 8% of a scan).
// Files past `sharedMax` (few) get their own, so that a long-lived language server keeps 4 MB at most.
const sharedMax = 4 * 1024 * 1024;
let shared: Buffer | undefined;
function readBuffer(size: number): Buffer {
  if (size > sharedMax) return Buffer.allocUnsafeSlow(size);
  if (shared === undefined || shared.length < size) {
    shared = Buffer.allocUnsafeSlow(Math.min(sharedMax, Math.max(size, 2 * (shared?.length ?? 1 << 15))));
  }
  return shared.subarray(0, size);
}

/** An fs error as one line: `ENOENT: no such file…`, the code once. */
export function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const message = (error as Error).message;
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}

interface TrackedFiles {
  /** Relative to the root, `/`-separated. */
  files: Set<string>;
  /** Every directory holding a tracked file, at any depth. */
  dirs: Set<string>;
}

/** `git ls-files` under `root`: the files a commit holds, whatever .gitignore says. */
function listTracked(root: string): TrackedFiles {
  const files = new Set<string>();
  const dirs = new Set<string>();
  let out: string;
  try {
    out = execFileSync('git', ['-C', root, 'ls-files', '-z'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 512 * 1024 * 1024,
    });
  } catch {
    return { files, dirs }; // Not a work tree, or no git: .gitignore alone decides.
  }
  for (const rel of out.split('\0')) {
    if (rel === '') continue;
    files.add(rel);
    for (let slash = rel.lastIndexOf('/'); slash > 0; slash = rel.lastIndexOf('/', slash - 1)) {
      const dir = rel.slice(0, slash);
      if (dirs.has(dir)) break;
      dirs.add(dir);
    }
  }
  return { files, dirs };
}

function parentOf(rel: string): string {
  const slash = rel.lastIndexOf('/');
  return slash === -1 ? '' : rel.slice(0, slash);
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
