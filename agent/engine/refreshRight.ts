// Who may refresh a shared token while the team cannot be reached (#16 item 5). A rotating refresh
// token is spent by each refresh: if two machines refresh with their own copies, the provider sees
// the older one come back, takes it for a stolen token and revokes the whole grant. While Redis is
// down, only the machine that wrote the team's newest refresh token (the last writer: no fence newer
// than its own last write has been seen since) can be sure its copy is the live one; every other
// machine keeps serving the token it holds and, once that is no longer good enough, fails with
// ERR_TEAM_UNAVAILABLE instead of spending a refresh token that may be stale. Pure: the caller reads
// the fences (team/outage.ts) and the clock.

/** What this machine knows of the team's fences for one token (team/outage.ts keeps it). */
export interface WriterRecord {
  /** The fence of this machine's last write the team accepted (or kept here, Redis gone): 0 if none. */
  wrote: number;
  /** The newest fence this machine has seen anywhere: a write, a lock taken, a read of the state. */
  saw: number;
}

export type RefreshRight =
  /** Refresh: the team is up (its lock decides), nothing is at stake, or this machine wrote last. */
  | { action: 'refresh' }
  /** Do not refresh; the held token still answers the call until `until` (Unix ms). */
  | { action: 'serve-held'; until: number | undefined }
  /** Do not refresh, and nothing held answers the call: fail with ERR_TEAM_UNAVAILABLE. */
  | { action: 'fail' };

export interface RefreshRightInput {
  /** `none`: no team for this token; `up`: reachable; `down`: a call to it failed just now. */
  team: 'none' | 'up' | 'down';
  /** The grant spends a refresh token (oauth2-refresh-token); client credentials spend nothing. */
  spendsRefreshToken: boolean;
  /** Undefined when this machine never exchanged this token with the team. */
  writer: WriterRecord | undefined;
  held: { expiresAt?: number } | undefined;
  /** The validity the caller needs (the slot's effective minimum). */
  minValidMs: number;
  now: number;
}

/** Whether this machine wrote the newest refresh token it knows of. */
export function isLastWriter(writer: WriterRecord | undefined): boolean {
  // Never exchanged with the team: its refresh token is its own (a sign-in), as without team mode.
  if (writer === undefined) return true;
  return writer.wrote > 0 && writer.wrote >= writer.saw;
}

export function refreshRight(input: RefreshRightInput): RefreshRight {
  if (input.team !== 'down' || !input.spendsRefreshToken || isLastWriter(input.writer))
    return { action: 'refresh' };
  const { held } = input;
  if (held !== undefined && (held.expiresAt === undefined || held.expiresAt - input.now >= input.minValidMs))
    return { action: 'serve-held', until: held.expiresAt };
  return { action: 'fail' };
}
