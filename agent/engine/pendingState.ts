// What a slot keeps of the secrets the store has not taken yet, and how the status tells it: the
// shapes only, so that the slot (tokenSlot.ts) and the retrier (pendingSave.ts) both stand on them.
import { codes, type TokenAgentError } from '../base/errors';

export type PendingKind = 'refresh_token' | 'access_token';

export interface PendingSave {
  /** The newest value of each kind the store has not taken yet. */
  values: Partial<Record<PendingKind, string>>;
  /** When the first of these writes failed, on the engine's clock. */
  since: number;
  /** Why the last write failed. */
  error: TokenAgentError;
  /** Failed background retries so far; sets the next wait. */
  retries: number;
}

/** File-system errors that mean "not now": the store takes the secret once they are fixed. */
const diskAdvice: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full, free some space',
  EDQUOT: 'the disk quota is used up, free some space',
  EROFS: 'the file system is read-only',
  EACCES: 'the data folder is not writable',
  EPERM: 'the data folder is not writable',
};

/** What the status shows: what is unsaved and what would help. Never a secret. */
export function pendingState(pending: PendingSave): { since: number; message: string } {
  const what = pending.values.refresh_token !== undefined ? 'new refresh token' : 'new access token';
  const { code } = pending.error;
  // Branches on the errno (a stable code), never on message text.
  const errno = (pending.error.cause as { code?: unknown } | undefined)?.code;
  const advice =
    code === codes.storeLocked
      ? 'unlock the keyring'
      : typeof errno === 'string' && errno in diskAdvice
        ? diskAdvice[errno]
        : code === codes.storeUnavailable
          ? 'the secret store is unavailable'
          : 'the secret store refused the write';
  const errnoNote = typeof errno === 'string' && errno in diskAdvice ? `, ${errno}` : '';
  return {
    since: pending.since,
    message: `${what} not yet saved: ${advice} (${code}${errnoNote})`,
  };
}
