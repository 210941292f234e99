// Proves a folder takes a write right now, by writing one: a mode check says nothing for root, for an
// immutable folder (chattr +i), a read-only mount or a full disk, and each of those stops a write the
// agent must not find out about only after the provider has rotated a refresh token.
import { randomUUID } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createPrivateFile } from './privateFolder';

/** Creates, writes one byte to, and removes a hidden file in `dir`; rejects with the file system's error. */
export async function probeWritable(dir: string): Promise<void> {
  const path = join(dir, `.write-probe-${process.pid}-${randomUUID()}`);
  // O_EXCL | O_NOFOLLOW, 0600: a name planted in the folder is never followed or reused.
  const handle = await createPrivateFile(path);
  try {
    // A byte, not an empty file: a full disk still lets an empty file be created.
    await handle.write('x');
    await handle.sync();
  } finally {
    await handle.close();
    await unlink(path).catch(() => undefined);
  }
}

/** The errno of a file-system error (EROFS, EACCES…), when it has one. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
