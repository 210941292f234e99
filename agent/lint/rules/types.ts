// The shape every leak-lint rule shares. A rule never searches the text itself: the prefilter finds
// its trigger (a literal it always contains) and the rule validates in place from there, reading a
// bounded number of characters. That is what keeps a scan linear in the size of the text.

/**
 * `info` is for keys made to be published (a Firebase web config's API key, a Mapbox public token):
 * worth knowing where they are, never a reason to fail a build.
 */
export type Severity = 'warning' | 'error' | 'info';

/** What a person needs to know about a rule: shown in hovers, the CLI, SARIF and docs/rules.md. */
export interface RuleInfo {
  /** Stable id, also the anchor of the rule's section in docs/rules.md. */
  id: string;
  provider: string;
  /** A short name for the secret, such as "GitHub token". */
  title: string;
  description: string;
  /** What to do about a finding. */
  fix: string;
  /** What a match looks like, in words (docs/rules.md shows this, never an example value). */
  shape: string;
  severity: Severity;
  /** The environment variable a replacement suggests when the code gives no better name. */
  envName: string;
  /**
   * The rule this one's findings were reported under before it split off: a baseline entry of that
   * rule still accepts them (a checksum-failing GitHub token was a `github-token` finding).
   */
  baselineAs?: string;
}

/** A decoded JWT, reduced to what a hover shows. Dates are ISO strings. */
export interface JwtSummary {
  alg: string;
  typ?: string;
  kid?: string;
  iss?: string;
  sub?: string;
  aud?: string[];
  scopes?: string[];
  issuedAt?: string;
  notBefore?: string;
  expiresAt?: string;
  /** Unset when the token carries no `exp` claim. */
  expired?: boolean;
}

export interface RuleMatch {
  /** Reports the finding under another rule's id (a context rule classifies what it found). */
  rule?: string;
  /** The reported span, end exclusive. */
  start: number;
  end: number;
  /** Why the text matched, in one sentence for the hover (never the value itself). */
  why: string;
  /** Overrides the rule's default message. */
  message?: string;
  /** Overrides the default mask of the span. */
  masked?: string;
  jwt?: JwtSummary;
  /**
   * Where the scan carries on. By default it skips past the match; rules whose span may hold a more
   * specific token (a URL with a password, a value assigned to a secret-like name) resume earlier.
   */
  resumeAt?: number;
}

/** Work counters: what the linear-time tests assert on instead of wall-clock time. */
export interface ScanStats {
  /** Pairs of characters the prefilter looked at more closely (its table's hits). */
  prefilterExecs: number;
  /** Trigger hits handed to rules. */
  candidates: number;
  /** Rule regex executions. */
  ruleExecs: number;
  /** Characters read by rules' run scans (memoised scans count once), plus matched URL spans. */
  examined: number;
}

/** A set of ASCII characters as a lookup table; anything beyond ASCII is never a member. */
export type CharClass = Uint8Array;

export interface MatchContext {
  readonly text: string;
  /** The clock, for JWT expiry. */
  readonly now: number;
  readonly stats: ScanStats;
  /** True for lockfiles and minified bundles: context rules (generic assignments) stay quiet there. */
  readonly lockfile: boolean;
  /**
   * True for source code (by extension): there a bare right-hand side is an expression, so the
   * generic rule reads string literals only. Unset for stdin and config files (`.env`, YAML).
   */
  readonly codeFile: boolean;
  /** The first index at or after `pos` whose character is not in `cls` (memoised per class). */
  runEnd(pos: number, cls: CharClass): number;
  /** `text.indexOf(needle, from)`, memoised so repeated searches stay linear overall. */
  indexOf(needle: string, from: number): number;
  /** Per-scan scratch state for rules (for example where the last analysed name ended). */
  readonly memo: Map<string, number>;
}

export interface Rule extends RuleInfo {
  /** Case-sensitive literals that start, or sit inside, every match. */
  triggers: readonly string[];
  /** Case-insensitive words that start a candidate (context rules). */
  keywords?: readonly string[];
  /**
   * Validates a candidate. `at` is where the trigger starts; `trigger` is the literal (or keyword,
   * lower-cased) that was found there.
   */
  match(ctx: MatchContext, at: number, trigger: string): RuleMatch | undefined;
  /** When two findings overlap, the higher priority one is kept. */
  priority: number;
  /** The longest span this rule reads around a candidate, for the work bound. */
  maxLength: number;
}

export const priority = {
  generic: 10,
  context: 20,
  url: 30,
  jwt: 40,
  provider: 50,
  live: 100,
} as const;

export function charClass(ranges: string): CharClass {
  const table = new Uint8Array(128);
  for (let i = 0; i < ranges.length; i++) {
    const from = ranges.charCodeAt(i);
    if (ranges[i + 1] === '-' && i + 2 < ranges.length) {
      const to = ranges.charCodeAt(i + 2);
      for (let c = from; c <= to; c++) table[c] = 1;
      i += 2;
    } else {
      table[from] = 1;
    }
  }
  return table;
}

export const classes = {
  alnum: charClass('A-Za-z0-9'),
  word: charClass('A-Za-z0-9_'),
  b64url: charClass('A-Za-z0-9_-'),
  b64urlDot: charClass('A-Za-z0-9_.-'),
  b64: charClass('A-Za-z0-9+/='),
  b64Any: charClass('A-Za-z0-9+/=_-'),
  hex: charClass('0-9a-fA-F'),
  digit: charClass('0-9'),
} as const;

export function inClass(cls: CharClass, code: number): boolean {
  return code < 128 && cls[code] === 1;
}
