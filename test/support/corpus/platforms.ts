// Samples for the rules in agent/lint/rules/platforms*.ts, written from each provider's documentation.
import type { SampleGroup } from './group';
import { platformsStructuralSamples } from './platformsStructural';
import { platformsTokenSamples } from './platformsTokens';

export const platformsSamples: SampleGroup = {
  positives: { ...platformsTokenSamples.positives, ...platformsStructuralSamples.positives },
  decoys: { ...platformsTokenSamples.decoys, ...platformsStructuralSamples.decoys },
  variableLength: [...platformsTokenSamples.variableLength, ...platformsStructuralSamples.variableLength],
};
