// The provider sample groups, one per rules file in agent/lint/rules/.
import { aidataSamples } from './aidata';
import { appsSamples } from './apps';
import type { SampleGroup } from './group';
import { moreSamples } from './more';
import { platformsSamples } from './platforms';

export const sampleGroups: readonly SampleGroup[] = [
  platformsSamples,
  appsSamples,
  aidataSamples,
  moreSamples,
];
