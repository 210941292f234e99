// Provider rules of the platforms group (cloud, infrastructure, CI/CD, source hosting, package
// registries, secrets managers): prefix rules (tokenRule), structural rules, and formats known by
// their name. Split by kind so each file reads in one sitting.
import type { ContextFormat } from './contextFormat';
import { platformsAzureRules } from './platformsAzure';
import { platformsCloudRules } from './platformsCloud';
import { platformsContextFormats } from './platformsContext';
import { platformsGitRules } from './platformsGit';
import { platformsManifestRules } from './platformsManifests';
import { platformsTokenRules } from './platformsTokens';
import type { Rule } from './types';

export const platformsRules: Rule[] = [
  ...platformsGitRules,
  ...platformsTokenRules,
  ...platformsCloudRules,
  ...platformsAzureRules,
  ...platformsManifestRules,
];

export const platformsContext: ContextFormat[] = platformsContextFormats;
