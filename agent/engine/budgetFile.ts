import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomically as replaceFile } from '../base/atomicFile';
import { ensurePrivateFolder, noFollow } from '../base/privateFolder';
import type { TokenSlot } from './tokenSlot';

export const budgetFileName = 'budget.json';

/** One token's record. Times are Unix ms on the engine's clock. */
export interface BudgetRecord {
  /** Refreshes spent inside the budget's window. */
  spent: number[];
  /** Failed refreshes in a row; absent after a success. */
  failures?: number;
  /** When the backoff allows the next try. */
  retryAt?: number;
}

export type BudgetRecords = Map<string, BudgetRecord>;

interface BudgetFile {
  version: 1;
  tokens: Record<string, BudgetRecord>;
}

export interface BudgetBookOptions {
  dataDir: string;
  now: () => number;
  /** Only spent times newer than this are kept: the budget's window. */
  windowMs: number;
  log: (level: 'warn' | 'debug', message: string) => void;
  /** The engine's records now, for a write. */
  collect: () => BudgetRecords;
  /** Takes in what the file holds: all of it once at load (`initial`), the merged spent times later. */
  adopt: (records: BudgetRecords, initial: boolean) => void;
}

/** Loads budget.json once and writes it after every change, one write at a time, coalescing. */
export class BudgetBook {
  readonly path: string;
  readonly #options: BudgetBookOptions;
  #loaded: Promise<void> | undefined;
  #writing: Promise<void> | undefined;
  #dirty = false;

  constructor(options: BudgetBookOptions) {
    this.#options = options;
    this.path = join(options.dataDir, budgetFileName);
  }

  /** Resolves once the file has been read (once per book); never rejects. */
  ready(): Promise<void> {
    this.#loaded ??= this.#read().then((records) => this.#options.adopt(records, true));
    return this.#loaded;
  }

  /** Reads in the spent times other processes wrote since; never rejects. */
  async sync(): Promise<void> {
    await this.ready();
    await this.#writing;
    this.#options.adopt(await this.#read(), false);
  }

  /** Writes the engine's records (merged with the file's); resolves once a write including them ended. */
  persist(): Promise<void> {
    this.#dirty = true;
    this.#writing ??= this.#drain();
    return this.#writing;
  }

  /** Resolves once no write is running. */
  async idle(): Promise<void> {
    await this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      await this.ready();
      while (this.#dirty) {
        this.#dirty = false;
        try {
          const merged = merge(await this.#read(), this.#options.collect(), this.#cutoff());
          await writeAtomically(this.#options.dataDir, budgetFileName, `${JSON.stringify(toFile(merged))}\n`);
          this.#options.adopt(merged, false);
        } catch (error) {
          // A budget that cannot be saved still works in memory; the next change tries again.
          this.#options.log('warn', `could not save ${this.path}: ${(error as Error).message}`);
        }
      }
    } finally {
      // In the same turn as the last look at #dirty, so a persist() from now on starts a new drain.
      this.#writing = undefined;
    }
  }

  #cutoff(): number {
    return this.#options.now() - this.#options.windowMs;
  }

  /** The file's records; empty (with a log line) when it is missing, unreadable or corrupt. */
  async #read(): Promise<BudgetRecords> {
    let text: string;
    try {
      const handle = await open(this.path, constants.O_RDONLY | noFollow);
      try {
        if (!(await handle.stat()).isFile()) throw new Error('not a regular file');
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT')
        this.#options.log(
          'warn',
          `${this.path} cannot be read (${code ?? (error as Error).message}); starting empty`,
        );
      return new Map();
    }
    const records = parse(text, this.#cutoff());
    if (!records) {
      this.#options.log('warn', `${this.path} is corrupt; starting with an empty refresh budget`);
      return new Map();
    }
    return records;
  }
}

/** The engine's records: each slot's spent refreshes and, while failing, its backoff. */
export function budgetRecords(slots: Iterable<TokenSlot>, now: number): BudgetRecords {
  const records: BudgetRecords = new Map();
  for (const slot of slots) {
    const retryAt = slot.failures > 0 ? (slot.nextRefreshAt ?? slot.backoffUntil) : undefined;
    records.set(slot.name, {
      spent: slot.budget.spentTimes(now),
      ...(slot.failures > 0 ? { failures: slot.failures } : {}),
      ...(retryAt !== undefined ? { retryAt } : {}),
    });
  }
  return records;
}

/**
 * Takes the file's records into the slots: the spent times always (another process's refreshes count
 * too), the backoff only at load and only into a slot that has not failed on its own since.
 */
export function adoptBudgets(
  slots: Iterable<TokenSlot>,
  records: BudgetRecords,
  initial: boolean,
  now: number,
): void {
  for (const slot of slots) {
    const record = records.get(slot.name);
    if (!record) continue;
    slot.budget.restore(record.spent, now);
    if (!initial || !record.failures || slot.failures > 0) continue;
    slot.failures = record.failures;
    if (record.retryAt !== undefined && record.retryAt > now) slot.backoffUntil = record.retryAt;
  }
}

function parse(text: string, cutoff: number): BudgetRecords | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const file = value as Partial<BudgetFile> | null;
  if (file?.version !== 1 || typeof file.tokens !== 'object' || file.tokens === null) return undefined;
  const records: BudgetRecords = new Map();
  for (const [name, record] of Object.entries(file.tokens)) {
    if (!Array.isArray(record?.spent) || !record.spent.every((at) => Number.isFinite(at))) return undefined;
    const failures =
      Number.isInteger(record.failures) && (record.failures ?? 0) > 0 ? record.failures : undefined;
    const retryAt = Number.isFinite(record.retryAt) ? record.retryAt : undefined;
    records.set(name, clean({ spent: record.spent, failures, retryAt }, cutoff));
  }
  return records;
}

/** Ours win for the failures of the tokens we hold; the spent times of both count. */
function merge(file: BudgetRecords, ours: BudgetRecords, cutoff: number): BudgetRecords {
  const merged: BudgetRecords = new Map();
  for (const name of new Set([...file.keys(), ...ours.keys()])) {
    const theirs = file.get(name);
    const mine = ours.get(name);
    const spent = [...new Set([...(theirs?.spent ?? []), ...(mine?.spent ?? [])])];
    const backoff = mine ?? theirs;
    const record = clean({ spent, failures: backoff?.failures, retryAt: backoff?.retryAt }, cutoff);
    // A token with nothing to remember is left out, so the file does not grow with old names.
    if (record.spent.length > 0 || record.failures !== undefined) merged.set(name, record);
  }
  return merged;
}

function clean(
  record: { spent: number[]; failures: number | undefined; retryAt: number | undefined },
  cutoff: number,
): BudgetRecord {
  const spent = record.spent.filter((at) => at > cutoff).sort((a, b) => a - b);
  return {
    spent,
    ...(record.failures ? { failures: record.failures } : {}),
    ...(record.failures && record.retryAt !== undefined ? { retryAt: record.retryAt } : {}),
  };
}

function toFile(records: BudgetRecords): BudgetFile {
  // Object.fromEntries defines own properties, so a token named "__proto__" stays a plain key.
  return { version: 1, tokens: Object.fromEntries(records) };
}

/**
 * Replaces `dir/name` atomically: a temp file created 0600 with O_CREAT | O_EXCL | O_NOFOLLOW in the
 * same folder (so nothing planted there is followed or reused), flushed, then renamed over the file.
 */
export async function writeAtomically(dir: string, name: string, text: string): Promise<void> {
  await ensurePrivateFolder(dir);
  await replaceFile(join(dir, name), text);
}
