// `token-agent scan` as a real process: exit codes, stdin, output formats. It drives the built
// bundle (`node dist/agent.js scan`) once the command is wired into agent/main.ts, and until then the
// scan module's entry point through tsx, so the same assertions hold for both.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checksummedToken } from '../support/fakeTokens';
import { alphabets, randomString, rng } from '../support/secretCorpus';

const root = resolve('.');
const bundled = spawnSync(process.execPath, [join(root, 'dist/agent.js'), 'scan', '--help'], {
  encoding: 'utf8',
});
const useBundle = bundled.status === 0 && bundled.stdout.includes('token-agent scan');

function scanCli(cwd: string, args: string[], input = '') {
  const result = useBundle
    ? spawnSync(process.execPath, [join(root, 'dist/agent.js'), 'scan', ...args], {
        cwd,
        input,
        encoding: 'utf8',
      })
    : spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          `import('./agent/cli/scan.ts').then(async (m) => { const { scanMain } = m.scanMain ? m : m.default; process.exitCode = await scanMain(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, cwd: process.argv[1] }); });`,
          cwd,
          ...args,
        ],
        { cwd: root, input, encoding: 'utf8' },
      );
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe(`token-agent scan as a process (${useBundle ? 'dist/agent.js' : 'agent/cli/scan.ts via tsx'})`, () => {
  let dir: string;
  const r = rng(17);
  const token = checksummedToken('ghp_', randomString(r, 36, alphabets.alnum));

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'token-agent-scan-cli-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'leak.ts'), `export const t = "${token}";\n`);
    writeFileSync(join(dir, 'src', 'clean.ts'), 'export const t = process.env.GITHUB_TOKEN;\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 1 with a text line per finding', () => {
    const { code, out } = scanCli(dir, ['src']);
    assert.equal(code, 1);
    assert.equal(out, `src/leak.ts:1:19  github-token  ${token.slice(0, 8)}…  GitHub token hard-coded\n`);
  });

  it('exits 0 on clean input', () => {
    const { code, out } = scanCli(dir, ['src/clean.ts']);
    assert.equal(code, 0);
    assert.equal(out, '');
  });

  it('exits 2 on a usage error or a missing file', () => {
    assert.equal(scanCli(dir, ['--format', 'yaml']).code, 2);
    const missing = scanCli(dir, ['nope.ts']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /nope\.ts/);
  });

  it('reads stdin with -, and prints JSON and SARIF without the value', () => {
    const json = scanCli(dir, ['--format', 'json', '-'], `key = "${token}"\n`);
    assert.equal(json.code, 1);
    assert.deepEqual(
      (
        JSON.parse(json.out) as { findings: { path: string; rule: string; line: number; column: number }[] }
      ).findings.map((f) => [f.path, f.rule, f.line, f.column]),
      [['-', 'github-token', 1, 8]],
    );
    const sarif = scanCli(dir, ['--format', 'sarif', 'src']);
    assert.equal(sarif.code, 1);
    assert.equal(JSON.parse(sarif.out).runs[0].results[0].ruleId, 'github-token');
    assert.ok(!json.out.includes(token) && !sarif.out.includes(token));
  });

  it('scans a staged diff as a pre-commit hook would', () => {
    spawnSync('git', ['init', '-q'], { cwd: dir });
    spawnSync('git', ['add', '-A'], { cwd: dir });
    const diff = spawnSync('git', ['diff', '--cached', '--no-color', '--unified=0'], {
      cwd: dir,
      encoding: 'utf8',
    });
    const { code, out } = scanCli(dir, ['-'], diff.stdout);
    assert.equal(code, 1);
    assert.match(out, /^src\/leak\.ts:1:19 {2}github-token/);
  });
});
