// Samples for the rules in agent/lint/rules/apps.ts, written from each provider's documentation.
import type { SampleGroup } from './group';

export const appsSamples: SampleGroup = { positives: {}, decoys: {}, variableLength: [] };
