// A provider secret with no prefix of its own (32 hex digits, 40 base64 characters), recognised by
// the name it is assigned to: `DD_API_KEY = "…"`. The assignment analyser (context.ts) reads the
// name and value once and asks each format in turn; the first that fits reports, else the generic
// rule may. Each rules file lists its own formats next to its prefix rules.
import type { RuleInfo } from './types';

export interface ContextFormat {
  rule: RuleInfo;
  /**
   * Whether the assignment's name fits, normalised: lower case without `- _ . $ :`
   * (`DD_API_KEY` → `ddapikey`). Only names the analyser already takes for secret names are asked.
   */
  name: (name: string) => boolean;
  /** The whole value: anchored, bounded quantifiers only. */
  value: RegExp;
  /** Shannon entropy, bits per character, the value must reach. */
  minEntropy: number;
  /** Why it matched, for the hover, without the entropy: "32 hex digits assigned to a Datadog name". */
  why: string;
}

/** A context rule's metadata with the usual severity. */
export const contextInfo = (rule: Omit<RuleInfo, 'severity'>): RuleInfo => ({ ...rule, severity: 'warning' });

/** A context format written as one object: its rule's metadata and its test, side by side. */
export interface ContextSpec extends Omit<RuleInfo, 'severity'> {
  name: (name: string) => boolean;
  value: RegExp;
  minEntropy: number;
  why: string;
}

export function contextFormat(spec: ContextSpec): ContextFormat {
  const { name, value, minEntropy, why, ...info } = spec;
  return { rule: contextInfo(info), name, value, minEntropy, why };
}
