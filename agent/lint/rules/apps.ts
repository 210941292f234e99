// Provider rules of the apps group: prefix rules (tokenRule) and formats known by their name.
import type { ContextFormat } from './contextFormat';
import type { Rule } from './types';

export const appsRules: Rule[] = [];

export const appsContext: ContextFormat[] = [];
