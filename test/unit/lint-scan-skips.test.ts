// Nothing skipped in silence: files over the size limit and binary files are counted and listed,
// keystores are findings by name, and a file git tracks is scanned whatever .gitignore says (real git).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checksummedToken } from '../support/fakeTokens';
import { scanInMemory } from '../support/scanInMemory';
import { alphabets, randomString, rng } from '../support/secretCorpus';

const r = rng(1314);
const ghp = () => checksummedToken('ghp_', randomString(r, 36, alphabets.alnum));

const scan = (cwd: string, argv: string[]) => scanInMemory(cwd, argv);

describe('scan: what is not read is reported', () => {
  let dir: string;
  const big = ghp();

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'token-agent-skips-'));
    writeFileSync(join(dir, 'big.txt'), `${'x = 1\n'.repeat(40)}t = "${big}"\n`);
    // Random bytes: a keystore is reported by name, whatever it holds.
    writeFileSync(join(dir, 'release.p12'), Buffer.from(randomString(r, 64, alphabets.alnum)));
    writeFileSync(join(dir, 'small.txt'), 'nothing here\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('counts a file over the size limit on stderr, and --verbose says what to do', async () => {
    const quiet = await scan(dir, ['--max-file-size', '200']);
    assert.doesNotMatch(quiet.out, /big\.txt/);
    assert.match(quiet.err, /1 file not scanned: too-large 1; --verbose lists them/);
    const verbose = await scan(dir, ['--max-file-size', '200', '--verbose']);
    assert.match(
      verbose.err,
      /not scanned: big\.txt \(over the size limit; raise --max-file-size to scan it\)/,
    );
    const scanned = await scan(dir, []);
    assert.match(scanned.out, /big\.txt:41:6 {2}github-token/);
    assert.doesNotMatch(scanned.err, /not scanned/);
  });

  it('lists skipped files in the JSON and SARIF output', async () => {
    const json = JSON.parse((await scan(dir, ['--max-file-size', '200', '--format', 'json'])).out);
    assert.deepEqual(json.skipped, [{ path: 'big.txt', reason: 'too-large', bytes: 287 }]);
    const sarif = JSON.parse((await scan(dir, ['--max-file-size', '200', '--format', 'sarif'])).out);
    const [notification] = sarif.runs[0].invocations[0].toolExecutionNotifications;
    assert.equal(notification.descriptor.id, 'skipped-too-large');
    assert.equal(notification.locations[0].physicalLocation.artifactLocation.uri, 'big.txt');
  });

  it('reports a keystore by its name', async () => {
    const { code, out } = await scan(dir, ['--format', 'json', 'release.p12']);
    assert.equal(code, 1);
    const [finding] = JSON.parse(out).findings;
    assert.equal(finding.rule, 'keystore-file');
    assert.equal(finding.path, 'release.p12');
    assert.match(finding.message, /Keystore file 'release\.p12'/);
  });
});

describe('scan: files git tracks', () => {
  let dir: string;
  const tracked = ghp();
  const untracked = ghp();
  const excluded = ghp();

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'token-agent-tracked-'));
    const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { stdio: 'ignore' });
    git('init', '-q');
    mkdirSync(join(dir, 'config'));
    mkdirSync(join(dir, 'vendor'));
    writeFileSync(join(dir, '.gitignore'), 'config/\n*.env\nvendor/\n');
    writeFileSync(join(dir, '.tokenagentignore'), 'vendor/\n');
    writeFileSync(join(dir, 'config', 'prod.env'), `GITHUB_TOKEN=${tracked}\n`);
    writeFileSync(join(dir, 'config', 'local.env'), `GITHUB_TOKEN=${untracked}\n`);
    writeFileSync(join(dir, 'vendor', 'lib.env'), `GITHUB_TOKEN=${excluded}\n`);
    // Forced past .gitignore: committed, pushed, leaked.
    git('add', '-f', 'config/prod.env', 'vendor/lib.env');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('scans a tracked file .gitignore matches, but not an untracked one nor one .tokenagentignore excludes', async () => {
    const { code, out } = await scan(dir, []);
    assert.equal(code, 1);
    assert.deepEqual(
      out
        .trim()
        .split('\n')
        .map((line) => line.split('  ')[0]),
      ['config/prod.env:1:14'],
    );
  });

  it('scans a tracked ignored file from a subdirectory walk too', async () => {
    const { out } = await scan(dir, ['config']);
    assert.match(out, /^config\/prod\.env:1:14 {2}github-token/);
    assert.doesNotMatch(out, /local\.env/);
  });
});
