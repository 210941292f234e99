// Reads the audit log for the timeline: its tail when it is large (a day of history is at its end),
// and a stamp that changes whenever the file does, so that a caller polling for news reads nothing
// while nothing was written.
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { noFollow, symlinkRefused } from '../base/privateFolder';

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
    // lstat: a link planted in the log's place is not the log (readAuditTail refuses it).
    return stampOf(await lstat(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw error;
  }
}

export async function readAuditTail(path: string, maxBytes = maxAuditReadBytes): Promise<AuditText> {
  // O_NOFOLLOW: the log is never read (and shown) through a symlink planted in its place.
  const handle = await open(path, constants.O_RDONLY | noFollow).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    if (error.code === 'ELOOP') throw symlinkRefused(path);
    throw error;
  });
  if (!handle) return { text: '', stamp: 'none', truncated: false };
  try {
    const stats = await handle.stat();
    const stamp = stampOf(stats);
    const length = Math.min(stats.size, maxBytes);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, stats.size - length);
    return { text: buffer.subarray(0, bytesRead).toString('utf8'), stamp, truncated: stats.size > maxBytes };
  } finally {
    await handle.close();
  }
}

function stampOf(stats: Pick<Stats, 'ino' | 'size' | 'mtimeMs'>): string {
  return `${stats.ino}-${stats.size}-${Math.floor(stats.mtimeMs)}`;
}
