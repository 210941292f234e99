// One way to replace a file the agent owns: a temp file created 0600 with O_CREAT | O_EXCL |
// O_NOFOLLOW in the same folder (so nothing planted there is followed or reused), written, flushed,
// then renamed over the target. A crash leaves the old file or the new one, never a torn one.
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `text` to `path` atomically. `beforeRename` runs once the temp file is flushed; returning
 * false abandons the write (the temp file is removed) and resolves false.
 */
export async function writeAtomically(
  path: string,
  text: string,
  beforeRename: () => Promise<boolean> = async () => true,
  /** 0600 unless a file is meant to be shared (a committed scan baseline); the umask still applies. */
  mode = 0o600,
): Promise<boolean> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomUUID()}.tmp`);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  const handle = await open(temp, flags, mode);
  try {
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (!(await beforeRename())) {
      await unlink(temp);
      return false;
    }
    await rename(temp, path);
    return true;
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
