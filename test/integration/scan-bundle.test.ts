// `token-agent scan` starts from its own bundle (dist/agent-scan.js), not the whole CLI: a pre-commit
// hook pays for the scanner only. A preloaded probe records whether dist/agent-main.js was loaded, and
// the report must be the one the whole CLI prints for the same tree.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { alphabets, randomString, rng } from '../support/secretCorpus';
import { writeFullCliProbe } from '../support/userAgent';

const root = resolve('.');

// The test tiers build dist/ first (scripts/test.mjs).
describe('token-agent scan loads the scanner bundle only', () => {
  let dir: string;
  let probe: string;
  const key = `AKIA${randomString(rng(41), 16, alphabets.base32)}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'token-agent-scan-bundle-'));
    writeFileSync(join(dir, 'settings.py'), `AWS_ACCESS_KEY_ID = "${key}"\n`);
    writeFileSync(join(dir, 'clean.py'), 'import os\nkey = os.environ["AWS_ACCESS_KEY_ID"]\n');
    probe = await writeFullCliProbe(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function scan(bundle: string, args: string[]) {
    const probeOut = join(dir, `probe-${bundle}.out`);
    const result = spawnSync(process.execPath, ['-r', probe, join(root, 'dist', bundle), 'scan', ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, PROBE_OUT: probeOut },
    });
    return {
      code: result.status,
      out: result.stdout,
      err: result.stderr,
      full: readFileSync(probeOut, 'utf8'),
    };
  }

  it('finds the key without loading agent-main.js, as the whole CLI does', () => {
    const small = scan('agent.js', ['--format', 'json', '.']);
    assert.equal(small.code, 1, small.err);
    assert.equal(small.full, 'false');
    const findings = JSON.parse(small.out).findings as { rule: string; path: string }[];
    assert.deepEqual(
      findings.map((f) => [f.rule, f.path]),
      [['aws-access-key-id', 'settings.py']],
    );
    const whole = scan('agent-main.js', ['--format', 'json', '.']);
    assert.equal(whole.full, 'true');
    assert.equal(whole.code, small.code);
    assert.equal(whole.out, small.out);
  });

  it('keeps the exit codes: 0 when clean, 2 on a usage error', () => {
    assert.equal(scan('agent.js', ['clean.py']).code, 0);
    const usage = scan('agent.js', ['--format', 'yaml']);
    assert.equal(usage.code, 2);
    assert.equal(usage.full, 'false');
  });
});
