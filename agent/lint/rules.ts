// Every leak-lint rule, in dispatch order, and where each is documented.
import { aiRules } from './rules/ai';
import { aidataRules } from './rules/aidata';
import { appsRules } from './rules/apps';
import { cloudRules } from './rules/cloud';
import { contextRules } from './rules/context';
import { moreRules } from './rules/more';
import { platformsRules } from './rules/platforms';
import { saasRules } from './rules/saas';
import { structuralRules } from './rules/structural';
import { priority, type Rule, type RuleInfo } from './rules/types';
import { urlRules } from './rules/url';
import { vcsRules } from './rules/vcs';
import { installedRulesDocLinks } from './rulesDocLink';

export type { JwtSummary, Rule, RuleInfo, ScanStats, Severity } from './rules/types';

/** Reported when a value equals a token the agent holds right now, whatever its format. */
export const liveTokenRule: RuleInfo = {
  id: 'live-token',
  provider: 'Token Agent',
  title: 'Live token held by the agent',
  description:
    'A value equal to an access token the token agent currently holds. Compared by keyed hash: the agent never sends tokens to the editor for this.',
  fix: 'Replace it with `token-agent get NAME` at run time or an environment variable, and refresh the token (it has been exposed).',
  severity: 'error',
  shape: 'Any word or string literal equal to a token the agent holds, whatever its format.',
  envName: 'ACCESS_TOKEN',
};

/** Reported for a keystore file by its name (agent/lint/keystore.ts): its content is binary. */
export const keystoreRule: RuleInfo = {
  id: 'keystore-file',
  provider: 'Generic',
  title: 'Keystore file',
  description:
    'A keystore (`.p12`, `.pfx`, `.jks`, `.keystore`, `.jceks`, `.bks`) in the scanned tree: a container of private keys, protected only by its password. Reported by file name; the content is not read.',
  fix: 'Remove the file from the repository (and its history), replace the keys it held, and load the keystore from a secret store or the deployment environment.',
  severity: 'warning',
  shape: 'A file whose extension is `.p12`, `.pfx`, `.jks`, `.keystore`, `.jceks` or `.bks`.',
  envName: 'KEYSTORE_PATH',
};

export const allRules: readonly Rule[] = [
  ...aiRules,
  ...vcsRules,
  ...cloudRules,
  ...saasRules,
  ...platformsRules,
  ...appsRules,
  ...aidataRules,
  ...moreRules,
  ...structuralRules,
  ...urlRules,
  ...contextRules,
];

const byId = new Map<string, RuleInfo>([...allRules.map((rule) => [rule.id, rule] as const)]);
byId.set(liveTokenRule.id, liveTokenRule);
byId.set(keystoreRule.id, keystoreRule);

/** Every rule a finding can carry, including the live-token rule. */
export const ruleInfos: readonly RuleInfo[] = [...byId.values()];

export function ruleInfo(id: string): RuleInfo | undefined {
  return byId.get(id);
}

export function rulePriority(id: string): number {
  if (id === liveTokenRule.id) return priority.live;
  return allRules.find((rule) => rule.id === id)?.priority ?? priority.generic;
}

/** The link to a rule's section of docs/rules.md (see rulesDocLink.ts), if there is a document. */
export function ruleDocsUrl(id: string): string | undefined {
  return installedRulesDocLinks().rule(id);
}
