// Samples for the rules in agent/lint/rules/aidata.ts, written from each provider's documentation.
import type { SampleGroup } from './group';

export const aidataSamples: SampleGroup = { positives: {}, decoys: {}, variableLength: [] };
