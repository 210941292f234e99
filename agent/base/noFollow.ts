// The two no-follow pieces every writer of the agent's files shares, apart from privateFolder.ts (which
// re-exports them) because that module loads node:fs/promises: the small entry point writes `run
// --file` tokens (run/tokenFolder.ts) with these and node:fs alone, before its child starts.
import { constants } from 'node:fs';
import { codes, TokenAgentError } from './errors';

/** O_NOFOLLOW where the platform has it (not on Windows, where there are no user-made symlinks to fear). */
export const noFollow = constants.O_NOFOLLOW ?? 0;

/** ERR_UNSAFE_PATH for a symlink found where the agent writes; the link and its target stay as they are. */
export function symlinkRefused(path: string): TokenAgentError {
  return new TokenAgentError(
    codes.unsafePath,
    `${path} is a symlink and the token agent does not write through links (its target is left untouched); remove it (rm ${path}) and try again`,
  );
}
