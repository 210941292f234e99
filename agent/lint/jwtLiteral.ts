// Foundation placeholder rule: finds JWT-shaped literals so the diagnostics path can be proved end to
// end. The leak-lint issue replaces it with the full scanner.

export interface Finding {
  rule: string;
  /** Offsets into the scanned text, end exclusive. */
  start: number;
  end: number;
  message: string;
}

// Three base64url segments, the first two starting with `eyJ` (base64 of `{"`). Each segment is a
// single character class with a fixed separator, so matching stays linear in the input length.
const jwtShape = /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g;

export function findJwtLiterals(text: string): Finding[] {
  const findings: Finding[] = [];
  for (const match of text.matchAll(jwtShape)) {
    const start = match.index;
    findings.push({
      rule: 'jwt',
      start,
      end: start + match[0].length,
      message: `Hard-coded JWT (${match[0].slice(0, 8)}…): load it from the environment or the token agent instead.`,
    });
  }
  return findings;
}
