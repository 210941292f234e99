// The data folder's part in a refresh: proving it takes a write before anything is sent
// (preflight.ts), and the token's lock file in it, whose failure to be written is the same problem
// with the same fix.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoOf, probeWritable } from '../base/writeProbe';
import { acquireLock, type LockHandle } from '../store/lockFile';
import type { RefreshContext } from './engineTypes';
import { dataDirUnwritable } from './preflight';

export async function takeLock(
  context: Pick<RefreshContext, 'dataDir' | 'lock'>,
  name: string,
): Promise<LockHandle> {
  const dir = join(context.dataDir, 'locks');
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return await acquireLock({ path: join(dir, `${name}.lock`), ...context.lock });
  } catch (error) {
    // The locks folder alone can be unwritable (its own immutable flag or mount): the same fix.
    if (unwritable.has(errnoOf(error) ?? '')) throw dataDirUnwritable(name, dir, error);
    throw error;
  }
}

const unwritable = new Set(['EROFS', 'EPERM', 'EACCES', 'ENOSPC', 'EDQUOT']);

export async function probeDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await probeWritable(dataDir);
}
