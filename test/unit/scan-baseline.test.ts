// #13 item 5: `token-agent scan --baseline FILE` reports only findings the baseline does not list,
// `--write-baseline FILE` records them as salted scrypt hashes (never values, never lines), entries
// survive lines moving, and entries that no longer match are reported as stale in every format.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { parseScanArgs } from '../../agent/cli/scan';
import { Baseline, baselineFormat, defaultBaselineName } from '../../agent/lint/baseline';
import { checksummedToken } from '../support/fakeTokens';
import { scanInMemory } from '../support/scanInMemory';
import { alphabets, randomString, rng } from '../support/secretCorpus';

const r = rng(1305);
const ghp = () => checksummedToken('ghp_', randomString(r, 36, alphabets.alnum));

const scan = scanInMemory;

describe('scan baseline', () => {
  const dirs: string[] = [];
  let dir: string;
  const known = ghp();
  const fresh = ghp();
  const baselineFile = () => join(dir, defaultBaselineName);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'token-agent-baseline-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'a.ts'), `const a = 1;\nconst t = "${known}";\n`);
    writeFileSync(join(dir, 'b.ts'), 'export const b = 2;\n');
  });
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('round trip: writes hashes only, readable by all (committed), and the next scan is clean', async () => {
    const written = await scan(dir, ['--write-baseline', defaultBaselineName]);
    assert.equal(written.code, 0, written.err);
    assert.match(written.err, /wrote 1 baseline entries/);
    const text = readFileSync(baselineFile(), 'utf8');
    assert.ok(!text.includes(known.slice(4, 12)), 'no part of the value beyond its public prefix');
    const doc = JSON.parse(text);
    assert.equal(doc.format, baselineFormat);
    assert.equal(doc.kdf.name, 'scrypt');
    assert.deepEqual(
      doc.entries.map((e: { path: string; rule: string }) => [e.path, e.rule]),
      [['a.ts', 'github-token']],
    );
    assert.ok(!('line' in doc.entries[0]), 'no line numbers: entries survive moves');
    assert.equal(statSync(baselineFile()).mode & 0o777, 0o644 & ~process.umask());
    // The default file at the repository root is used without naming it.
    assert.deepEqual(await scan(dir, []), { code: 0, out: '', err: '' });
    const explicit = await scan(dir, ['--baseline', defaultBaselineName, '--format', 'json']);
    assert.equal(explicit.code, 0);
    assert.equal(JSON.parse(explicit.out).baseline.suppressed, 1);
    // --no-baseline reports everything again.
    assert.equal((await scan(dir, ['--no-baseline'])).code, 1);
  });

  it('survives the lines moving, and still reports a new finding in the same file', async () => {
    await scan(dir, ['--write-baseline', defaultBaselineName]);
    writeFileSync(
      join(dir, 'a.ts'),
      `// a header\n\n\nexport const renamed = "${known}"; // moved down\nconst u = "${fresh}";\n`,
    );
    const { code, out } = await scan(dir, []);
    assert.equal(code, 1);
    assert.equal(out, `a.ts:5:12  github-token  ${fresh.slice(0, 8)}…  GitHub token hard-coded\n`);
    // The same value in another file is a new finding: entries are per path.
    writeFileSync(join(dir, 'b.ts'), `const copy = "${known}";\n`);
    assert.match((await scan(dir, ['b.ts'])).out, /^b\.ts:1:15 {2}github-token/);
  });

  it('reports stale entries in text, JSON and SARIF without failing the scan', async () => {
    writeFileSync(join(dir, 'gone.ts'), `const g = "${ghp()}";\n`);
    writeFileSync(join(dir, 'other.ts'), `const o = "${ghp()}";\n`);
    await scan(dir, ['--write-baseline', defaultBaselineName]);
    writeFileSync(join(dir, 'a.ts'), 'const t = process.env.GITHUB_TOKEN;\n');
    rmSync(join(dir, 'gone.ts'));
    // Scanning a.ts alone: its entry is stale, gone.ts's too (the file is gone), other.ts's is
    // only not looked at.
    const text = await scan(dir, ['a.ts']);
    assert.equal(text.code, 0);
    assert.equal(text.out, '');
    assert.match(text.err, /stale baseline entry: a\.ts github-token/);
    assert.match(text.err, /stale baseline entry: gone\.ts github-token/);
    assert.doesNotMatch(text.err, /other\.ts/);
    assert.match(text.err, /2 baseline entries no longer match; refresh it with --write-baseline/);
    const json = JSON.parse((await scan(dir, ['--format', 'json', 'a.ts'])).out);
    assert.deepEqual(
      json.baseline.stale.map((e: { path: string }) => e.path),
      ['a.ts', 'gone.ts'],
    );
    const sarif = JSON.parse((await scan(dir, ['--format', 'sarif', '.'])).out);
    const notes = sarif.runs[0].invocations[0].toolExecutionNotifications.filter(
      (n: { descriptor: { id: string } }) => n.descriptor.id === 'baseline-stale',
    );
    assert.deepEqual(
      notes.map(
        (n: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
          n.locations[0]?.physicalLocation.artifactLocation.uri,
      ),
      ['a.ts', 'gone.ts'],
    );
    // Refreshing drops them, and keeps the salt so unchanged entries keep their hashes.
    const before = JSON.parse(readFileSync(baselineFile(), 'utf8'));
    await scan(dir, ['--write-baseline', defaultBaselineName]);
    const afterDoc = JSON.parse(readFileSync(baselineFile(), 'utf8'));
    assert.equal(afterDoc.kdf.salt, before.kdf.salt);
    assert.deepEqual(afterDoc.entries, [before.entries.find((e: { path: string }) => e.path === 'other.ts')]);
  });

  it('keeps accepting a checksum-failing token that an older baseline took as a github-token', async () => {
    // A made-up token (its checksum fails): an info finding of its own rule now, a github-token
    // finding when the baseline was written.
    const madeUp = `ghp_${randomString(r, 36, alphabets.alnum)}`;
    writeFileSync(join(dir, 'old.ts'), `const o = "${madeUp}";\n`);
    const old = Baseline.create({ N: 1024, r: 8, p: 1 });
    old.add({ path: 'old.ts', rule: 'github-token', hash: old.hash(madeUp) });
    old.add({ path: 'a.ts', rule: 'github-token', hash: old.hash(known) });
    writeFileSync(baselineFile(), old.toJson());
    const before = await scan(dir, ['--format', 'json', '--no-baseline', 'old.ts']);
    assert.deepEqual(
      JSON.parse(before.out).findings.map((f: { rule: string }) => f.rule),
      ['github-token-unverified'],
    );
    const result = await scan(dir, ['--format', 'json', '.']);
    assert.equal(result.code, 0, result.err);
    const doc = JSON.parse(result.out);
    assert.deepEqual(doc.findings, []);
    assert.deepEqual(doc.baseline.stale, []);
    assert.doesNotMatch(result.err, /stale/);
  });

  it('marks SARIF results as new against a baseline', async () => {
    await scan(dir, ['--write-baseline', defaultBaselineName]);
    writeFileSync(join(dir, 'b.ts'), `const b = "${fresh}";\n`);
    const sarif = JSON.parse((await scan(dir, ['--format', 'sarif'])).out);
    assert.deepEqual(
      sarif.runs[0].results.map((x: { baselineState: string }) => x.baselineState),
      ['new'],
    );
  });

  it('applies to a staged diff on stdin, by the path git prints', async () => {
    await scan(dir, ['--write-baseline', defaultBaselineName]);
    const diff = [
      'diff --git a/a.ts b/a.ts',
      '--- a/a.ts',
      '+++ b/a.ts',
      '@@ -0,0 +1,2 @@',
      `+const again = "${known}";`,
      `+const other = "${fresh}";`,
    ].join('\n');
    const { code, out } = await scan(dir, ['-'], diff);
    assert.equal(code, 1);
    assert.equal(out, `a.ts:2:16  github-token  ${fresh.slice(0, 8)}…  GitHub token hard-coded\n`);
  });

  it('says what to do about a baseline it cannot use', async () => {
    const missing = await scan(dir, ['--baseline', 'nope.json']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot read the baseline .*nope\.json: ENOENT.*--write-baseline/);
    writeFileSync(baselineFile(), '{"format":"something else"}');
    const wrong = await scan(dir, []);
    assert.equal(wrong.code, 2);
    assert.match(wrong.err, /cannot be used: it is not a token-agent baseline.*Write it again/);
    assert.equal(parseScanArgs(['--baseline', 'x', '--no-baseline']).kind, 'usage-error');
  });
});

describe('Baseline', () => {
  it('hashes with the salt in the file: the same value under another salt differs', () => {
    const value = ghp();
    const a = Baseline.create({ N: 1024, r: 8, p: 1 });
    const b = Baseline.create({ N: 1024, r: 8, p: 1 });
    assert.notEqual(a.hash(value), b.hash(value));
    assert.equal(a.hash(value), a.hash(value));
    a.add({ path: 'x.ts', rule: 'github-token', hash: a.hash(value) });
    const reread = Baseline.parse(a.toJson());
    assert.deepEqual(reread.match('x.ts', 'github-token', value)?.path, 'x.ts');
    assert.equal(reread.match('x.ts', 'jwt', value), undefined, 'keyed on the rule');
    assert.equal(reread.match('y.ts', 'github-token', value), undefined, 'keyed on the path');
    assert.equal(reread.match('x.ts', 'github-token', ghp()), undefined, 'keyed on the value');
  });

  it('refuses parameters that would make a hash free or a read exhaust memory', () => {
    const doc = JSON.parse(Baseline.create().toJson());
    for (const N of [0, 1000, 2 ** 24])
      assert.throws(() => Baseline.parse(JSON.stringify({ ...doc, kdf: { ...doc.kdf, N } })), /kdf/);
    // A committed baseline chooses its own cost: one whose hash would take over 32 MiB (here 4 GiB,
    // or 64 MiB) is refused before the lint hashes anything with it.
    for (const kdf of [
      { N: 2 ** 20, r: 32, p: 1 },
      { N: 2 ** 12, r: 8, p: 16 },
    ])
      assert.throws(() => Baseline.parse(JSON.stringify({ ...doc, kdf: { ...doc.kdf, ...kdf } })), /kdf/);
    assert.ok(Baseline.parse(JSON.stringify({ ...doc, kdf: { ...doc.kdf, N: 2 ** 15, r: 8, p: 1 } })));
    assert.throws(() => Baseline.parse(JSON.stringify({ ...doc, entries: [{ path: 'a' }] })), /entry/);
  });
});
