// Which pair of adjacent characters finds each trigger (prefilter.ts explains the method): triggers
// and keywords grouped and ranked as the regex passes they replace were, and the 64 KB pair table
// built from a measure of how common each character and pair is in source code.
import type { Rule } from './rules/types';

export interface TriggerEntry {
  /** The literal (lower-cased for keywords). */
  trigger: string;
  caseInsensitive: boolean;
  /** Where the anchor character sits inside the trigger. */
  anchorOffset: number;
  rules: Rule[];
}

/** A trigger within its group. */
export interface Alternative {
  entry: TriggerEntry;
  group: number;
  /** How far past the anchor a match covers: the group's next anchor comes after it. */
  covers: number;
  /** When several match at one anchor, the lowest rank decides `covers`. */
  rank: number;
}

export interface Group {
  /** Alternatives by anchor character code (lower-cased in the keyword group), longest trigger first. */
  byAnchor: Alternative[][];
  lowerCaseAnchors: boolean;
}

/** A trigger found by its pair, which starts `pairOffset` characters into it. */
export interface Check {
  alternative: Alternative;
  pairOffset: number;
  /** A character of the trigger beside the pair (`| guardFold` lower-cases a keyword's letter). */
  guardOffset: number;
  guard: number;
  guardFold: number;
}

const separatorHead = /^([A-Za-z0-9]{1,12})[-_.]/;

/** Every trigger and keyword, grouped and ranked as the regex alternation of its group was. */
export function alternativesOf(rules: readonly Rule[]): Alternative[] {
  const literal = new Map<string, TriggerEntry>();
  const keyword = new Map<string, TriggerEntry>();
  for (const rule of rules) {
    for (const trigger of rule.triggers) addEntry(literal, trigger, false, rule);
    for (const word of rule.keywords ?? []) addEntry(keyword, word.toLowerCase(), true, rule);
  }
  const separator: TriggerEntry[] = [];
  const leading: TriggerEntry[] = [];
  const inside: TriggerEntry[] = [];
  for (const entry of literal.values()) {
    const head = separatorHead.exec(entry.trigger);
    if (head?.[1] !== undefined || /^[-_.]/.test(entry.trigger)) {
      entry.anchorOffset = head?.[1]?.length ?? 0;
      separator.push(entry);
    } else if (/^[A-Z:~]/.test(entry.trigger)) {
      entry.anchorOffset = 0;
      leading.push(entry);
    } else {
      entry.anchorOffset = rarestIndex(entry.trigger);
      inside.push(entry);
    }
  }
  const keywords = [...keyword.values()];
  for (const entry of keywords) entry.anchorOffset = rarestIndex(entry.trigger);
  // Literals first, longest first; the separator's head triggers were one last alternative that
  // matched just the separator.
  const literalsFirst = longestFirst(separator.filter((e) => e.anchorOffset === 0));
  return [
    ...separator.map((entry) => {
      const rank = literalsFirst.indexOf(entry);
      return rank === -1
        ? { entry, group: 0, covers: 1, rank: literalsFirst.length }
        : { entry, group: 0, covers: entry.trigger.length, rank };
    }),
    ...longestFirst(leading).map((entry, rank) => ({ entry, group: 1, covers: entry.trigger.length, rank })),
    ...[...keywords, ...inside].map((entry, rank) => ({
      entry,
      group: 2,
      covers: entry.trigger.length - entry.anchorOffset,
      rank,
    })),
  ];
}

function addEntry(
  map: Map<string, TriggerEntry>,
  trigger: string,
  caseInsensitive: boolean,
  rule: Rule,
): void {
  if (!/^[\x20-\x7e]+$/.test(trigger))
    throw new TypeError(`prefilter: trigger ${trigger} is not printable ASCII`);
  const entry = map.get(trigger) ?? { trigger, caseInsensitive, anchorOffset: 0, rules: [] };
  if (!entry.rules.includes(rule)) entry.rules.push(rule);
  map.set(trigger, entry);
}

export function byAnchor(alternatives: Alternative[], lowerCaseAnchors: boolean): Group {
  const lists = Array.from({ length: 128 }, (): Alternative[] => []);
  for (const alternative of alternatives) {
    const { trigger, anchorOffset } = alternative.entry;
    const anchor = trigger[anchorOffset] ?? '';
    lists[(lowerCaseAnchors ? anchor.toLowerCase() : anchor).charCodeAt(0)]?.push(alternative);
  }
  // Longer triggers first within an anchor, so that `sk_live_` is tried before `sk-`'s rules.
  for (const list of lists) list.sort((a, b) => b.entry.trigger.length - a.entry.trigger.length);
  return { byAnchor: lists, lowerCaseAnchors };
}

/**
 * The pair table: each trigger under one pair of adjacent characters, in every case a keyword
 * allows. The dearest triggers choose first; later ones prefer pairs already in the table, which
 * cost nothing more (`credential` takes the `cr` of `secret`). Pairs naming the same triggers share
 * a list.
 */
export function pairTable(alternatives: readonly Alternative[]): { pairs: Uint8Array; checks: Check[][] } {
  const options = alternatives.map((alternative) => {
    const pairs = pairOptions(alternative.entry);
    return { alternative, pairs, cheapest: Math.min(...pairs.map((codes) => sum(codes, pairFrequency))) };
  });
  options.sort((a, b) => b.cheapest - a.cheapest);
  const byPair = new Map<number, Check[]>();
  for (const { alternative, pairs } of options) {
    const added = (codes: number[]) => sum(codes, (pair) => (byPair.has(pair) ? 0 : pairFrequency(pair)));
    let pairOffset = 0;
    for (let i = 1; i < pairs.length; i++) {
      if (added(pairs[i] as number[]) < added(pairs[pairOffset] as number[])) pairOffset = i;
    }
    for (const pair of pairs[pairOffset] as number[]) {
      byPair.set(pair, [...(byPair.get(pair) ?? []), checkFor(alternative, pairOffset)]);
    }
  }
  const pairs = new Uint8Array(1 << 16);
  const checks: Check[][] = [];
  const lists = new Map<string, number>();
  for (const [pair, list] of byPair) {
    const key = list
      .map((c) => `${c.alternative.entry.trigger} ${c.alternative.group} ${c.pairOffset}`)
      .join();
    const index = lists.get(key) ?? checks.push(list);
    lists.set(key, index);
    if (index > 255) throw new Error('prefilter: more than 255 distinct trigger pairs');
    pairs[pair] = index;
  }
  return { pairs, checks };
}

/** For each pair of adjacent characters in the trigger, its codes (first | second << 8) in every case. */
function pairOptions(entry: TriggerEntry): number[][] {
  const cases = (i: number) => {
    const char = entry.trigger[i] ?? '';
    const upper = char.toUpperCase();
    return (entry.caseInsensitive && upper !== char ? [char, upper] : [char]).map((c) => c.charCodeAt(0));
  };
  // A one-character trigger pairs with any byte.
  if (entry.trigger.length === 1)
    return [cases(0).flatMap((a) => Array.from({ length: 256 }, (_, b) => a | (b << 8)))];
  return Array.from({ length: entry.trigger.length - 1 }, (_, i) =>
    cases(i).flatMap((a) => cases(i + 1).map((b) => a | (b << 8))),
  );
}

function checkFor(alternative: Alternative, pairOffset: number): Check {
  const { trigger, caseInsensitive } = alternative.entry;
  // The character before the pair, else the one after it (else the pair's own second).
  const guardOffset = pairOffset > 0 ? pairOffset - 1 : Math.min(trigger.length - 1, pairOffset + 2);
  const guardFold = caseInsensitive && /[a-z]/i.test(trigger[guardOffset] ?? '') ? 32 : 0;
  return {
    alternative,
    pairOffset,
    guardOffset,
    guard: trigger.charCodeAt(guardOffset) | guardFold,
    guardFold,
  };
}

function sum<T>(values: readonly T[], value: (v: T) => number): number {
  return values.reduce((total, v) => total + value(v), 0);
}

// Characters of source code from the most to the least common (measured on JavaScript, Python and
// Go sources); what is not listed (capitals, `~`, `|` …) is rarer still.
const commonness = ` et\nao\tisnr.()lc,;d"u'=p_m:h/g-bf0y1w{}2k[]3v45x687z9jq`;

// Pairs of adjacent characters that triggers could use, from the most to the least common (measured
// on 28 MB of JavaScript, TypeScript and Python: packages in node_modules and Python's library).
// Pairs of common letters are far more common than their letters suggest (`ke`, `pa`, `be`).
const commonPairs = new Map(
  `re on er in th es en te se or st ti at nt et de he is le io ro al ar co ed me el ng ns an tr ri it
ra ec ct pe ta li nd ne am ur ce s. to ue as ac ea po pa ex ge rt od il if ve nc fi ut na hi om tu
ch rr un ca ll ss pt pr Re ef ul fo rn si lf ou op la lo ic ma ke rs ha ad no be ie ot ts qu yp va
di ty im id us lu mp of em 0x e. ai ol f. su -- eq ry so lt Co um cl sp fa nu pl je t. cr ow ho ls
ag ck oc Id In ap e: ep os xt ig __ ir tt da xp bl mi ok ld 00 wi fr No ab Pr ._ mo ni ia ER Th ey
up x0 mb St pp fu LE oi au t_ sh rm rg Er IN nf ru TE ev .c vi sc bu fe ob bo r. ly AL bj oo ui do
ip wa sa e_ Ty .s Op // tc rf iz ds De ew pu iv s: rc TT ET pi ay ba og Pa TI gi`
    .split(/\s+/)
    .map((pair, i, all) => [pair.charCodeAt(0) | (pair.charCodeAt(1) << 8), all.length - i] as const),
);

function rank(char: string): number {
  const found = commonness.indexOf(char);
  return found === -1 ? commonness.length : found;
}

/** A rough share of source text: the measured counts fall off ~8% a rank. */
function frequency(code: number): number {
  return 0.92 ** rank(String.fromCharCode(code));
}

/** Listed pairs rank above all others; the others by their characters' frequencies (at most 1). */
function pairFrequency(pair: number): number {
  const listed = commonPairs.get(pair);
  return listed === undefined ? frequency(pair & 0xff) * frequency(pair >> 8) : 1 + listed;
}

/** The position of the trigger's least common character: the keyword's anchor. */
function rarestIndex(trigger: string): number {
  let best = 0;
  let bestRank = -2;
  for (let i = 0; i < trigger.length; i++) {
    const r = rank(trigger[i] ?? ' ');
    if (r > bestRank) {
      best = i;
      bestRank = r;
    }
  }
  return best;
}

function longestFirst(entries: readonly TriggerEntry[]): TriggerEntry[] {
  return [...entries].sort((a, b) => b.trigger.length - a.trigger.length);
}
