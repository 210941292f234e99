// Finds candidate positions for every rule in a few regex passes over the text. One alternation of
// all ~90 triggers is slow in V8 (it tries each alternative at each position), so the triggers are
// split by shape into three passes that each look for a rare anchor character first:
//   - `sk-`, `ghp_`, `hvs.` …: the separator `-`, `_` or `.`, with a lookbehind for the word before;
//   - `AKIA`, `Q~`, `://` …: literals that start with a capital letter or a colon;
//   - `token`, `secret` … (case-insensitive keywords of the context rules) and the rest (`eyJ`,
//     `dapi`): each written anchor-first, `J(?<=eyJ)`, on its least common character.
// The passes advance together (a k-way merge), so candidates arrive in text order and a rule can ask
// the scan to skip past a token it has just matched.
import type { Rule, ScanStats } from './rules/types';

export interface TriggerEntry {
  /** The literal (lower-cased for keywords). */
  trigger: string;
  caseInsensitive: boolean;
  /** Where the anchor character sits inside the trigger. */
  anchorOffset: number;
  rules: Rule[];
}

interface Pass {
  name: string;
  regex: RegExp;
  /** Entries by anchor character (lower-cased for case-insensitive passes). */
  byAnchor: Map<string, TriggerEntry[]>;
  caseInsensitive: boolean;
}

const separatorHead = /^([A-Za-z0-9]{1,12})[-_.]/;

/** Calls `visit` for each trigger occurrence in text order; `visit` may return where to resume. */
export type Visit = (at: number, entry: TriggerEntry) => number | undefined;

export class Prefilter {
  readonly passes: readonly Pass[];
  readonly entries: readonly TriggerEntry[];

  constructor(rules: readonly Rule[]) {
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
    // Keywords and the few literals anchored inside (`eyJ`, `dapi`) share a pass: each pass costs a
    // scan of the whole text, and their anchors (`k`, `p`, `J`…) overlap.
    const anchored = [...keywords, ...inside];
    this.entries = [...separator, ...leading, ...anchored];
    this.passes = [
      pass('separator', separatorSource(separator), separator, false),
      pass('leading', longestFirst(leading).map(escapeRegExp).join('|'), leading, false),
      pass(
        'anchored',
        anchored.map((e) => anchorFirst(e.trigger, e.anchorOffset, e.caseInsensitive)).join('|'),
        anchored,
        true,
      ),
    ].filter((p) => p.byAnchor.size > 0);
  }

  /** Runs the passes over `text`, merged in position order. */
  scan(text: string, stats: ScanStats, visit: Visit): void {
    // The pass regexes are reused across scans: V8 interprets a new regex at first and compiles
    // it to machine code only once it is hot, so a fresh copy per scan would never get fast.
    const regexes = this.passes.map((p) => {
      p.regex.lastIndex = 0;
      return p.regex;
    });
    const next = regexes.map((regex) => exec(regex, text, stats));
    for (;;) {
      let best = -1;
      for (let i = 0; i < next.length; i++) {
        const index = next[i] ?? -1;
        if (index >= 0 && (best === -1 || index < (next[best] ?? -1))) best = i;
      }
      if (best === -1) return;
      const index = next[best] ?? -1;
      const pass = this.passes[best] as Pass;
      const regex = regexes[best] as RegExp;
      let resume: number | undefined;
      const anchor = pass.caseInsensitive ? (text[index] ?? '').toLowerCase() : (text[index] ?? '');
      for (const entry of pass.byAnchor.get(anchor) ?? []) {
        const at = index - entry.anchorOffset;
        if (at < 0 || !startsWithAt(text, at, entry)) continue;
        stats.candidates++;
        const r = visit(at, entry);
        if (r !== undefined && (resume === undefined || r > resume)) resume = r;
      }
      next[best] = exec(regex, text, stats);
      if (resume !== undefined) {
        for (let i = 0; i < next.length; i++) {
          if ((next[i] ?? -1) >= 0 && (next[i] ?? -1) < resume) {
            const r = regexes[i] as RegExp;
            r.lastIndex = resume;
            next[i] = exec(r, text, stats);
          }
        }
      }
    }
  }
}

function addEntry(
  map: Map<string, TriggerEntry>,
  trigger: string,
  caseInsensitive: boolean,
  rule: Rule,
): void {
  const entry = map.get(trigger) ?? { trigger, caseInsensitive, anchorOffset: 0, rules: [] };
  if (!entry.rules.includes(rule)) entry.rules.push(rule);
  map.set(trigger, entry);
}

function pass(name: string, source: string, entries: TriggerEntry[], caseInsensitive: boolean): Pass {
  const byAnchor = new Map<string, TriggerEntry[]>();
  for (const entry of entries) {
    const anchor = entry.trigger[entry.anchorOffset] ?? '';
    const key = caseInsensitive ? anchor.toLowerCase() : anchor;
    byAnchor.set(key, [...(byAnchor.get(key) ?? []), entry]);
  }
  // Longer triggers first within an anchor, so that `sk_live_` is tried before `sk-`'s rules.
  for (const list of byAnchor.values()) list.sort((a, b) => b.trigger.length - a.trigger.length);
  // Case-insensitive sources spell out `[kK]` themselves: the `i` flag is slower in V8.
  return { name, regex: new RegExp(source || '(?!)', 'g'), byAnchor, caseInsensitive };
}

function separatorSource(entries: TriggerEntry[]): string {
  const heads = new Set<string>();
  const literals: string[] = [];
  for (const entry of entries) {
    if (entry.anchorOffset === 0) literals.push(entry.trigger);
    else heads.add(entry.trigger.slice(0, entry.anchorOffset));
  }
  const parts = longestFirst(literals).map(escapeRegExp);
  if (heads.size > 0)
    parts.push(
      `[-_.](?<=(?:${longestFirst([...heads])
        .map(escapeRegExp)
        .join('|')})[-_.])`,
    );
  return parts.join('|');
}

// Characters of source code from the most to the least common (measured on JavaScript, Python and
// Go sources); what is not listed (capitals, `~`, `|` …) is rarer still.
const commonness = ` et\nao\tisnr.()lc,;d"u'=p_m:h/g-bf0y1w{}2k[]3v45x687z9jq`;

/** The position of the trigger's least common character: the cheapest one to scan for. */
function rarestIndex(trigger: string): number {
  let best = 0;
  let bestRank = -2;
  for (let i = 0; i < trigger.length; i++) {
    const found = commonness.indexOf(trigger[i] ?? ' ');
    const rank = found === -1 ? commonness.length : found;
    if (rank > bestRank) {
      best = i;
      bestRank = rank;
    }
  }
  return best;
}

/**
 * `eyJ` becomes `J(?<=eyJ)`: the regex starts with the rare `J`, so V8 scans for it quickly, and
 * only then looks behind. (A leading lookbehind, `(?<=ey)J`, defeats that scan and is ~7x slower.)
 */
function anchorFirst(trigger: string, at: number, caseInsensitive: boolean): string {
  const lit = (text: string) => (caseInsensitive ? anyCase(text) : escapeRegExp(text));
  const before = trigger.slice(0, at + 1);
  const after = trigger.slice(at + 1);
  return `${lit(trigger[at] ?? '')}${at > 0 ? `(?<=${lit(before)})` : ''}${lit(after)}`;
}

function anyCase(text: string): string {
  return [...text]
    .map((c) =>
      c.toLowerCase() !== c.toUpperCase() ? `[${c.toLowerCase()}${c.toUpperCase()}]` : escapeRegExp(c),
    )
    .join('');
}

function longestFirst(values: readonly (string | TriggerEntry)[]): string[] {
  return values.map((v) => (typeof v === 'string' ? v : v.trigger)).sort((a, b) => b.length - a.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function exec(regex: RegExp, text: string, stats: ScanStats): number {
  stats.prefilterExecs++;
  const match = regex.exec(text);
  if (!match) return -1;
  // A lookahead-only match is empty; step past it so the next exec moves on.
  if (match[0].length === 0) regex.lastIndex++;
  return match.index;
}

function startsWithAt(text: string, at: number, entry: TriggerEntry): boolean {
  if (!entry.caseInsensitive) return text.startsWith(entry.trigger, at);
  return text.slice(at, at + entry.trigger.length).toLowerCase() === entry.trigger;
}
