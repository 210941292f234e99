// Who may have put a file where the agent listens or writes. A socket in a folder that only this user
// can write was bound by this user (or root): that is how a client knows who answers, since Node has
// no SO_PEERCRED. The agent refuses to start in such a folder, and a client refuses to send to it.
import { constants, lstatSync, type Stats } from 'node:fs';
import { chmod, type FileHandle, lstat, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { codes, TokenAgentError } from './errors';

/** O_NOFOLLOW where the platform has it (not on Windows, where there are no user-made symlinks to fear). */
export const noFollow = constants.O_NOFOLLOW ?? 0;

type Kind = Pick<Stats, 'uid' | 'mode' | 'isDirectory' | 'isSymbolicLink' | 'isSocket'>;

/** What is wrong with a folder that should be this user's alone, or undefined. Pure. */
export function folderProblem(dir: string, stats: Kind, uid: number | undefined): string | undefined {
  if (stats.isSymbolicLink())
    return `${dir} is a symlink; remove it (rm ${dir}) and the agent makes its own folder`;
  if (!stats.isDirectory()) return `${dir} is not a folder; move it away and the agent makes its own`;
  if (uid !== undefined && stats.uid !== uid)
    return `${dir} belongs to user id ${stats.uid}, not to you (${uid}); remove it or point XDG_RUNTIME_DIR elsewhere`;
  if ((stats.mode & 0o022) !== 0)
    return `${dir} can be written by other users (mode ${(stats.mode & 0o777).toString(8)}), so anyone could put a socket there; run chmod 700 ${dir}`;
  return undefined;
}

/** What is wrong with the socket file itself, or undefined. Pure. */
export function socketProblem(path: string, stats: Kind, uid: number | undefined): string | undefined {
  if (stats.isSymbolicLink()) return `${path} is a symlink, not the agent's socket; remove it`;
  if (!stats.isSocket()) return `${path} is not a socket; remove it`;
  if (uid !== undefined && stats.uid !== uid)
    return `${path} was made by user id ${stats.uid}, not by you (${uid}); remove it`;
  return undefined;
}

/**
 * Throws ERR_UNSAFE_PATH unless the socket (when it exists) and its folder are this user's alone.
 * A missing socket or folder passes: connecting then finds no agent, and starting one makes them.
 * Windows named pipes have no folder; there the pipe's own ACL is the protection.
 */
export function checkSocketTrust(socketPath: string, platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') return;
  const uid = process.getuid?.();
  const dir = dirname(socketPath);
  const problem =
    withStats(dir, (stats) => folderProblem(dir, stats, uid)) ??
    withStats(socketPath, (stats) => socketProblem(socketPath, stats, uid));
  if (problem)
    throw new TokenAgentError(codes.unsafePath, `refusing to trust the token agent's socket: ${problem}`);
}

function withStats(path: string, check: (stats: Stats) => string | undefined): string | undefined {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return check(stats);
}

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
 * Creates `path` 0600 for writing: O_CREAT | O_EXCL | O_NOFOLLOW, so it is a new file of our own,
 * never one planted there nor the target of a planted link. EEXIST passes through for the caller to
 * read (a held lock); a symlink in the way is ERR_UNSAFE_PATH, naming the fix.
 */
export async function createPrivateFile(path: string): Promise<FileHandle> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | noFollow;
  try {
    return await open(path, flags, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' && (await isSymlink(path)))
      throw symlinkRefused(path);
    throw error;
  }
}

/** ERR_UNSAFE_PATH for a symlink found where the agent writes; the link and its target stay as they are. */
export function symlinkRefused(path: string): TokenAgentError {
  return new TokenAgentError(
    codes.unsafePath,
    `${path} is a symlink and the token agent does not write through links (its target is left untouched); remove it (rm ${path}) and try again`,
  );
}

/** Whether `path` is a symlink now (false when absent). */
export async function isSymlink(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isSymbolicLink() === true;
}
