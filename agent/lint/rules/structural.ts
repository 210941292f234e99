// Secrets recognised by structure rather than a provider prefix: PEM private keys and JWTs (decoded).
// URLs that carry a secret are in url.ts.
import { readJwtInfo } from '../../base/jwtInfo';
import { mask } from '../../base/redact';
import { isAlnum } from './define';
import { isPlaceholder } from './filters';
import { charClass, classes, inClass, type JwtSummary, priority, type Rule } from './types';

const b64Body = charClass('A-Za-z0-9+/=');
const pemHeader =
  /-----BEGIN[ ]{1,2}(?:(RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP)[ ]{1,2})?PRIVATE KEY(?: BLOCK)?-----/y;
// What a private key's body starts with: a DER SEQUENCE (`MI…`), the OpenSSH magic, the headers of a
// legacy encrypted PEM, or a PGP packet. Anything else (`...`, `<your key>`) is an example.
const bodyStarts = ['MI', 'b3BlbnNzaC1rZXktdjE', 'Proc-Type:', 'lQ', 'lF', 'xc', 'Version:', 'Comment:'];
const pemSearchLimit = 16_384;

const privateKey: Rule = {
  id: 'private-key',
  provider: 'PEM',
  title: 'Private key',
  description:
    'A PEM private key (PKCS#1 RSA, PKCS#8, SEC1 EC, DSA, OpenSSH, encrypted PKCS#8 or PGP) with real key material after its header.',
  fix: 'Treat the key as compromised: replace it (and any certificate issued for it), keep key files out of the repository, and load them from a secret store or a path outside the project.',
  severity: 'warning',
  shape:
    'A `-----BEGIN … PRIVATE KEY-----` line, then a body that starts like real key material (`MI` for DER, the OpenSSH magic, PEM encryption headers or a PGP packet), up to the `-----END` line.',
  envName: 'PRIVATE_KEY',
  triggers: ['-----BEGIN'],
  priority: priority.provider,
  maxLength: pemSearchLimit + 128,
  match(ctx, at) {
    const { text } = ctx;
    ctx.stats.ruleExecs++;
    pemHeader.lastIndex = at;
    const header = pemHeader.exec(text);
    if (!header) return undefined;
    const headerEnd = at + header[0].length;
    const bodyStart = skipLineBreaks(text, headerEnd);
    if (!bodyStarts.some((start) => text.startsWith(start, bodyStart))) return undefined;
    const runEnd = ctx.runEnd(bodyStart, b64Body);
    // A real body has at least a line of base64; a truncated example does not.
    const firstLine = text.slice(bodyStart, Math.min(runEnd, bodyStart + 64));
    const pgpOrHeaders = !text.startsWith('MI', bodyStart) && !text.startsWith('b3Bl', bodyStart);
    if (!pgpOrHeaders && (runEnd - bodyStart < 40 || isPlaceholder(firstLine))) return undefined;
    const endMarker = ctx.indexOf('-----END', headerEnd);
    // DER that starts `MI` holds at least 128 bytes (172 base64 characters): a shorter body before the
    // END line is an example cut short (`MIIEpQ…AuyfR. -----END`), as in SDK documentation.
    if (text.startsWith('MI', bodyStart) && endMarker !== -1 && endMarker - bodyStart < 160) return undefined;
    let end = runEnd;
    if (endMarker !== -1 && endMarker - headerEnd <= pemSearchLimit) {
      const close = text.indexOf('-----', endMarker + 8);
      end = close !== -1 && close - endMarker < 64 ? close + 5 : endMarker + 8;
    }
    const kind = header[1] ? `${header[1]} ` : '';
    return {
      start: at,
      end,
      why: `a \`BEGIN ${kind}PRIVATE KEY\` header followed by key material (\`${text.slice(bodyStart, bodyStart + 2)}…\`).`,
      message: `${kind ? `${header[1]} private` : 'Private'} key in source`,
      masked: `-----BEGIN ${kind}PRIVATE KEY-----…`,
    };
  },
};

/** Skips whitespace, quotes, `+` concatenation and `\n` escapes between a PEM header and body. */
function skipLineBreaks(text: string, from: number): number {
  let i = from;
  const limit = Math.min(text.length, from + 64);
  while (i < limit) {
    const c = text[i];
    if (
      c === ' ' ||
      c === '\t' ||
      c === '\r' ||
      c === '\n' ||
      c === '"' ||
      c === "'" ||
      c === '+' ||
      c === ','
    ) {
      i++;
    } else if (c === '\\' && (text[i + 1] === 'n' || text[i + 1] === 'r')) {
      i += 2;
    } else {
      break;
    }
  }
  return i;
}

const jwtPattern = /eyJ[A-Za-z0-9_-]{8,2048}\.[A-Za-z0-9_-]{2,16384}\.[A-Za-z0-9_-]{0,2048}/y;

const jwt: Rule = {
  id: 'jwt',
  provider: 'JWT',
  title: 'JSON Web Token',
  description:
    'A signed JWT: three base64url parts whose header decodes to JSON with an `alg`. Access and ID tokens are bearer credentials until they expire; the finding says whether this one has.',
  fix: 'Do not hard-code tokens: fetch one at run time (for example `token-agent get NAME`) or load it from the environment. If it has not expired, revoke the session or rotate the signing key.',
  severity: 'warning',
  shape:
    'Three base64url parts separated by dots, the first starting `eyJ`; the header must decode to a JSON object with an `alg`, the payload to a JSON object.',
  envName: 'ACCESS_TOKEN',
  triggers: ['eyJ'],
  priority: priority.jwt,
  maxLength: 20_500,
  match(ctx, at) {
    const { text } = ctx;
    if (at > 0) {
      const before = text.charCodeAt(at - 1);
      if (inClass(classes.b64urlDot, before) || isAlnum(before)) return undefined;
    }
    const runEnd = ctx.runEnd(at, classes.b64urlDot);
    if (runEnd - at < 16 || runEnd - at > 20_480) return undefined;
    ctx.stats.ruleExecs++;
    jwtPattern.lastIndex = at;
    const match = jwtPattern.exec(text);
    if (!match) return undefined;
    const end = at + match[0].length;
    if (end !== runEnd && !(end === runEnd - 1 && text[end] === '.')) return undefined;
    const token = match[0];
    if (isPlaceholder(token.slice(token.lastIndexOf('.') + 1))) return undefined;
    const summary = decodeJwt(token, ctx.now);
    if (!summary) return undefined;
    return {
      start: at,
      end,
      why: `its header decodes to JSON with \`alg\` ${summary.alg}${summary.typ ? ` and \`typ\` ${summary.typ}` : ''}.`,
      message: jwtMessage(summary, ctx.now),
      masked: mask(token),
      jwt: summary,
    };
  },
};

function decodeJwt(token: string, now: number): JwtSummary | undefined {
  const [headerPart, payloadPart] = token.split('.');
  let header: unknown;
  let payload: unknown;
  try {
    header = JSON.parse(Buffer.from(headerPart ?? '', 'base64url').toString('utf8'));
    payload = JSON.parse(Buffer.from(payloadPart ?? '', 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(header) || typeof header.alg !== 'string' || header.alg === '') return undefined;
  if (!isObject(payload)) return undefined;
  // jwt.io's well-known example token, found in countless tutorials.
  if (payload.sub === '1234567890' && payload.name === 'John Doe' && payload.iat === 1516239022)
    return undefined;
  const info = readJwtInfo(token);
  const summary: JwtSummary = { alg: header.alg };
  if (info?.header.typ) summary.typ = info.header.typ;
  if (info?.header.kid) summary.kid = info.header.kid;
  if (info?.iss) summary.iss = info.iss;
  if (info?.sub) summary.sub = info.sub;
  if (info?.aud) summary.aud = info.aud;
  if (info?.scopes) summary.scopes = info.scopes;
  if (info?.issuedAtMs !== undefined) summary.issuedAt = isoDate(info.issuedAtMs);
  if (info?.notBeforeMs !== undefined) summary.notBefore = isoDate(info.notBeforeMs);
  if (info?.expiresAtMs !== undefined) {
    summary.expiresAt = isoDate(info.expiresAtMs);
    summary.expired = info.expiresAtMs <= now;
  }
  return summary;
}

function isoDate(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jwtMessage(summary: JwtSummary, now: number): string {
  const base = `Hard-coded JWT (${summary.alg}${summary.iss ? `, issuer ${summary.iss}` : ''})`;
  if (summary.expiresAt === undefined) return `${base}: it has no expiry, so it is valid until revoked.`;
  const at = Date.parse(summary.expiresAt);
  return summary.expired
    ? `${base}: expired ${describeSpan(now - at)} ago (${summary.expiresAt}).`
    : `${base}: not expired, valid for ${describeSpan(at - now)} more (until ${summary.expiresAt}).`;
}

function describeSpan(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 90) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}

export const structuralRules: Rule[] = [privateKey, jwt];
