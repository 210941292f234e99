// What a group of provider rules adds to the labelled corpus: generators of true positives written
// from each provider's documented format, the near misses people write for it, and which of its
// rules take tokens of more than one length (their positives are not cut short as decoys).
import type { Gen, Rng } from '../corpusPrimitives';

export interface SampleGroup {
  /** Rule id → generators of values that rule must report. */
  positives: Record<string, Gen[]>;
  /** Rule id → values no rule may report (a documented example, a wrong alphabet, a test key). */
  decoys: Record<string, ((r: Rng) => string)[]>;
  /** Rules whose tokens vary in length: a positive shortened by three characters may still match. */
  variableLength: string[];
}
