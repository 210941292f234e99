// The private folder `run --file` keeps tokens in: created 0700 with a name nobody can guess or plant
// in advance (mkdtemp fails rather than follow or reuse anything), under the user's runtime folder
// when there is one (private, in memory, cleared at logout), else the system's temp folder. Each file
// is replaced whole (writeAtomically: a 0600 temp file, then rename), so a reader sees the old token
// or the new one, never half of one.
import { lstatSync, rmSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { writeAtomically } from '../base/atomicFile';

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
  const base = (await privateRuntimeDir(env)) ?? tmpdir();
  const path = await mkdtemp(join(base, 'token-agent-run-'));
  const info = await lstat(path);
  if (!info.isDirectory() || (info.mode & 0o077) !== 0) {
    await rm(path, { recursive: true, force: true });
    throw new Error(`${path} is not a private folder; not writing tokens into it`);
  }
  return {
    path,
    write: async (file, token) => {
      await writeAtomically(join(path, file), token);
    },
    remove: () => rm(path, { recursive: true, force: true }),
    removeSync: () => rmSync(path, { recursive: true, force: true }),
  };
}

/** `$XDG_RUNTIME_DIR/token-agent` when that is a real folder of ours that only we can enter. */
async function privateRuntimeDir(
  env: Readonly<Record<string, string | undefined>>,
): Promise<string | undefined> {
  const runtime = env.XDG_RUNTIME_DIR;
  if (!runtime || !isAbsolute(runtime) || process.platform === 'win32') return undefined;
  const dir = join(runtime, 'token-agent');
  await mkdir(dir, { mode: 0o700 }).catch(() => undefined);
  try {
    const info = lstatSync(dir);
    const mine = process.getuid === undefined || info.uid === process.getuid();
    return info.isDirectory() && mine && (info.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}
