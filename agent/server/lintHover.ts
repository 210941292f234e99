// The hover for a leak lint finding (lintFeatures.ts): what was found, why it matters, the masked
// value, a JWT's claims, and the fix, as Markdown. Never the value.
import { ruleDocsUrl, ruleInfo } from '../lint/rules';
import type { Finding } from '../lint/scanner';

// Only what would change the rendering is escaped: VS Code's renderer links bare URLs, and a URL
// with `\.` or `\)` in it is shown (and linked) with the backslashes.
const markdownSpecial = /[\\`*_[\]|<>]/g;
function md(text: string): string {
  return text.replace(markdownSpecial, '\\$&').replace(/^[#+-]/, '\\$&');
}

/** A claim value in a table cell: a code span needs no escaping but the cell's `|`. */
function cell(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}

/** The hover for a finding: what, why, the masked value, JWT claims, and the fix. Never the value. */
export function hoverMarkdown(finding: Finding, now: number): string {
  const info = ruleInfo(finding.rule);
  const lines = [
    `**Token Agent: ${md(info?.title ?? finding.rule)}** (\`${finding.rule}\`, ${finding.severity})`,
    '',
    `${md(finding.provider)}: ${md(finding.message)}`,
    '',
    `Why: ${finding.why}`,
    '',
    `Value: \`${finding.masked.replace(/`/g, "'")}\``,
  ];
  const jwt = finding.jwt;
  if (jwt) {
    lines.push('', '| claim | value |', '| --- | --- |');
    const row = (claim: string, value: string | undefined) => {
      if (value !== undefined) lines.push(`| ${claim} | ${cell(value)} |`);
    };
    row('alg', jwt.alg);
    row('typ', jwt.typ);
    row('kid', jwt.kid);
    row('iss', jwt.iss);
    row('sub', jwt.sub);
    row('aud', jwt.aud?.join(', '));
    row('scope', jwt.scopes?.join(' '));
    row('iat', jwt.issuedAt);
    row('nbf', jwt.notBefore);
    if (jwt.expiresAt) {
      const left = Date.parse(jwt.expiresAt) - now;
      row(
        'exp',
        `${jwt.expiresAt} (${left <= 0 ? 'expired' : `valid for ${Math.round(left / 60_000)} more minutes`})`,
      );
    } else {
      row('exp', 'none: valid until revoked');
    }
  }
  if (info) lines.push('', `Fix: ${info.fix}`);
  const docs = ruleDocsUrl(finding.rule);
  if (docs !== undefined) lines.push('', `[Rule documentation](${docs})`);
  return lines.join('\n');
}
