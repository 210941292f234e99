// Builds the common kind of rule: a token that starts with a fixed prefix and is made of one class
// of characters. Validation reads the run of class characters once (memoised), rejects a run of the
// wrong length in O(1), and only then runs the rule's sticky regex over at most that run.
import { mask } from '../../base/redact';
import { inIntegrityContext, isKnownExample, isPlaceholder, looksRandom } from './filters';
import {
  type CharClass,
  inClass,
  type MatchContext,
  priority,
  type Rule,
  type RuleInfo,
  type RuleMatch,
  type Severity,
} from './types';

export interface TokenRuleSpec extends Omit<RuleInfo, 'severity' | 'shape'> {
  severity?: Severity;
  triggers: readonly string[];
  /**
   * Matches the whole token from its first character. Must carry the sticky flag, and use only
   * bounded quantifiers (no `*`, `+` or `{n,}`) and no nested quantifiers: a test checks both.
   */
  pattern: RegExp;
  /** The characters a token is made of: a token must be a whole run of them. */
  cls: CharClass;
  /** Inclusive bounds on the token length. */
  length: readonly [number, number];
  /** The random part starts this many characters in (after the prefix); it must reach `minEntropy`. */
  randomFrom: number;
  minEntropy: number;
  /** Further checks on the matched token (a marker, a suffix). */
  check?: (token: string) => boolean;
  /** Why it matched, for the hover: "prefix `ghp_` and 36 letters or digits". */
  why: string;
  /**
   * How far before the trigger the token starts, for triggers inside a token (`Q~`, `:AA`):
   * returns the token start, or -1 when the text before the trigger does not fit.
   */
  startBefore?: (ctx: MatchContext, at: number) => number;
}

export function tokenRule(spec: TokenRuleSpec): Rule {
  const { cls, pattern, length, randomFrom, minEntropy, check, why, startBefore } = spec;
  if (!pattern.sticky) throw new TypeError(`rule ${spec.id}: pattern needs the sticky (y) flag`);
  const [minLength, maxLength] = length;
  // One sentence per entropy figure, shared by every finding that has it: a file of a million keys
  // would otherwise hold a million copies of the same few dozen sentences.
  const whyByEntropy = new Map<string, string>();
  const whyFor = (entropy: number): string => {
    const bits = entropy.toFixed(1);
    let sentence = whyByEntropy.get(bits);
    if (sentence === undefined) {
      sentence = `${why}; entropy ${bits} bits per character.`;
      whyByEntropy.set(bits, sentence);
    }
    return sentence;
  };
  return {
    id: spec.id,
    provider: spec.provider,
    title: spec.title,
    description: spec.description,
    fix: spec.fix,
    shape: why[0]?.toUpperCase() + why.slice(1),
    envName: spec.envName,
    severity: spec.severity ?? 'warning',
    triggers: spec.triggers,
    priority: priority.provider,
    maxLength: maxLength + 32,
    match(ctx: MatchContext, at: number): RuleMatch | undefined {
      const { text } = ctx;
      const start = startBefore ? startBefore(ctx, at) : at;
      if (start < 0) return undefined;
      // The token must start a run: a letter, digit or class character before it means the trigger
      // is the middle of a longer word (`task-`, `MAKIA…`). `=` and `:` separate (`KEY=token`).
      if (start > 0) {
        const before = text.charCodeAt(start - 1);
        if (isAlnum(before) || (inClass(cls, before) && before !== 61 && before !== 58)) return undefined;
      }
      const runEnd = ctx.runEnd(start, cls);
      const run = runEnd - start;
      // One trailing `.` or `-` may end a sentence or a flag rather than the token.
      if (run < minLength || run > maxLength + 1) return undefined;
      ctx.stats.ruleExecs++;
      pattern.lastIndex = start;
      const match = pattern.exec(text);
      if (!match) return undefined;
      const end = start + match[0].length;
      if (end !== runEnd && !(end === runEnd - 1 && isSentencePunctuation(text.charCodeAt(end)))) {
        return undefined;
      }
      const token = match[0];
      if (token.length < minLength || token.length > maxLength) return undefined;
      if (check && !check(token)) return undefined;
      if (isPlaceholder(token) || isKnownExample(token)) return undefined;
      const random = looksRandom(token.slice(randomFrom), minEntropy);
      if (!random.ok) return undefined;
      if (inIntegrityContext(text, start)) return undefined;
      return {
        start,
        end,
        why: whyFor(random.entropy),
        masked: mask(token),
      };
    },
  };
}

export function isAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isSentencePunctuation(code: number): boolean {
  return code === 46 || code === 45; // . or -
}
