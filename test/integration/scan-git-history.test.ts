// #13 item 6: `token-agent scan --git [RANGE]` reads the lines commits added, from a real git
// repository built here: a secret committed and removed in a later commit is still found, with its
// commit, author date, path and line; a range limits the commits; other branches count by default.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checksummedToken } from '../support/fakeTokens';
import { alphabets, randomString, rng } from '../support/secretCorpus';

const agent = resolve('dist/agent.js');
const r = rng(1307);
const ghp = () => checksummedToken('ghp_', randomString(r, 36, alphabets.alnum));

describe('token-agent scan --git', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const removed = ghp();
  const later = ghp();
  const onBranch = ghp();
  const sha: Record<string, string> = {};

  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
  const commit = (name: string, date: string) => {
    git('add', '-A');
    execFileSync('git', ['commit', '-q', '-m', name], {
      cwd: dir,
      env: { ...env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    });
    sha[name] = git('rev-parse', 'HEAD');
  };
  const scan = (...args: string[]) => {
    const result = spawnSync(process.execPath, [agent, 'scan', ...args], { cwd: dir, env, encoding: 'utf8' });
    return { code: result.status, out: result.stdout, err: result.stderr };
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'token-agent-history-'));
    env = {
      PATH: process.env.PATH,
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.invalid',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.invalid',
    };
    git('init', '-q', '-b', 'main');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'config.ts'), 'export const a = 1;\n');
    commit('clean', '2024-01-02T03:04:05Z');
    writeFileSync(
      join(dir, 'src', 'config.ts'),
      `export const a = 1;\n\nexport const token = "${removed}";\n`,
    );
    mkdirSync(join(dir, 'keys'));
    writeFileSync(join(dir, 'keys', 'app.p12'), Buffer.from([0x30, 0x82, 0, 1, 2, 0, 3]));
    commit('leak', '2024-02-03T04:05:06Z');
    writeFileSync(
      join(dir, 'src', 'config.ts'),
      'export const a = 1;\n\nexport const token = process.env.GITHUB_TOKEN;\n',
    );
    rmSync(join(dir, 'keys'), { recursive: true });
    commit('remove', '2024-03-04T05:06:07Z');
    writeFileSync(join(dir, 'src', 'other.ts'), `// later\nconst t = "${later}";\n`);
    commit('later', '2024-04-05T06:07:08Z');
    // A branch nobody merged: history all the same.
    git('checkout', '-q', '-b', 'feature', sha.clean ?? '');
    writeFileSync(join(dir, 'src', 'feature.ts'), `const f = "${onBranch}";\n`);
    commit('feature', '2024-05-06T07:08:09Z');
    git('checkout', '-q', 'main');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds nothing in the tree as it is now but the later leak', () => {
    const { code, out } = scan('src');
    assert.equal(code, 1);
    assert.doesNotMatch(out, /config\.ts/);
  });

  it('finds the removed secret in history, with its commit, author date, path and line', () => {
    const { code, out, err } = scan('--git');
    assert.equal(code, 1, err);
    const lines = out.trimEnd().split('\n').sort();
    assert.deepEqual(
      lines,
      [
        `${sha.feature?.slice(0, 12)}:src/feature.ts:1:12  github-token  ${onBranch.slice(0, 8)}…  GitHub token hard-coded  (2024-05-06T07:08:09+00:00)`,
        `${sha.later?.slice(0, 12)}:src/other.ts:2:12  github-token  ${later.slice(0, 8)}…  GitHub token hard-coded  (2024-04-05T06:07:08+00:00)`,
        `${sha.leak?.slice(0, 12)}:keys/app.p12:1:1  keystore-file  (binary keystore)  Keystore file 'app.p12' committed  (2024-02-03T04:05:06+00:00)`,
        `${sha.leak?.slice(0, 12)}:src/config.ts:3:23  github-token  ${removed.slice(0, 8)}…  GitHub token hard-coded  (2024-02-03T04:05:06+00:00)`,
      ].sort(),
    );
    for (const value of [removed, later, onBranch]) assert.ok(!out.includes(value), 'values stay masked');
  });

  it('gives the full commit and author date in JSON and SARIF', () => {
    const json = JSON.parse(scan('--git', '--format', 'json').out);
    const leak = json.findings.find((f: { path: string }) => f.path === 'src/config.ts');
    assert.deepEqual(
      { commit: leak.commit, authorDate: leak.authorDate, line: leak.line },
      { commit: sha.leak, authorDate: '2024-02-03T04:05:06+00:00', line: 3 },
    );
    const sarif = JSON.parse(scan('--git', '--format', 'sarif').out);
    const result = sarif.runs[0].results.find(
      (x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
        x.locations[0]?.physicalLocation.artifactLocation.uri === 'src/config.ts',
    );
    assert.deepEqual(result.properties, { commit: sha.leak, authorDate: '2024-02-03T04:05:06+00:00' });
  });

  it('limits the scan to a RANGE', () => {
    const lastTwo = scan('--git', 'HEAD~2..HEAD');
    assert.equal(lastTwo.code, 1);
    assert.deepEqual(
      lastTwo.out
        .trimEnd()
        .split('\n')
        .map((line) => line.split('  ')[0]),
      [`${sha.later?.slice(0, 12)}:src/other.ts:2:12`],
    );
    const one = scan('--git', `${sha.clean}..${sha.leak}`, '--format', 'json');
    assert.deepEqual(
      JSON.parse(one.out).findings.map((f: { path: string; commit: string }) => [f.path, f.commit]),
      [
        ['keys/app.p12', sha.leak],
        ['src/config.ts', sha.leak],
      ],
    );
    assert.deepEqual(scan('--git', `${sha.leak}..${sha.remove}`), { code: 0, out: '', err: '' });
  });

  it('accepts history findings into a baseline like any other', () => {
    const written = scan('--git', '--write-baseline', '.tokenagent-baseline.json');
    assert.equal(written.code, 0, written.err);
    const again = scan('--git');
    assert.deepEqual({ code: again.code, out: again.out }, { code: 0, out: '' });
    rmSync(join(dir, '.tokenagent-baseline.json'));
  });

  it('says what git said about a range it cannot read, and exits 2', () => {
    const { code, err } = scan('--git', 'no-such-ref..HEAD');
    assert.equal(code, 2);
    assert.match(err, /token-agent scan: git log no-such-ref\.\.HEAD: .*no-such-ref/);
    assert.equal(scan('--git', 'a', 'b').code, 2, 'one range at most');
  });
});
