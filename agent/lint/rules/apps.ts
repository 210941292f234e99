// Provider rules of the apps group (messaging, email, marketing, payments, commerce, observability,
// productivity, identity): prefix rules (tokenRule) and formats known by their name. The rules live
// in three files of readable size; this one puts them together.
import { appsCommerceRules } from './appsCommerce';
import { appsContextFormats } from './appsContext';
import { appsMessagingRules } from './appsMessaging';
import type { ContextFormat } from './contextFormat';
import type { Rule } from './types';

export const appsRules: Rule[] = [...appsMessagingRules, ...appsCommerceRules];

export const appsContext: ContextFormat[] = appsContextFormats;
