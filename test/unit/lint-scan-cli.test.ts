// `token-agent scan` in process: argument parsing, the walk (.gitignore, .tokenagentignore, binary
// and minified files), stdin and diffs, the three output formats and the exit codes.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseScanArgs } from '../../agent/cli/scan';
import { AddedLinesParser, parseUnifiedDiff } from '../../agent/cli/scanDiff';
import { gitLogArgs } from '../../agent/cli/scanGit';
import { IgnoreFile, isIgnored, isPathIgnored } from '../../agent/lint/ignoreFile';
import { ruleInfos } from '../../agent/lint/rules';
import { checksummedToken } from '../support/fakeTokens';
import { scanInMemory } from '../support/scanInMemory';
import { alphabets, randomString, rng } from '../support/secretCorpus';

const r = rng(5);
const ghp = () => checksummedToken('ghp_', randomString(r, 36, alphabets.alnum));

const scan = scanInMemory;

describe('parseScanArgs', () => {
  it('defaults to text over the current directory, with no size limit', () => {
    assert.deepEqual(parseScanArgs([]), {
      kind: 'scan',
      paths: ['.'],
      format: 'text',
      maxFileBytes: Number.POSITIVE_INFINITY,
      verbose: false,
    });
    assert.deepEqual(parseScanArgs(['a', '-', '--format', 'sarif']).kind, 'scan');
  });

  it('explains bad arguments', () => {
    assert.equal(parseScanArgs(['--format', 'xml']).kind, 'usage-error');
    assert.equal(parseScanArgs(['--bogus']).kind, 'usage-error');
    assert.equal(parseScanArgs(['--max-file-size', '-3']).kind, 'usage-error');
    assert.equal(parseScanArgs(['-h']).kind, 'scan-help');
  });
});

describe('gitignore matching', () => {
  it('follows gitignore rules: anchoring, directories, negation, ** and later-wins', () => {
    const file = new IgnoreFile(
      ['# comment', '*.log', '!keep.log', '/build', 'docs/**/*.md', 'tmp/', 'a?c'].join('\n'),
    );
    const ignored = (path: string, dir = false) => isIgnored([file], path, dir);
    assert.equal(ignored('x.log'), true);
    assert.equal(ignored('sub/x.log'), true);
    assert.equal(ignored('keep.log'), false);
    assert.equal(ignored('build', true), true);
    assert.equal(ignored('src/build', true), false);
    assert.equal(ignored('docs/a/b/c.md'), true);
    assert.equal(ignored('docs/c.md'), true);
    assert.equal(ignored('tmp', true), true);
    assert.equal(ignored('tmp'), false);
    assert.equal(ignored('abc'), true);
    assert.equal(isPathIgnored([file], 'tmp/inner/file.ts'), true);
  });

  it('scopes a nested file to its directory, and lets it override its parent', () => {
    const root = new IgnoreFile('*.env');
    const nested = new IgnoreFile('!local.env', 'app');
    assert.equal(isIgnored([root, nested], 'app/local.env', false), false);
    assert.equal(isIgnored([root, nested], 'other/local.env', false), true);
  });
});

describe('parseUnifiedDiff', () => {
  it('keeps the added lines with their new line numbers', () => {
    const diff = [
      'diff --git a/src/a.ts b/src/a.ts',
      '--- a/src/a.ts',
      '+++ b/src/a.ts',
      '@@ -1,3 +1,4 @@',
      ' line 1',
      '-old 2',
      '+new 2',
      '+new 3',
      ' line 4',
      'diff --git a/gone.ts b/gone.ts',
      '--- a/gone.ts',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-bye',
    ].join('\n');
    assert.deepEqual(parseUnifiedDiff(diff), [
      { path: 'src/a.ts', text: 'new 2\nnew 3', lineNumbers: [2, 3] },
    ]);
  });
});

describe('AddedLinesParser (the streaming reader behind --git)', () => {
  it('reads a diff fed a line at a time as parseUnifiedDiff reads it whole, file by file', () => {
    const diff = [
      'diff --git a/a.ts b/a.ts',
      '--- a/a.ts',
      '+++ b/a.ts',
      '@@ -1,0 +2,2 @@',
      '+two',
      '+three\r',
      '@@ -9 +10,0 @@',
      '-gone',
      'diff --git a/b.ts b/b.ts',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/b.ts',
      '@@ -0,0 +1 @@',
      '+only',
      '\\ No newline at end of file',
    ].join('\n');
    const streamed: unknown[] = [];
    const parser = new AddedLinesParser((file) => streamed.push(file));
    const lines = diff.split('\n');
    for (const [i, line] of lines.entries()) {
      parser.line(line);
      // A file is handed on as soon as the next one starts, not at the end of the input.
      if (i === lines.indexOf('diff --git a/b.ts b/b.ts')) assert.equal(streamed.length, 1);
    }
    parser.end();
    assert.deepEqual(streamed, parseUnifiedDiff(diff));
    assert.deepEqual(streamed, [
      { path: 'a.ts', text: 'two\nthree', lineNumbers: [2, 3] },
      { path: 'b.ts', text: 'only', lineNumbers: [1] },
    ]);
  });

  it('asks git for every ref by default, and keeps a range from being read as an option', () => {
    assert.ok(gitLogArgs(undefined).includes('--all'));
    const ranged = gitLogArgs('--output=/tmp/x');
    assert.ok(!ranged.includes('--all'));
    assert.equal(ranged[ranged.indexOf('--output=/tmp/x') - 1], '--end-of-options');
  });
});

describe('runScan', () => {
  let dir: string;
  const tokens = { a: ghp(), ignoredByGit: ghp(), ignoredByAgent: ghp(), minified: ghp() };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'token-agent-scan-'));
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, 'build'));
    mkdirSync(join(dir, 'fixtures'));
    writeFileSync(join(dir, '.gitignore'), 'build/\n');
    writeFileSync(join(dir, '.tokenagentignore'), 'fixtures/\n');
    writeFileSync(join(dir, 'src', 'a.ts'), `const a = 1;\nconst t = "${tokens.a}";\n`);
    writeFileSync(join(dir, 'src', 'clean.ts'), 'export const token = process.env.GITHUB_TOKEN;\n');
    writeFileSync(join(dir, 'src', 'app.min.js'), `var t="${tokens.minified}"`);
    writeFileSync(join(dir, 'src', 'blob.dat'), Buffer.from([0, 1, 2, 3]));
    writeFileSync(join(dir, 'src', 'nul.txt'), Buffer.concat([Buffer.from(tokens.a), Buffer.from([0])]));
    writeFileSync(join(dir, 'build', 'out.js'), `t = "${tokens.ignoredByGit}"\n`);
    writeFileSync(join(dir, 'fixtures', 'f.ts'), `t = "${tokens.ignoredByAgent}"\n`);
    writeFileSync(join(dir, 'clean.md'), '# nothing here\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('walks honouring .gitignore and .tokenagentignore, scanning minified files for provider formats (exit 1)', async () => {
    const { code, out, err } = await scan(dir, []);
    assert.equal(code, 1, err);
    assert.equal(
      out,
      `src/a.ts:2:12  github-token  ${tokens.a.slice(0, 8)}…  GitHub token hard-coded\n` +
        `src/app.min.js:1:8  github-token  ${tokens.minified.slice(0, 8)}…  GitHub token hard-coded\n`,
    );
    assert.equal(err, 'token-agent scan: 2 files not scanned: binary 2; --verbose lists them\n');
  });

  it('exits 0 when clean', async () => {
    assert.deepEqual(await scan(dir, ['src/clean.ts', 'clean.md']), { code: 0, out: '', err: '' });
  });

  it('honours .tokenagentignore for files named on the command line', async () => {
    assert.equal((await scan(dir, ['fixtures/f.ts'])).code, 0);
  });

  it('exits 2 on a missing path, after reporting what it found', async () => {
    const { code, out, err } = await scan(dir, ['src/a.ts', 'missing.ts']);
    assert.equal(code, 2);
    assert.match(out, /src\/a\.ts:2:12/);
    assert.match(err, /missing\.ts: ENOENT/);
  });

  it('exits 2 on usage errors', async () => {
    const { code, err } = await scan(dir, ['--format', 'xml']);
    assert.equal(code, 2);
    assert.match(err, /--format must be one of text, json, sarif/);
  });

  it('reads stdin with -, and a diff as the lines it adds', async () => {
    const plain = await scan(dir, ['-'], `x\ny = "${ghp()}"\n`);
    assert.match(plain.out, /^-:2:6 {2}github-token/);
    const removed = ghp();
    const diff = [
      '--- a/cfg.py',
      '+++ b/cfg.py',
      '@@ -10,2 +10,2 @@',
      ` keep = 1`,
      `-old = "${removed}"`,
      `+new = "${ghp()}"`,
      '',
    ].join('\n');
    const result = await scan(dir, ['-'], diff);
    assert.equal(result.code, 1);
    assert.match(result.out, /^cfg\.py:11:8 {2}github-token/);
    assert.equal(result.out.split('\n').filter(Boolean).length, 1, 'the removed secret is not reported');
  });

  it('writes JSON findings with 1-based positions and masked values only', async () => {
    const { out } = await scan(dir, ['--format', 'json', 'src']);
    const parsed = JSON.parse(out) as { findings: Record<string, unknown>[]; skipped: unknown[] };
    assert.deepEqual(parsed.skipped, [
      { path: 'src/blob.dat', reason: 'binary', bytes: 4 },
      { path: 'src/nul.txt', reason: 'binary', bytes: 41 },
    ]);
    assert.deepEqual(parsed.findings.slice(0, 1), [
      {
        path: 'src/a.ts',
        line: 2,
        column: 12,
        endLine: 2,
        endColumn: 52,
        rule: 'github-token',
        severity: 'warning',
        message: 'GitHub token hard-coded',
        masked: `${tokens.a.slice(0, 8)}…`,
      },
    ]);
    assert.ok(!out.includes(tokens.a));
  });

  it('writes SARIF 2.1.0 with the rules and located results', async () => {
    const { out } = await scan(dir, ['--format', 'sarif', 'src']);
    assert.ok(!out.includes(tokens.a));
    const log = JSON.parse(out);
    assert.equal(log.version, '2.1.0');
    assert.match(log.$schema, /sarif-2\.1\.0/);
    const [run] = log.runs;
    assert.equal(run.tool.driver.name, 'token-agent');
    assert.equal(run.tool.driver.rules.length, ruleInfos.length);
    for (const rule of run.tool.driver.rules) {
      assert.ok(rule.id && rule.shortDescription.text && rule.fullDescription.text, rule.id);
      // package.json names no real repository: no link beats a link to a placeholder host.
      assert.equal(rule.helpUri, undefined, rule.id);
    }
    assert.equal(run.results.length, 2);
    assert.deepEqual(
      run.invocations[0].toolExecutionNotifications.map(
        (n: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
          n.locations[0]?.physicalLocation.artifactLocation.uri,
      ),
      ['src/blob.dat', 'src/nul.txt'],
    );
    const [result] = run.results;
    assert.equal(result.ruleId, 'github-token');
    assert.equal(run.tool.driver.rules[result.ruleIndex].id, 'github-token');
    assert.ok(['warning', 'error', 'note', 'none'].includes(result.level));
    assert.ok(result.message.text);
    assert.deepEqual(result.locations[0].physicalLocation, {
      artifactLocation: { uri: 'src/a.ts', uriBaseId: '%SRCROOT%' },
      region: { startLine: 2, startColumn: 12, endLine: 2, endColumn: 52 },
    });
  });
});
