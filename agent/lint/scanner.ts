// The leak-lint scanner: one prefilter pass finds candidates, each rule validates in place, then
// overlaps are resolved, live tokens checked, suppression comments honoured and positions computed.
// Linear in the text: every rule reads a bounded span around its candidate (see rules/types.ts).
import { mask } from '../base/redact';
import type { LiveTokenIndex } from './liveTokens';
import { isLockfile, isMinified } from './pathFilters';
import { Prefilter } from './prefilter';
import { allRules, liveTokenRule, ruleInfo, rulePriority } from './rules';
import type { CharClass, JwtSummary, MatchContext, RuleMatch, ScanStats, Severity } from './rules/types';
import { isCodePath } from './rules/valueShapes';

export interface Finding {
  rule: string;
  provider: string;
  severity: Severity;
  /** Offsets into the scanned text, end exclusive. */
  start: number;
  end: number;
  /** 1-based; columns count UTF-16 code units; `endColumn` is the column just after the match. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  /** The value as it may be shown: a few leading characters at most. */
  masked: string;
  /** Why it matched, without the value (for hovers). */
  why: string;
  jwt?: JwtSummary;
  /** For live-token findings: the name of the token the agent holds. */
  liveToken?: string;
}

export interface ScanOptions {
  /** The file's path, for path-based filters (lockfiles, minified bundles). */
  path?: string;
  liveTokens?: LiveTokenIndex;
  /** The clock, for JWT expiry. */
  now?: number;
  /** Filled with work counters when given. */
  stats?: ScanStats;
}

export function newStats(): ScanStats {
  return { prefilterExecs: 0, candidates: 0, ruleExecs: 0, examined: 0 };
}

let shared: Prefilter | undefined;
function prefilter(): Prefilter {
  shared ??= new Prefilter(allRules);
  return shared;
}

interface RawFinding extends RuleMatch {
  rule: string;
  priority: number;
  liveToken?: string;
}

export function scanText(text: string, options: ScanOptions = {}): Finding[] {
  return [...scanFindings(text, options)];
}

/**
 * The findings of scanText, made one at a time as their positions are computed. A caller that writes
 * them out as they come (`token-agent scan`) holds the file's matches, not also all its findings.
 */
export function* scanFindings(text: string, options: ScanOptions = {}): Generator<Finding> {
  const stats = options.stats ?? newStats();
  const path = options.path;
  const ctx = createContext(text, {
    now: options.now ?? Date.now(),
    stats,
    // Minified bundles, like lockfiles, get the provider formats only.
    lockfile: path !== undefined && (isLockfile(path) || isMinified(path, text)),
    codeFile: options.path !== undefined && isCodePath(options.path),
  });
  const raw: RawFinding[] = [];
  prefilter().scan(text, stats, (at, entry) => {
    for (const rule of entry.rules) {
      const match = rule.match(ctx, at, entry.trigger);
      if (!match) continue;
      const id = match.rule ?? rule.id;
      raw.push(rawFinding(match, id));
      return match.resumeAt ?? match.end;
    }
    return undefined;
  });
  const live = options.liveTokens;
  if (live && live.size > 0) raw.push(...findLiveTokens(text, live, raw));
  yield* finish(text, resolveOverlaps(raw));
}

/**
 * The same fields in the same order for every finding. A spread (`{ ...match, rule }`) of matches
 * that differ in their optional fields gave each finding a hidden class of its own in V8: about 300
 * bytes a finding, which a file of a few hundred thousand keys turned into a hundred megabytes.
 */
function rawFinding(match: RuleMatch, rule: string): RawFinding {
  return {
    rule,
    priority: rulePriority(rule),
    start: match.start,
    end: match.end,
    why: match.why,
    message: match.message,
    masked: match.masked,
    jwt: match.jwt,
    resumeAt: match.resumeAt,
  };
}

function createContext(
  text: string,
  options: { now: number; stats: ScanStats; lockfile: boolean; codeFile: boolean },
): MatchContext {
  const runs = new Map<CharClass, { start: number; end: number }>();
  const searches = new Map<string, { from: number; found: number }>();
  return {
    text,
    now: options.now,
    stats: options.stats,
    lockfile: options.lockfile,
    codeFile: options.codeFile,
    memo: new Map(),
    runEnd(pos, cls) {
      const cached = runs.get(cls);
      if (cached && pos >= cached.start && pos < cached.end) return cached.end;
      let end = pos;
      while (end < text.length) {
        const code = text.charCodeAt(end);
        if (code >= 128 || cls[code] !== 1) break;
        end++;
      }
      options.stats.examined += end - pos + 1;
      runs.set(cls, { start: pos, end });
      return end;
    },
    indexOf(needle, from) {
      const cached = searches.get(needle);
      // The last search covered [cached.from, found): no occurrence starts in between.
      if (cached && from >= cached.from && (cached.found === -1 || from <= cached.found)) return cached.found;
      const found = text.indexOf(needle, from);
      searches.set(needle, { from, found });
      return found;
    },
  };
}

// Words that may be a live token: maximal runs without whitespace, quotes or brackets.
const word = /[^\s"'`<>()[\]{},;]{8,4096}/g;
const innerSeparators = /[=:@?&]/;

function findLiveTokens(text: string, live: LiveTokenIndex, found: readonly RawFinding[]): RawFinding[] {
  const results: RawFinding[] = [];
  const min = live.minLength;
  const check = (start: number, end: number) => {
    if (end - start < min || !live.hasLength(end - start)) return;
    const name = live.match(text.slice(start, end));
    if (name === undefined) return;
    results.push({
      rule: liveTokenRule.id,
      priority: rulePriority(liveTokenRule.id),
      start,
      end,
      liveToken: name,
      why: `it is equal to the access token '${name}' that the agent holds right now (compared by keyed hash).`,
      message: `Live token '${name}' hard-coded`,
      masked: mask(text.slice(start, end)),
    });
  };
  // Every candidate span the rules accepted, whatever its format.
  for (const finding of found) check(finding.start, finding.end);
  const regex = new RegExp(word.source, 'g');
  for (let m = regex.exec(text); m; m = regex.exec(text)) {
    const start = m.index;
    const value = m[0];
    check(start, start + value.length);
    // A trailing sentence mark, and the parts of `NAME=token`, `user:token@host`, `?token=…&`.
    const trimmed = value.replace(/[.:!?]+$/, '');
    if (trimmed.length !== value.length) check(start, start + trimmed.length);
    if (innerSeparators.test(value)) {
      let partStart = 0;
      for (let i = 0; i <= value.length; i++) {
        if (i === value.length || innerSeparators.test(value[i] ?? '')) {
          if (partStart > 0 || i < value.length) check(start + partStart, start + i);
          if (partStart === 0 && i < value.length) check(start + i + 1, start + value.length);
          partStart = i + 1;
        }
      }
    }
  }
  return results;
}

/** Keeps, of overlapping findings, the one with the higher priority (then the longer one). */
function resolveOverlaps(raw: RawFinding[]): RawFinding[] {
  const sorted = [...raw].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: RawFinding[] = [];
  for (const finding of sorted) {
    const last = kept[kept.length - 1];
    if (!last || finding.start >= last.end) {
      kept.push(finding);
      continue;
    }
    const better =
      finding.priority > last.priority ||
      (finding.priority === last.priority && finding.end - finding.start > last.end - last.start);
    if (better) kept[kept.length - 1] = finding;
  }
  // A replacement may now overlap the one before it; one more pass settles chains.
  return kept.length === sorted.length
    ? kept
    : kept.filter((f, i) => i === 0 || f.start >= (kept[i - 1]?.end ?? 0));
}

const allowMarkers = ['token-agent:allow', 'gitleaks:allow', 'pragma: allowlist secret', 'trufflehog:ignore'];
const nextLineMarker = 'pragma: allowlist nextline secret';

function* finish(text: string, raw: RawFinding[]): Generator<Finding> {
  // Positions by walking the text once, in finding order. Each line's end and suppression are
  // computed once, however many findings it holds (a minified line may hold thousands).
  let line = 1;
  let lineStart = 0;
  let lineEnd = endOfLine(text, 0);
  let previousLineStart = -1;
  let suppressed: boolean | undefined;
  for (const item of raw) {
    while (lineEnd < item.start) {
      previousLineStart = lineStart;
      lineStart = lineEnd + 1;
      lineEnd = endOfLine(text, lineStart);
      line++;
      suppressed = undefined;
    }
    suppressed ??= isSuppressed(text, lineStart, lineEnd, previousLineStart);
    if (suppressed) continue;
    let endLine = line;
    let endLineStart = lineStart;
    for (let nl = lineEnd; nl < item.end && nl < text.length; nl = endOfLine(text, nl + 1)) {
      endLine++;
      endLineStart = nl + 1;
    }
    const info = ruleInfo(item.rule);
    yield {
      rule: item.rule,
      provider: info?.provider ?? 'Unknown',
      severity: info?.severity ?? 'warning',
      start: item.start,
      end: item.end,
      line,
      column: item.start - lineStart + 1,
      endLine,
      endColumn: item.end - endLineStart + 1,
      message: item.message ?? defaultMessage(item.rule, info?.title),
      masked: item.masked ?? mask(text.slice(item.start, item.end)),
      why: item.why,
      ...(item.jwt ? { jwt: item.jwt } : {}),
      ...(item.liveToken ? { liveToken: item.liveToken } : {}),
    };
  }
}

// Built once per rule and shared by its findings (a dense file may hold hundreds of thousands).
const defaultMessages = new Map<string, string>();
function defaultMessage(rule: string, title: string | undefined): string {
  let message = defaultMessages.get(rule);
  if (message === undefined) {
    message = `${title ?? rule} hard-coded`;
    defaultMessages.set(rule, message);
  }
  return message;
}

function isSuppressed(text: string, lineStart: number, lineEnd: number, previousLineStart: number): boolean {
  const lineText = text.slice(lineStart, lineEnd);
  if (allowMarkers.some((marker) => lineText.includes(marker))) return true;
  return previousLineStart >= 0 && text.slice(previousLineStart, lineStart).includes(nextLineMarker);
}

function endOfLine(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline === -1 ? text.length : newline;
}
