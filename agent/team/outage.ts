// What this machine knows of who wrote a shared token last, for when Redis cannot be reached
// (engine/refreshRight.ts decides from it; #16 item 5). Two sources:
// - a small file per token in the data folder, `team/<name>.writer.json`: the fence of this
//   machine's last accepted write and the newest fence it read from the team. Written under the
//   token's machine-local lock, so every process of this machine shares it and a restart keeps it.
// - what this process hears on the token's channel: a lock taken (`locked`, with its fence), let go
//   (`released`), a token committed (`token`). Kept in memory: it tells at once that another member
//   has started a refresh, so that this machine stops counting itself the last writer before Redis
//   can go away in the middle of that refresh.
// - whether this process lost the team since: after an outage, a member that is not the last writer
//   does not refresh from the team's state until the last writer has spoken (a newer fence), since
//   the last writer may have refreshed alone meanwhile and the team's refresh token be retired; at
//   most a grace period after Redis is back, for a last writer that never returns.
// Redis's own counter only grows (an emptied Redis restarts above every earlier fence, scripts.ts),
// so the fences compare across a Redis restart.
import { join } from 'node:path';
import { writeAtomically } from '../base/atomicFile';
import { ensurePrivateFolder, readOwnFile } from '../base/privateFolder';
import type { WriterRecord } from '../engine/refreshRight';
import type { Message } from './inbox';

interface WriterFile extends WriterRecord {
  /** The team's state key: a record from another team, Redis prefix or token definition does not count. */
  base: string;
}

interface Heard {
  saw: number;
  /** Locks taken whose holder has not committed or let go yet, as far as this process heard. */
  pending: Set<number>;
  /** This process lost the team when the newest fence it knew was `fence`; suspect until `until`. */
  away?: { fence: number; until: number };
}

export class WriterBook {
  readonly #dir: string;
  readonly #heard = new Map<string, Heard>();

  constructor(dataDir: string) {
    this.#dir = join(dataDir, 'team');
  }

  /** A message on the channel of the token whose state key is `base`. */
  observe(base: string, message: Message): void {
    if (message.t === 'down') return;
    const heard = this.#heardOf(base);
    if (message.t === 'locked') heard.pending.add(message.fence);
    else if (message.t === 'released') {
      if (message.fence !== undefined) heard.pending.delete(message.fence);
    } else {
      heard.saw = Math.max(heard.saw, message.fence);
      for (const fence of heard.pending) if (fence <= message.fence) heard.pending.delete(fence);
      if (heard.away && message.fence > heard.away.fence) heard.away = undefined;
    }
  }

  /** This process lost the team: what it knows of every token is suspect until a writer speaks. */
  away(): void {
    for (const heard of this.#heard.values())
      heard.away = { fence: heard.away?.fence ?? heard.saw, until: Number.POSITIVE_INFINITY };
  }

  /** The team is back: the suspicion ends at `until` at the latest. */
  back(until: number): void {
    for (const heard of this.#heard.values())
      if (heard.away?.until === Number.POSITIVE_INFINITY) heard.away.until = until;
  }

  /** Whether this process lost the team since it last heard a write newer than it knew. */
  wasAway(base: string): boolean {
    return this.#heard.get(base)?.away !== undefined;
  }

  /**
   * Whether the team's state, at `teamFence`, may still lack what the last writer refreshed while
   * this process could not reach Redis: no write newer than before the outage yet, grace not over.
   */
  waitingForWriter(base: string, teamFence: number, now: number): boolean {
    const heard = this.#heard.get(base);
    const away = heard?.away;
    if (!heard || !away) return false;
    if (teamFence > away.fence || now >= away.until) {
      heard.away = undefined;
      return false;
    }
    return true;
  }

  /** One of this process's own leases ended: its lock no longer counts against this machine. */
  ended(base: string, fence: number): void {
    this.#heard.get(base)?.pending.delete(fence);
  }

  /**
   * What this machine knows for the token: the file merged with what this process heard. The lock
   * this process holds (`ownFence`, the lease being used) does not count as someone else's.
   * Undefined when this machine never exchanged the token with the team.
   */
  async record(name: string, base: string, ownFence?: number): Promise<WriterRecord | undefined> {
    const read = await this.#read(name, base);
    // Unreadable: as if this machine had never written, which only ever forbids a refresh.
    if (read === 'corrupt') return { wrote: 0, saw: Number.MAX_SAFE_INTEGER };
    const file = read;
    const heard = this.#heard.get(base);
    let saw = Math.max(file?.saw ?? 0, heard?.saw ?? 0);
    // Holding the lock with `ownFence`, every lock with a lower fence has ended (the lock is
    // exclusive), whether or not its release was heard.
    for (const fence of heard?.pending ?? [])
      if (ownFence === undefined || fence > ownFence) saw = Math.max(saw, fence);
    if (file === undefined && saw === 0) return undefined;
    return { wrote: file?.wrote ?? 0, saw };
  }

  /** The team's state had this fence when read. Call holding the token's machine-local lock. */
  async saw(name: string, base: string, fence: number): Promise<void> {
    const file = orNone(await this.#read(name, base));
    const heard = this.#heardOf(base);
    heard.saw = Math.max(heard.saw, fence);
    if (file !== undefined && file.saw >= fence) return;
    await this.#write(name, { base, wrote: file?.wrote ?? 0, saw: Math.max(fence, file?.saw ?? 0) });
  }

  /**
   * The team accepted this machine's write with this fence, or this machine kept the refresh token
   * its lease obtained because Redis went away before the commit: either way this machine holds the
   * newest refresh token. Call holding the token's machine-local lock.
   */
  async wrote(name: string, base: string, fence: number): Promise<void> {
    const file = orNone(await this.#read(name, base));
    const wrote = Math.max(fence, file?.wrote ?? 0);
    await this.#write(name, { base, wrote, saw: Math.max(wrote, file?.saw ?? 0) });
    const heard = this.#heardOf(base);
    heard.saw = Math.max(heard.saw, fence);
    heard.pending.delete(fence);
    if (heard.away && fence > heard.away.fence) heard.away = undefined;
  }

  #heardOf(base: string): Heard {
    let heard = this.#heard.get(base);
    if (!heard) {
      heard = { saw: 0, pending: new Set() };
      this.#heard.set(base, heard);
    }
    return heard;
  }

  async #read(name: string, base: string): Promise<WriterFile | undefined | 'corrupt'> {
    // Never through a symlink planted in its place.
    const text = await readOwnFile(this.#path(name));
    if (text === undefined) return undefined;
    try {
      const value = JSON.parse(text) as Partial<WriterFile>;
      if (value.base !== base || typeof value.wrote !== 'number' || typeof value.saw !== 'number')
        return undefined;
      return { base, wrote: value.wrote, saw: value.saw };
    } catch {
      return 'corrupt';
    }
  }

  async #write(name: string, record: WriterFile): Promise<void> {
    await ensurePrivateFolder(this.#dir);
    await writeAtomically(this.#path(name), `${JSON.stringify(record)}\n`);
  }

  #path(name: string): string {
    return join(this.#dir, `${name}.writer.json`);
  }
}

/** A corrupt file is replaced by the next write. */
function orNone(read: WriterFile | undefined | 'corrupt'): WriterFile | undefined {
  return read === 'corrupt' ? undefined : read;
}
