// Never start what cannot be finished (#16 item 3). A refresh spends its refresh token the moment
// the provider reads it: a rotating provider retires it and hands out a new one that only the
// answer carries. Whatever stops the agent from keeping that answer (a read-only or full data
// folder, a locked or absent keyring, a lock another process has taken over) must be found before
// the request goes out, while the stored refresh token is still the live one; then nothing is sent
// and the error says what to fix. The checks take their probes injected, so that each failure can
// be tested without a file system or a keyring.
import { codes, isTokenAgentError, TokenAgentError } from '../base/errors';
import { errnoOf } from '../base/writeProbe';

/** What the checks look at; each rejects (or answers false) when it cannot be relied on. */
export interface PreflightProbes {
  /** Writes and removes a file in the data folder (the lock, the budget, the audit log, the file tier). */
  dataDir(): Promise<void>;
  /** Whether this process still holds the token's lock file. */
  lockHeld(): Promise<boolean>;
  /**
   * Proves the secret store takes a write now (the keychain's probe entry); absent for tiers with
   * nothing to prove beyond the data folder (the file tier writes there, the memory tier cannot fail).
   */
  store?: () => Promise<void>;
}

/** The data folder, before the lock file is created in it: ERR_DATA_DIR_UNWRITABLE when it cannot be written. */
export async function checkDataDir(name: string, dataDir: string, probe: () => Promise<void>): Promise<void> {
  try {
    await probe();
  } catch (error) {
    throw dataDirUnwritable(name, dataDir, error);
  }
}

/**
 * Under the lock, just before the request: the lock is still ours and the store can take the answer.
 * `keptRefreshToken`: the slot holds a refresh token the store refused earlier. That one is live and
 * the stored one already retired, so nothing is saved by waiting; refreshing with it is what keeps the
 * grant alive until the store takes it (pendingSave.ts), and the store is not asked.
 */
export async function checkBeforeSending(
  name: string,
  probes: Pick<PreflightProbes, 'lockHeld' | 'store'>,
  options: { keptRefreshToken: boolean },
): Promise<void> {
  if (!(await probes.lockHeld().catch(() => false))) {
    throw new TokenAgentError(
      codes.lockTimeout,
      `Token '${name}': another process took over its refresh lock while this one waited (it held it past the stale time); nothing was sent. Try again.`,
    );
  }
  if (options.keptRefreshToken || !probes.store) return;
  try {
    await probes.store();
  } catch (error) {
    // The store's own code (ERR_STORE_LOCKED says to unlock the keyring) with what it means here.
    const coded = isTokenAgentError(error)
      ? error
      : new TokenAgentError(codes.storeUnavailable, (error as Error)?.message ?? String(error));
    throw new TokenAgentError(
      coded.code,
      `Token '${name}' was not refreshed, so its refresh token is still good: the secret store could not take the answer. ${coded.message}`,
      { cause: error },
    );
  }
}

/** ERR_DATA_DIR_UNWRITABLE naming the folder, the file system's reason and the fix for it. */
export function dataDirUnwritable(name: string, dataDir: string, error: unknown): TokenAgentError {
  const errno = errnoOf(error) ?? 'error';
  return new TokenAgentError(
    codes.dataDirUnwritable,
    `The data folder ${dataDir} cannot be written (${errno}); token '${name}' was not refreshed, so its refresh token is still good. ${fixFor(errno, dataDir)}, then try again.`,
    { cause: error },
  );
}

function fixFor(errno: string, dataDir: string): string {
  switch (errno) {
    case 'EROFS':
      return 'It is on a read-only file system: remount it read-write, or set XDG_DATA_HOME to a writable folder';
    case 'EPERM':
      return `Clear its immutable flag (lsattr -d ${dataDir}; chattr -i ${dataDir}) or whatever else denies the write`;
    case 'EACCES':
      return `Give yourself write access to it (chmod u+rwx ${dataDir}; it must be your own folder)`;
    case 'ENOSPC':
    case 'EDQUOT':
      return 'The disk (or your quota) is full: free some space';
    default:
      return 'Make it a writable folder of your own';
  }
}
