// Provider rules of the aidata group: prefix rules (tokenRule) and formats known by their name.
import type { ContextFormat } from './contextFormat';
import type { Rule } from './types';

export const aidataRules: Rule[] = [];

export const aidataContext: ContextFormat[] = [];
