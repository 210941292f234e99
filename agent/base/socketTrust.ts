// Who may have put a file where the agent listens. A socket in a folder that only this user can write
// was bound by this user (or root): that is how a client knows who answers, since Node has no
// SO_PEERCRED. The agent refuses to start in such a folder, and a client refuses to send to it.
// Apart from the writers (privateFolder.ts) so that the fast entry point loads only node:fs for it.
import { lstatSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { codes, TokenAgentError } from './errors';

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
