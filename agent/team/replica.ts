// This machine's copy of the team's refresh token. The secret store keeps the refresh token as ever
// (so that the agent can carry on alone while Redis is down), and a small mark file in the data
// directory remembers which one the team had when the two last agreed: the fence, and a keyed digest
// of the refresh token (never the token). With it, the two copies can be told apart when they differ:
// - the local copy still matches the mark: the team moved on (another machine refreshed), take the
//   team's;
// - the local copy changed since (a sign-in, `secret set`, or a refresh while Redis was down): the
//   local one is newer, and it is published with the next token;
// - no mark (a machine that never exchanged with this team): the team's wins, since a copied or
//   stale refresh token sent to the provider could make it revoke the whole grant.
// Every method is called holding the token's machine-local lock.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomically } from '../base/atomicFile';
import { ensurePrivateFolder } from '../base/privateFolder';
import type { SecretStore } from '../store/secretStore';
import type { TeamKey } from './seal';

interface Mark {
  /** The team's state key: a mark from another team, Redis or token definition does not count. */
  base: string;
  keyId: string;
  fence: number;
  refresh: string;
}

export interface TeamRefreshToken {
  base: string;
  fence: number;
  refreshToken: string | undefined;
}

export class LocalReplica {
  readonly #dir: string;
  readonly #store: SecretStore;
  readonly #key: TeamKey;

  constructor(options: { dataDir: string; store: SecretStore; key: TeamKey }) {
    this.#dir = join(options.dataDir, 'team');
    this.#store = options.store;
    this.#key = options.key;
  }

  /**
   * Before a refresh: puts the team's refresh token in the local store when it is the newer copy.
   * Returns the local one when that is newer (or the team has none), for the holder to publish.
   */
  async reconcile(name: string, team: TeamRefreshToken): Promise<string | undefined> {
    const local = await this.#store.get(name, 'refresh_token');
    const mark = await this.#mark(name, team.base);
    if (team.refreshToken === undefined) return local;
    if (local === team.refreshToken) {
      if (mark?.fence !== team.fence) await this.#setMark(name, team.base, team.fence, local);
      return undefined;
    }
    if (local !== undefined && mark !== undefined) {
      const localUnchanged = mark.refresh === this.#key.digest(local);
      // Changed since the last exchange, or the team went back to older data (a restored backup).
      if (!localUnchanged || mark.fence > team.fence) return local;
    }
    await this.#store.set(name, 'refresh_token', team.refreshToken);
    await this.#setMark(name, team.base, team.fence, team.refreshToken);
    return undefined;
  }

  /** Whether the team has a newer fence than this machine last saw, i.e. whether mirror() has work. */
  async behind(name: string, base: string, fence: number): Promise<boolean> {
    const mark = await this.#mark(name, base);
    return mark === undefined || mark.fence < fence;
  }

  /**
   * After adopting the team's token: brings the local refresh token up to date too, unless the local
   * one is newer, so that a refresh while Redis is down starts from the live refresh token.
   */
  async mirror(name: string, team: TeamRefreshToken): Promise<void> {
    if (team.refreshToken === undefined) return;
    const mark = await this.#mark(name, team.base);
    if (mark !== undefined && mark.fence >= team.fence) return;
    const local = await this.#store.get(name, 'refresh_token');
    if (local !== undefined && local !== team.refreshToken && mark !== undefined) {
      if (mark.refresh !== this.#key.digest(local)) return;
    }
    if (local !== team.refreshToken) await this.#store.set(name, 'refresh_token', team.refreshToken);
    await this.#setMark(name, team.base, team.fence, team.refreshToken);
  }

  /** After the team accepted a write: the local store holds `refreshToken`, equal to the team's. */
  async committed(
    name: string,
    base: string,
    fence: number,
    refreshToken: string | undefined,
  ): Promise<void> {
    const current = refreshToken ?? (await this.#store.get(name, 'refresh_token'));
    if (current !== undefined) await this.#setMark(name, base, fence, current);
  }

  async #mark(name: string, base: string): Promise<Mark | undefined> {
    let mark: Partial<Mark>;
    try {
      mark = JSON.parse(await readFile(this.#path(name), 'utf8')) as Partial<Mark>;
    } catch {
      // Absent or unreadable: the team's copy wins, which is the safe side.
      return undefined;
    }
    if (mark.base !== base || mark.keyId !== this.#key.id) return undefined;
    if (typeof mark.fence !== 'number' || typeof mark.refresh !== 'string') return undefined;
    return mark as Mark;
  }

  async #setMark(name: string, base: string, fence: number, refreshToken: string): Promise<void> {
    const mark: Mark = { base, keyId: this.#key.id, fence, refresh: this.#key.digest(refreshToken) };
    await ensurePrivateFolder(this.#dir);
    // Written aside (a 0600 temp file, O_EXCL | O_NOFOLLOW) and renamed over, so that a crash never
    // leaves half a mark and a planted link is refused.
    await writeAtomically(this.#path(name), `${JSON.stringify(mark)}\n`);
  }

  #path(name: string): string {
    return join(this.#dir, `${name}.json`);
  }
}
