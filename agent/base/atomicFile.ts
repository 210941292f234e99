// One way to replace a file the agent owns: a temp file created 0600 with O_CREAT | O_EXCL |
// O_NOFOLLOW in the same folder (so nothing planted there is followed or reused), written, flushed,
// then renamed over the target. A crash leaves the old file or the new one, never a torn one.
// A symlink found at the target is refused (ERR_UNSAFE_PATH): rename would only replace the link, but
// a link where the agent keeps its own file means someone planted it, which the user should hear.
import { randomUUID } from 'node:crypto';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createPrivateFile, isSymlink, symlinkRefused } from './privateFolder';

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
  if (await isSymlink(path)) throw symlinkRefused(path);
  const handle = await createPrivateFile(temp, mode);
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
    // Looked at again: a link may have been planted while the temp file was written.
    if (await isSymlink(path)) throw symlinkRefused(path);
    await rename(temp, path);
    return true;
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
