// Finds candidate positions for every rule: each occurrence of a trigger (`ghp_`, `AKIA`, `eyJ` …)
// or keyword (`token`, `secret` …, case-insensitive), in one pass over the text.
//
// Why not regexes: V8 tries a regex at every character that could start a match, and keywords start
// on common letters (`c`, `p`, `k` …), so the three regex passes this replaces cost ~5 ms per MB,
// most of it branch mispredictions. Nor `indexOf` per character: a call per `c` or `p` is ~20 ns.
// Instead each trigger is found by one pair of adjacent characters, chosen to be rare in source
// code (`k-` for `sk-`, `cr` in any case for `secret` and `credential`), and one loop looks every
// pair of the text up in a 64 KB table, four pairs per 32-bit word of a Latin-1 copy (a character
// beyond Latin-1 becomes its low byte: a false hit at worst, which the comparison with the text
// rejects). Only where a pair names triggers are they compared with the text.
//
// Candidates are visited in the order, and with the skipping, of the regex passes, so results are
// unchanged. Each trigger has an anchor character (its separator for `sk-`, its first capital or
// colon for `AKIA`, `://`, its rarest letter for keywords and `eyJ`) and belongs to one of three
// groups by that shape (one regex each, before). Candidates come in anchor order; after a match a
// group looks for its next anchor past what the match covers, as a regex's next match starts after
// the last, and a rule can ask every group to skip past a token it has just matched.
import {
  type Alternative,
  alternativesOf,
  byAnchor,
  type Check,
  type Group,
  pairTable,
  type TriggerEntry,
} from './prefilterPlan';
import type { Rule, ScanStats } from './rules/types';

export type { TriggerEntry };

/** Calls `visit` for each trigger occurrence in text order; `visit` may return where to resume. */
export type Visit = (at: number, entry: TriggerEntry) => number | undefined;

// A candidate is one number, anchor * groupSlots + group: it sorts by position, then group.
const groupSlots = 4;
// The text is copied in chunks, so that the copy stays small and in cache; a multiple of 4 bytes,
// so that every chunk but the last is whole words.
const chunkSize = 1 << 15;

export class Prefilter {
  readonly entries: readonly TriggerEntry[];
  private readonly groups: readonly Group[];
  /** For each pair of bytes (first | second << 8), 1 + the index of its list in `checks`, or 0. */
  private readonly pairs: Uint8Array;
  private readonly checks: Check[][];
  private readonly scratch = Buffer.alloc(chunkSize + 4);
  private readonly words = new Uint32Array(this.scratch.buffer, this.scratch.byteOffset, (chunkSize + 4) / 4);
  private readonly found = new Int32Array(chunkSize + 4);

  constructor(rules: readonly Rule[]) {
    const alternatives = alternativesOf(rules);
    this.entries = alternatives.map((a) => a.entry);
    const inGroup = (group: number) => alternatives.filter((a) => a.group === group);
    this.groups = [byAnchor(inGroup(0), false), byAnchor(inGroup(1), false), byAnchor(inGroup(2), true)];
    ({ pairs: this.pairs, checks: this.checks } = pairTable(alternatives));
  }

  /** Visits every candidate in anchor order. */
  scan(text: string, stats: ScanStats, visit: Visit): void {
    const keys: number[] = [];
    let previous = 0;
    for (let start = 0; start < text.length; start += chunkSize) {
      previous = this.collect(text, start, previous, keys, stats);
    }
    const floors = this.groups.map(() => 0);
    for (const key of keys) {
      const group = key % groupSlots;
      const anchor = (key - group) / groupSlots;
      if (anchor < (floors[group] as number)) continue;
      const resume = this.visitAt(text, anchor, group, floors, stats, visit);
      if (resume !== undefined) {
        for (let i = 0; i < floors.length; i++) floors[i] = Math.max(floors[i] as number, resume);
      }
    }
  }

  /**
   * Adds the trigger occurrences whose pair starts in the chunk to `keys`, in order. `previous` is
   * the byte before the chunk; returns the chunk's last byte.
   */
  private collect(text: string, start: number, previous: number, keys: number[], stats: ScanStats): number {
    const { scratch, found } = this;
    const length = scratch.write(text.slice(start, start + chunkSize), 0, 'latin1');
    scratch.writeUInt32LE(0, length);
    const count = notePairs(this.words, (length + 3) >> 2, this.pairs, previous, found);
    stats.prefilterExecs += count;
    const lists = this.checks;
    for (let f = 0; f < count; f++) {
      const note = found[f] as number;
      for (const check of lists[(note & 0xff) - 1] as Check[]) {
        const at = start + (note >> 8) - check.pairOffset;
        // Most hits are a common pair in another word (`ss` in `class` for `pass`): the character
        // beside the pair settles them before the whole trigger is compared.
        if ((text.charCodeAt(at + check.guardOffset) | check.guardFold) !== check.guard) continue;
        const { entry, group } = check.alternative;
        if (matchesAt(text, at, entry)) insertSorted(keys, (at + entry.anchorOffset) * groupSlots + group);
      }
    }
    return scratch[length - 1] ?? 0;
  }

  /** Visits the group's triggers at `anchor`, moves the group's floor on; returns where to resume. */
  private visitAt(
    text: string,
    anchor: number,
    group: number,
    floors: number[],
    stats: ScanStats,
    visit: Visit,
  ): number | undefined {
    const { byAnchor, lowerCaseAnchors } = this.groups[group] as Group;
    let code = text.charCodeAt(anchor);
    if (lowerCaseAnchors && code >= 65 && code <= 90) code |= 32;
    const alternatives = byAnchor[code] ?? [];
    let resume: number | undefined;
    let decider: Alternative | undefined;
    for (const alternative of alternatives) {
      const { entry } = alternative;
      const at = anchor - entry.anchorOffset;
      if (!matchesAt(text, at, entry)) continue;
      if (decider === undefined || alternative.rank < decider.rank) decider = alternative;
      stats.candidates++;
      const r = visit(at, entry);
      if (r !== undefined && (resume === undefined || r > resume)) resume = r;
    }
    floors[group] = anchor + (decider?.covers ?? 1);
    return resume;
  }
}

/**
 * The hot loop: looks up the four pairs that end in each word (the first starts in the word before)
 * and notes those that name triggers, as offset << 8 | list; returns how many.
 */
function notePairs(
  words: Uint32Array,
  count: number,
  pairs: Uint8Array,
  previous: number,
  found: Int32Array,
) {
  let noted = 0;
  let last = previous;
  for (let i = 0; i < count; i++) {
    const word = words[i] as number;
    const a = pairs[last | ((word & 0xff) << 8)] as number;
    const b = pairs[word & 0xffff] as number;
    const c = pairs[(word >>> 8) & 0xffff] as number;
    const d = pairs[word >>> 16] as number;
    if ((a | b | c | d) !== 0) {
      if (a !== 0) found[noted++] = ((4 * i - 1) << 8) | a;
      if (b !== 0) found[noted++] = ((4 * i) << 8) | b;
      if (c !== 0) found[noted++] = ((4 * i + 1) << 8) | c;
      if (d !== 0) found[noted++] = ((4 * i + 2) << 8) | d;
    }
    last = word >>> 24;
  }
  return noted;
}

/**
 * Inserts `key` in order, once. Pairs come in text order and an anchor is less than a trigger's
 * length from its pair, so a key moves back past a bounded number of others: linear overall.
 */
function insertSorted(keys: number[], key: number): void {
  let i = keys.length;
  while (i > 0 && (keys[i - 1] as number) > key) i--;
  if (keys[i - 1] === key) return;
  if (i === keys.length) keys.push(key);
  else keys.splice(i, 0, key);
}

/** Triggers are ASCII; keywords compare letters case-insensitively, as the regexes did. */
function matchesAt(text: string, at: number, entry: TriggerEntry): boolean {
  const { trigger, caseInsensitive } = entry;
  if (at < 0 || at + trigger.length > text.length) return false;
  for (let i = 0; i < trigger.length; i++) {
    let code = text.charCodeAt(at + i);
    if (caseInsensitive && code >= 65 && code <= 90) code |= 32;
    if (code !== trigger.charCodeAt(i)) return false;
  }
  return true;
}
