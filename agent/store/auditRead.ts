// Reads the audit log for the timeline: its tail when it is large (a day of history is at its end),
// and a stamp that changes whenever the file does, so that a caller polling for news reads nothing
// while nothing was written.
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/** More than this is read from the end only: years of lines would otherwise be parsed on every poll. */
export const maxAuditReadBytes = 4 * 1024 * 1024;

export interface AuditText {
  text: string;
  stamp: string;
  /** The text starts mid-file (its first line may be partial). */
  truncated: boolean;
}

/** The file's change stamp without reading it: size, modification time and inode. `none` if absent. */
export async function auditStamp(path: string): Promise<string> {
  try {
    const stats = await stat(path);
    return `${stats.ino}-${stats.size}-${Math.floor(stats.mtimeMs)}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw error;
  }
}

export async function readAuditTail(path: string, maxBytes = maxAuditReadBytes): Promise<AuditText> {
  // O_NOFOLLOW: the log is never read (and shown) through a symlink planted in its place.
  const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      if (error.code === 'ELOOP')
        throw new Error(`${path} is a symlink; the audit log is not read through one. Remove it.`);
      throw error;
    },
  );
  if (!handle) return { text: '', stamp: 'none', truncated: false };
  try {
    const stats = await handle.stat();
    const stamp = `${stats.ino}-${stats.size}-${Math.floor(stats.mtimeMs)}`;
    const length = Math.min(stats.size, maxBytes);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, stats.size - length);
    return { text: buffer.subarray(0, bytesRead).toString('utf8'), stamp, truncated: stats.size > maxBytes };
  } finally {
    await handle.close();
  }
}
