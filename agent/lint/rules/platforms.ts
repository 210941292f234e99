// Provider rules of the platforms group: prefix rules (tokenRule) and formats known by their name.
import type { ContextFormat } from './contextFormat';
import type { Rule } from './types';

export const platformsRules: Rule[] = [];

export const platformsContext: ContextFormat[] = [];
