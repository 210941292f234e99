// The leak lint's rules as a SecretFinder for the redactor (base/redact.ts). base/ cannot import the
// lint, so the composition root (runtime.ts) hands this to the engine, and the engine to its sinks.
import type { SecretSpan } from '../base/redact';
import { scanText } from './scanner';

/** Where the lint's rules find a secret in `text` (no file path: no lockfile or minified rules). */
export function findSecrets(text: string): SecretSpan[] {
  return scanText(text).map((finding) => ({ start: finding.start, end: finding.end }));
}
