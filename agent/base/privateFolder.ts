// Where the agent writes: folders of this user's alone, files created without following what may
// have been planted there. The socket's checks live in socketTrust.ts and are re-exported here.
import { constants } from 'node:fs';
import { chmod, type FileHandle, lstat, mkdir, open } from 'node:fs/promises';
import { codes, TokenAgentError } from './errors';
import { noFollow, symlinkRefused } from './noFollow';
import { folderProblem } from './socketTrust';

export { noFollow, symlinkRefused } from './noFollow';
export { checkSocketTrust, folderProblem, socketProblem } from './socketTrust';

/**
 * The one way the agent makes a folder it writes in (data folder, locks, team marks): created 0700 with
 * its parents, then refused with ERR_UNSAFE_PATH when it is a symlink, not a folder, or another user's,
 * since its owner could swap the files in it. Readable or writable by others is narrowed back to 0700:
 * it is ours, and every file in it is created without following what may have been planted.
 */
export async function ensurePrivateFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    // A file in the way: the checks below say so, with the fix.
    if (error.code !== 'EEXIST' && error.code !== 'ENOTDIR') throw error;
  });
  const stats = await lstat(dir);
  // Windows has no POSIX owner or modes to check; there the folder lives in the user's profile.
  const uid = process.platform === 'win32' ? undefined : process.getuid?.();
  if (stats.isSymbolicLink() || !stats.isDirectory() || (uid !== undefined && stats.uid !== uid)) {
    const problem = folderProblem(dir, stats, uid) ?? `${dir} is not a folder of your own`;
    throw new TokenAgentError(codes.unsafePath, `the token agent will not write there: ${problem}`);
  }
  if (process.platform !== 'win32' && (stats.mode & 0o077) !== 0) await chmod(dir, 0o700);
}

/**
 * Creates `path` 0600 (or `mode`, for a file meant to be shared) for writing: O_CREAT | O_EXCL | O_NOFOLLOW, so it is a new file of our own,
 * never one planted there nor the target of a planted link. EEXIST passes through for the caller to
 * read (a held lock); a symlink in the way is ERR_UNSAFE_PATH, naming the fix.
 */
export async function createPrivateFile(path: string, mode = 0o600): Promise<FileHandle> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | noFollow;
  try {
    return await open(path, flags, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' && (await isSymlink(path)))
      throw symlinkRefused(path);
    throw error;
  }
}

/** Whether `path` is a symlink now (false when absent). */
export async function isSymlink(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isSymbolicLink() === true;
}

/**
 * A small file of the agent's own, read without following a symlink planted in its place; undefined
 * when absent or unreadable (for the callers, a record they cannot read protects nothing).
 */
export async function readOwnFile(path: string): Promise<string | undefined> {
  try {
    const handle = await open(path, constants.O_RDONLY | noFollow);
    try {
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
