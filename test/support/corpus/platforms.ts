// Samples for the rules in agent/lint/rules/platforms.ts, written from each provider's documentation.
import type { SampleGroup } from './group';

export const platformsSamples: SampleGroup = { positives: {}, decoys: {}, variableLength: [] };
