// `npx tsx scripts/bench-history.ts REPO [REPO…]`: `token-agent scan --git` against a tree scan of the
// same repository, whole processes of the built bundle (run `npm run build` first), best of --runs N
// (default 3). A tree scan's MB are the bytes of the tracked text files it read (binary and too-large
// files excluded, as the scan excludes them); a history scan's are the bytes `git log -p` printed, and
// `git log -p` alone is timed as the floor. Prints one Markdown row per repository.
import { execFileSync, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gitLogArgs } from '../agent/cli/scanGit';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '3' } },
});
const runs = Number(values.runs);
const agent = resolve('dist/agent.js');

function best(command: string, args: string[], cwd: string): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 });
    if (result.status !== 0 && result.status !== 1)
      throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - started) / 1e9);
  }
  return fastest;
}

/** Bytes of tracked text the tree scan reads: total tracked bytes less what its JSON lists as skipped. */
function treeBytes(repo: string): number {
  const files = execFileSync('git', ['-C', repo, 'ls-files', '-z'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  let total = 0;
  for (const file of files.split('\0').filter(Boolean)) {
    try {
      total += statSync(join(repo, file)).size;
    } catch {
      // Tracked but deleted from the work tree: the tree scan does not read it either.
    }
  }
  const json = spawnSync(process.execPath, [agent, 'scan', '--format', 'json', '.'], {
    cwd: repo,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  }).stdout;
  const skipped = (JSON.parse(json) as { skipped: { bytes: number }[] }).skipped;
  return total - skipped.reduce((sum, file) => sum + file.bytes, 0);
}

function historyBytes(repo: string): number {
  const out = spawnSync('git', ['-C', repo, ...gitLogArgs(undefined)], { maxBuffer: 4 << 30 });
  return out.stdout.length;
}

const mbps = (bytes: number, seconds: number) => (bytes / 1_048_576 / seconds).toFixed(1);

console.log(
  '| repository | commits | tree MB | tree MB/s | history MB | history MB/s | git log -p alone MB/s |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const repo of positionals.map((p) => resolve(p))) {
  const commits = execFileSync('git', ['-C', repo, 'rev-list', '--all', '--count'], {
    encoding: 'utf8',
  }).trim();
  const tree = treeBytes(repo);
  const history = historyBytes(repo);
  const treeSeconds = best(process.execPath, [agent, 'scan', '--format', 'json', '.'], repo);
  const historySeconds = best(process.execPath, [agent, 'scan', '--git', '--format', 'json'], repo);
  const gitSeconds = best('git', ['-C', repo, ...gitLogArgs(undefined)], repo);
  console.log(
    `| ${repo} | ${commits} | ${(tree / 1_048_576).toFixed(1)} | ${mbps(tree, treeSeconds)} | ` +
      `${(history / 1_048_576).toFixed(1)} | ${mbps(history, historySeconds)} | ${mbps(history, gitSeconds)} |`,
  );
}
