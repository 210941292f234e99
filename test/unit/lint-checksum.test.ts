// GitHub and npm tokens carry a CRC32 checksum of their random part (agent/lint/rules/checksum.ts).
// One that passes is a warning like any provider token. One that fails (typo'd, made up, cut short)
// is reported as `github-token-unverified` / `npm-token-unverified` with severity info, end to end:
// an LSP Information diagnostic, a SARIF note, and a scan that still exits 0 — and whose progress
// line counts it as info, so the count and the exit status do not seem to disagree.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseScanArgs, runScan } from '../../agent/cli/scan';
import { findingsCount } from '../../agent/cli/scanOutput';
import { ruleInfo } from '../../agent/lint/rules';
import { crc32, hasValidCrcChecksum, toBase62 } from '../../agent/lint/rules/checksum';
import { scanText } from '../../agent/lint/scanner';
import { scanDocument, toDiagnostic } from '../../agent/server/diagnostics';
import { checksummedToken } from '../support/fakeTokens';
import { scanInMemory } from '../support/scanInMemory';
import { alphabets, randomString, rng } from '../support/secretCorpus';

const r = rng(1313);
const now = Date.parse('2026-01-01T00:00:00Z');
const valid = (prefix: string) => checksummedToken(prefix, randomString(r, 36, alphabets.alnum));
/** A valid token with its last character changed: what a typo or a made-up value looks like. */
const altered = (token: string) => `${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`;
const findings = (text: string) =>
  scanText(text, { now }).map((f) => ({
    rule: f.rule,
    severity: f.severity,
    message: f.message,
    why: f.why,
  }));

describe('GitHub and npm token checksums', () => {
  it('computes the CRC32 base62 checksum GitHub documents', () => {
    assert.equal(crc32('123456789'), 0xcbf43926); // the CRC-32/IEEE check value
    assert.equal(toBase62(61, 6), '00000z');
    const token = valid('ghp_');
    assert.equal(token.length, 40);
    assert.ok(hasValidCrcChecksum(token, 4));
    assert.ok(!hasValidCrcChecksum(altered(token), 4));
    assert.throws(() => checksummedToken('ghp_', 'too-short'), TypeError);
  });

  it('reports a GitHub token that passes as github-token, a warning, saying the checksum matches', () => {
    const [found, ...rest] = findings(`token = "${valid('ghp_')}"`);
    assert.deepEqual(rest, []);
    assert.equal(found?.rule, 'github-token');
    assert.equal(found?.severity, 'warning');
    assert.equal(found?.message, 'GitHub token hard-coded');
    assert.match(found?.why ?? '', /its CRC32 checksum matches\.$/);
  });

  it('reports one that fails as github-token-unverified, severity info, whatever its prefix', () => {
    for (const prefix of ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_']) {
      const found = findings(`token = "${altered(valid(prefix))}"`);
      assert.deepEqual(
        found.map((f) => [f.rule, f.severity, f.message]),
        [['github-token-unverified', 'info', 'GitHub token (checksum fails) hard-coded']],
        prefix,
      );
      assert.match(
        found[0]?.why ?? '',
        /checksum does not match: a typo'd or made-up token, as a real one carries a valid checksum\.$/,
      );
    }
    assert.equal(ruleInfo('github-token-unverified')?.severity, 'info');
    assert.equal(ruleInfo('github-token')?.severity, 'warning');
  });

  it('does the same for npm tokens', () => {
    const token = valid('npm_');
    assert.deepEqual(
      findings(`//registry.npmjs.org/:_authToken=${token}\n`).map((f) => [f.rule, f.severity]),
      [['npm-token', 'warning']],
    );
    assert.deepEqual(
      findings(`//registry.npmjs.org/:_authToken=${altered(token)}\n`).map((f) => [f.rule, f.severity]),
      [['npm-token-unverified', 'info']],
    );
    assert.equal(ruleInfo('npm-token-unverified')?.severity, 'info');
  });

  it('shows a failing token in the editor as Information, a passing one as a Warning', () => {
    const text = `const a = "${valid('ghp_')}";\nconst b = "${altered(valid('ghp_'))}";\n`;
    const document = TextDocument.create('file:///w/tokens.ts', 'typescript', 1, text);
    const diagnostics = scanDocument(document).map((finding) => toDiagnostic(document, finding));
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.severity, d.range.start.line]),
      [
        ['github-token', DiagnosticSeverity.Warning, 0],
        ['github-token-unverified', DiagnosticSeverity.Information, 1],
      ],
    );
  });
});

describe('token-agent scan with checksum-failing tokens', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'token-agent-checksum-'));
    writeFileSync(join(dir, 'typo.ts'), `const token = "${altered(valid('ghp_'))}";\n`);
    writeFileSync(join(dir, 'real.ts'), `const token = "${valid('ghp_')}";\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const sarifLevels = (out: string) =>
    JSON.parse(out).runs[0].results.map((result: { ruleId: string; level: string }) => [
      result.ruleId,
      result.level,
    ]);

  it('lists a failing token but exits 0 when it is the only finding, as a SARIF note', async () => {
    const text = await scanInMemory(dir, ['typo.ts']);
    assert.equal(text.code, 0);
    assert.match(text.out, /^typo\.ts:1:16 {2}github-token-unverified {2}/);
    const sarif = await scanInMemory(dir, ['--format', 'sarif', 'typo.ts']);
    assert.equal(sarif.code, 0);
    assert.deepEqual(sarifLevels(sarif.out), [['github-token-unverified', 'note']]);
  });

  it('exits 1 for a token that passes, a SARIF warning', async () => {
    const sarif = await scanInMemory(dir, ['--format', 'sarif', 'real.ts']);
    assert.equal(sarif.code, 1);
    assert.deepEqual(sarifLevels(sarif.out), [['github-token', 'warning']]);
  });

  it('counts info findings apart in its progress line', async (t) => {
    // A terminal, and a clock a second further on at every look: the progress line shows each time.
    let clock = now;
    t.mock.method(Date, 'now', () => (clock += 1000));
    let err = '';
    const code = await runScan(parseScanArgs(['.']), {
      cwd: dir,
      stdin: Readable.from(['']),
      stdout: { write: () => true },
      stderr: { isTTY: true, write: (text: string) => (err += text) },
      workers: { threads: 1, minBytes: Number.POSITIVE_INFINITY, file: '' },
    });
    assert.equal(code, 1);
    assert.match(err, /token-agent scan: 2 files, 0\.0 MB, 2 findings \(1 info\)…/);
    assert.equal(findingsCount(1, 0), '1 finding');
    assert.equal(findingsCount(0, 1), '1 finding (1 info)');
    assert.equal(findingsCount(0, 0), '0 findings');
  });
});
