// The private folder `run --file` keeps tokens in: created 0700 with a name nobody can guess or plant
// in advance (mkdtemp fails rather than follow or reuse anything), under the user's runtime folder
// when there is one (private, in memory, cleared at logout), else the system's temp folder. Each file
// is replaced whole (a 0600 temp file, then renamed over it), so a reader sees the old token or the
// new one, never half of one.
//
// Written with node:fs alone, synchronously: the small entry point (fast/fastFiles.ts) makes the folder
// and writes the first tokens before its child starts, and node:fs/promises and node:crypto (which
// base/atomicFile.ts loads for its random temp names) cost it a sixth of a Node start. The files are
// a few hundred bytes in a folder of our own, so a write never blocks for long.
import {
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  renameSync,
  rm,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { noFollow, symlinkRefused } from '../base/noFollow';

export interface TokenFolder {
  path: string;
  /** Replaces `file`'s content with the token (no newline, as Kubernetes and Vault write theirs). */
  write(file: string, token: string): Promise<void>;
  remove(): Promise<void>;
  /** For process 'exit' handlers, where nothing asynchronous runs any more. */
  removeSync(): void;
}

export async function createTokenFolder(
  env: Readonly<Record<string, string | undefined>>,
): Promise<TokenFolder> {
  const base = privateRuntimeDir(env) ?? tmpdir();
  const path = mkdtempSync(join(base, 'token-agent-run-'));
  const info = lstatSync(path);
  if (!info.isDirectory() || (info.mode & 0o077) !== 0) {
    rmSync(path, { recursive: true, force: true });
    throw new Error(`${path} is not a private folder; not writing tokens into it`);
  }
  let writes = 0;
  return {
    path,
    write: async (file, token) => {
      // Only this process writes in this folder and nobody else can enter it: the temp file's name
      // needs to be new, not unguessable (O_EXCL still refuses anything found there).
      replaceFile(join(path, file), join(path, `.${file}.${process.pid}.${++writes}.tmp`), token);
    },
    remove: () =>
      new Promise((settle, fail) =>
        rm(path, { recursive: true, force: true }, (error) => (error ? fail(error) : settle())),
      ),
    removeSync: () => rmSync(path, { recursive: true, force: true }),
  };
}

/**
 * `text` into a new 0600 `temp` (never through a link), then renamed over `target`. Not fsync'd, unlike
 * the agent's own files (base/atomicFile.ts): the rename alone keeps readers from a half-written
 * token, and a token file outlives nothing — after a crash its folder is stale anyway — while a
 * flush to a disk-backed temp folder can cost a busy machine tens of milliseconds before the child
 * starts.
 */
function replaceFile(target: string, temp: string, text: string): void {
  if (isSymlink(target)) throw symlinkRefused(target);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | noFollow;
  try {
    const fd = openSync(temp, flags, 0o600);
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    // Looked at again: a link may have been planted while the temp file was written.
    if (isSymlink(target)) throw symlinkRefused(target);
    renameSync(temp, target);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // Never created, or already renamed.
    }
    throw error;
  }
}

function isSymlink(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() === true;
}

/** `$XDG_RUNTIME_DIR/token-agent` when that is a real folder of ours that only we can enter. */
function privateRuntimeDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const runtime = env.XDG_RUNTIME_DIR;
  if (!runtime || !isAbsolute(runtime) || process.platform === 'win32') return undefined;
  const dir = join(runtime, 'token-agent');
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch {
    // Already there (checked below), or not ours to make: the temp folder then.
  }
  try {
    const info = lstatSync(dir);
    const mine = process.getuid === undefined || info.uid === process.getuid();
    return info.isDirectory() && mine && (info.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}
