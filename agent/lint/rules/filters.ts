// False-alarm controls shared by the rules: placeholders, documented example values, repeated or
// sequential characters, and entropy. Each check reads only the candidate value, never the text
// around it, so it costs at most the length of the value.
import { createHash } from 'node:crypto';

const counts = new Int32Array(128);

/** Shannon entropy in bits per character. Characters beyond ASCII share one bucket. */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  counts.fill(0);
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const bucket = code < 128 ? code : 127;
    counts[bucket] = (counts[bucket] ?? 0) + 1;
  }
  let entropy = 0;
  for (let c = 0; c < 128; c++) {
    const n = counts[c] ?? 0;
    if (n === 0) continue;
    const p = n / value.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

// Words people put where a secret goes. Lower-case; the value is lower-cased before the search. A
// random token contains one of these by chance with negligible probability (each is 4+ letters).
const placeholderWords = [
  'xxxx',
  'example',
  'sample',
  'dummy',
  'placeholder',
  'changeme',
  'change_me',
  'change-me',
  'your_',
  'your-',
  'yourtoken',
  'yourkey',
  'yoursecret',
  'yourpassword',
  'redacted',
  'insert',
  'replace',
  '****',
  '....',
  '…',
  '${',
  '$(',
  '{{',
  '}}',
  '<',
  '>',
];
const percentVariable = /%[A-Za-z_][A-Za-z0-9_]{0,64}%/;

/** Template syntax, stars, "your-token", "changeme", AWS-style `...EXAMPLE` values and friends. */
export function isPlaceholder(value: string): boolean {
  const lower = value.toLowerCase();
  for (const word of placeholderWords) if (lower.includes(word)) return true;
  return value.includes('%') && percentVariable.test(value);
}

/**
 * A run of six or more identical characters, or a value that mostly counts up or down
 * (`0123456789abcdef`, `zyxwv`): typed by a person, not drawn at random.
 */
export function isRepetitive(value: string): boolean {
  let run = 1;
  let steps = 0;
  for (let i = 1; i < value.length; i++) {
    const diff = value.charCodeAt(i) - value.charCodeAt(i - 1);
    if (diff === 0) {
      run++;
      if (run >= 6) return true;
    } else {
      run = 1;
    }
    if (diff === 1 || diff === -1) steps++;
  }
  return value.length >= 8 && steps >= (value.length - 1) * 0.4;
}

// Values providers print in their documentation, kept as SHA-256 digests so that this file holds no
// token-shaped literal for other scanners to trip over. Add one with:
//   node -e "console.log(require('crypto').createHash('sha256').update(process.argv[1]).digest('hex'))" VALUE
// Each digest is kept with its value's length, so that only a value of that length is hashed: a
// SHA-256 a candidate was a tenth of the scan's time on a file dense with keywords.
const knownExampleDigests = new Map<number, Set<string>>([
  // GitHub's documentation example of a personal access token.
  [40, new Set(['3543c50b0cb9cea8e55eb1f529b79f043cb250d485fde7b66cabbb5183add7da'])],
]);

/** A value a provider documents as an example (matched by digest). */
export function isKnownExample(value: string): boolean {
  const digests = knownExampleDigests.get(value.length);
  return digests?.has(createHash('sha256').update(value).digest('hex')) === true;
}

/**
 * Whether the candidate sits after an integrity or checksum marker on its line (lockfiles, SRI
 * attributes, go.sum): those are hashes, not secrets. Looks back at most 80 characters.
 */
export function inIntegrityContext(text: string, start: number): boolean {
  const from = Math.max(0, start - 80);
  let lineStart = from;
  for (let i = start - 1; i >= from; i--) {
    if (text.charCodeAt(i) === 10) {
      lineStart = i + 1;
      break;
    }
  }
  const before = text.slice(lineStart, start).toLowerCase();
  return (
    before.includes('integrity') ||
    before.includes('checksum') ||
    before.includes('sha512-') ||
    before.includes('sha384-') ||
    before.includes('sha256-') ||
    before.includes('sha1-') ||
    before.includes('h1:')
  );
}

/** The checks every token rule applies to its random part. */
export function looksRandom(random: string, minEntropy: number): { ok: boolean; entropy: number } {
  const entropy = shannonEntropy(random);
  return { ok: entropy >= minEntropy && !isRepetitive(random), entropy };
}
