// A baseline of accepted findings (`token-agent scan --baseline FILE`, and the editor's lint): each
// entry is a path, a rule and a hash of the matched value, never the value and never a line number,
// so an entry survives the lines around it moving and says nothing a reader could use.
//
// The hash is scrypt (N=2^12, r=8, p=1) under a random salt kept in the file. A keyed hash (HMAC) with
// its key in the same file would stop precomputed tables, but not guessing: anyone with the file has
// the key, and a short password or a token with few unknown characters falls to billions of HMAC
// guesses a second. scrypt makes each guess cost milliseconds and megabytes instead, on every guess,
// with the parameters stored so they can be raised later. Long provider tokens are out of reach
// either way; the cost is for the short values the generic rules find. Scans pay it only for findings
// whose path and rule are in the baseline (and once per distinct value, memoised in memory).
import { createHmac, randomBytes, scryptSync } from 'node:crypto';
import { ruleInfo } from './rules';

/** The most scrypt memory one baseline hash may take (128 × N × r × p bytes). */
const maxScryptBytes = 32 * 1024 * 1024;

export const defaultBaselineName = '.tokenagent-baseline.json';
export const baselineFormat = 'token-agent-baseline/v1';

export interface KdfParams {
  name: 'scrypt';
  N: number;
  r: number;
  p: number;
  /** Base64. */
  salt: string;
}

export interface BaselineEntry {
  /** Relative to the baseline file's folder (the repository root), `/`-separated. */
  path: string;
  rule: string;
  /** scrypt of the matched value, base64url. */
  hash: string;
}

export interface BaselineDocument {
  format: typeof baselineFormat;
  note: string;
  kdf: KdfParams;
  entries: BaselineEntry[];
}

export const defaultKdf = { N: 2 ** 12, r: 8, p: 1 } as const;

/** A baseline file that cannot be used, with what to do about it. */
export class BaselineError extends Error {}

export class Baseline {
  readonly kdf: KdfParams;
  /** Entry hashes by `path\0rule`, each with the rule its entry names (see `pairKey`). */
  readonly #entries = new Map<string, Map<string, string>>();
  /** Hashes by an in-memory HMAC of the value under a per-process key: the value is not kept. */
  readonly #memo = new Map<string, string>();
  readonly #memoKey = randomBytes(32);

  constructor(kdf: KdfParams, entries: Iterable<BaselineEntry> = []) {
    this.kdf = kdf;
    for (const entry of entries) this.add(entry);
  }

  /** An empty baseline with a fresh salt. */
  static create(params: { N: number; r: number; p: number } = defaultKdf): Baseline {
    return new Baseline({ name: 'scrypt', ...params, salt: randomBytes(16).toString('base64') });
  }

  /** Reads a baseline file's text; throws BaselineError saying what is wrong. */
  static parse(text: string): Baseline {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new BaselineError(`it is not JSON (${(error as Error).message})`);
    }
    const doc = raw as Partial<BaselineDocument>;
    if (doc === null || typeof doc !== 'object' || doc.format !== baselineFormat)
      throw new BaselineError(`it is not a token-agent baseline (format '${baselineFormat}')`);
    const kdf = doc.kdf;
    const positive = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0;
    if (
      kdf?.name !== 'scrypt' ||
      !positive(kdf.N) ||
      (kdf.N & (kdf.N - 1)) !== 0 ||
      !positive(kdf.r) ||
      !positive(kdf.p) ||
      // A baseline comes with the repository, so its cost is someone else's choice: capped at 32 MiB
      // of scrypt memory a hash (the default takes 4), or a cloned repo could stall the editor's lint.
      128 * kdf.N * kdf.r * kdf.p > maxScryptBytes ||
      typeof kdf.salt !== 'string' ||
      kdf.salt.length < 16
    )
      throw new BaselineError('its "kdf" is not scrypt with usable parameters');
    if (!Array.isArray(doc.entries)) throw new BaselineError('it has no "entries" list');
    const entries: BaselineEntry[] = [];
    for (const entry of doc.entries as unknown[]) {
      const e = entry as Partial<BaselineEntry> | null;
      if (!e || typeof e.path !== 'string' || typeof e.rule !== 'string' || typeof e.hash !== 'string')
        throw new BaselineError('an entry lacks its "path", "rule" or "hash"');
      entries.push({ path: e.path, rule: e.rule, hash: e.hash });
    }
    return new Baseline(kdf, entries);
  }

  add(entry: BaselineEntry): void {
    const key = pairKey(entry.path, entry.rule);
    const hashes = this.#entries.get(key) ?? new Map<string, string>();
    this.#entries.set(key, hashes);
    hashes.set(entry.hash, entry.rule);
  }

  get size(): number {
    let n = 0;
    for (const hashes of this.#entries.values()) n += hashes.size;
    return n;
  }

  entries(): BaselineEntry[] {
    const out: BaselineEntry[] = [];
    for (const [key, hashes] of this.#entries) {
      const path = key.slice(0, key.indexOf('\0'));
      for (const [hash, rule] of hashes) out.push({ path, rule, hash });
    }
    return out.sort(compareEntries);
  }

  /** Whether any entry has this path and rule: the cheap test before hashing. */
  mayHold(path: string, rule: string): boolean {
    return this.#entries.has(pairKey(path, rule));
  }

  /** The entry a finding matches, if any. Hashes the value only when path and rule are known. */
  match(path: string, rule: string, value: string): BaselineEntry | undefined {
    const hashes = this.#entries.get(pairKey(path, rule));
    if (!hashes) return undefined;
    const hash = this.hash(value);
    const entryRule = hashes.get(hash);
    return entryRule === undefined ? undefined : { path, rule: entryRule, hash };
  }

  hash(value: string): string {
    const memoKey = createHmac('sha256', this.#memoKey).update(value).digest('base64');
    let hash = this.#memo.get(memoKey);
    if (hash === undefined) {
      const { N, r, p, salt } = this.kdf;
      hash = scryptSync(value, Buffer.from(salt, 'base64'), 32, {
        N,
        r,
        p,
        maxmem: 256 * N * r * p + 1024 * 1024,
      }).toString('base64url');
      this.#memo.set(memoKey, hash);
    }
    return hash;
  }

  toJson(): string {
    const doc: BaselineDocument = {
      format: baselineFormat,
      note:
        'Findings accepted by `token-agent scan --write-baseline`; scans and the editor report only findings not listed here. ' +
        'Each hash is scrypt of the matched value under kdf.salt; no value is stored. Safe to commit.',
      kdf: this.kdf,
      entries: this.entries(),
    };
    return `${JSON.stringify(doc, null, 2)}\n`;
  }
}

export function entryKey(entry: BaselineEntry): string {
  return `${entry.path}\0${entry.rule}\0${entry.hash}`;
}

function pairKey(path: string, rule: string): string {
  // A rule split off another keeps that rule's entries (RuleInfo.baselineAs), rather than turn them stale.
  return `${path}\0${ruleInfo(rule)?.baselineAs ?? rule}`;
}

function compareEntries(a: BaselineEntry, b: BaselineEntry): number {
  return a.path.localeCompare(b.path) || a.rule.localeCompare(b.rule) || a.hash.localeCompare(b.hash);
}
