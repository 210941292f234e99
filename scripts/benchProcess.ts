// `npm run bench:scan`'s whole-process table (#13 item 7): each tool as a process a user would run,
// timed from start to exit, on the same tree in the same run: `token-agent scan` as it runs by
// default here and in its other mode (worker threads on every core where the default is one thread,
// one thread where it is worker threads; TOKEN_AGENT_SCAN_THREADS), secretlint 13's own CLI as a user
// runs it (`secretlint "TREE/**/*"` with the recommended preset), secretlint's core alone (a process
// linting every file with its profiler off, scripts/bench-secretlint-tree.ts: the least secretlint's
// rules cost) and gitleaks `detect --no-git`. MB/s is the bytes of every regular file under the tree
// over the wall time, the same figure for every tool.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { scanThreads } from '../agent/cli/scanPool';

interface Timed {
  tool: string;
  seconds: number;
  maxRssMb: number;
  findings: number | undefined;
  cpuSeconds: number;
}

export interface FileEntry {
  path: string;
  bytes: number;
}

/** Every regular file under `dir` and its size (links not followed, as every tool here does). */
export function regularFiles(dir: string): FileEntry[] {
  const files: FileEntry[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) stack.push(path);
      else if (entry.isFile()) files.push({ path, bytes: statSync(path).size });
    }
  }
  return files;
}

/** Every regular file's bytes under `dir`. */
export function treeBytes(dir: string): { bytes: number; files: number } {
  const files = regularFiles(dir);
  return { bytes: files.reduce((sum, f) => sum + f.bytes, 0), files: files.length };
}

/** Runs a command under /usr/bin/time: wall time, CPU time and peak RSS of the whole process. */
function timed(
  tool: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  count: (stdout: string) => number | undefined,
): Timed {
  const started = process.hrtime.bigint();
  const child = spawnSync('/usr/bin/time', ['-f', '%M %U %S', command, ...args], {
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const [rssKb, user, system] = (child.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  if (child.status !== 0 && child.status !== 1) {
    throw new Error(`${tool} failed (${child.status}): ${child.stderr.slice(0, 500)}`);
  }
  return {
    tool,
    seconds,
    maxRssMb: (rssKb ?? 0) / 1024,
    findings: count(child.stdout),
    cpuSeconds: (user ?? 0) + (system ?? 0),
  };
}

/**
 * secretlint's CLI on the tree, as its README says to run it, with the recommended preset; its
 * `compact` format prints a line a finding (`--format json` would print every file's whole text).
 */
function secretlintCli(tree: string): Timed {
  const rc = resolve('.cache/bench-secretlintrc.json');
  writeFileSync(rc, JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }));
  const bin = resolve('node_modules/secretlint/bin/secretlint.js');
  const args = [bin, '--secretlintrc', rc, '--format', 'compact', '--no-color', `${tree}/**/*`];
  const count = (out: string) => out.split('\n').filter((line) => /: line \d+, col \d+/.test(line)).length;
  const run = timed(
    'secretlint 13 CLI, `secretlint "TREE/**/*"`',
    process.execPath,
    args,
    process.env,
    count,
  );
  rmSync(rc, { force: true });
  return run;
}

/** The best (shortest) of `repeat` runs: other work on the machine only ever adds time. */
function best(repeat: number, run: () => Timed): Timed {
  let result = run();
  for (let i = 1; i < repeat; i++) {
    const next = run();
    if (next.seconds < result.seconds) result = next;
  }
  return result;
}

export function processTable(tree: string, gitleaks: string | undefined, repeat: number): string {
  const { bytes, files } = treeBytes(tree);
  const cores = cpus().length;
  const agent = resolve('dist/agent.js');
  const jsonCount = (out: string) => (JSON.parse(out) as { findings: unknown[] }).findings.length;
  const agentArgs = [agent, 'scan', '--no-baseline', '--format', 'json', tree];
  const runs: Timed[] = [];
  console.error('bench: whole-process runs on', tree);
  // The default first: the ratios are against what a user gets on this machine.
  const threads = scanThreads({}, cores);
  const mode = (n: number) => (n <= 1 ? 'one thread' : `${n} worker threads`);
  const defaultEnv = { ...process.env };
  delete defaultEnv.TOKEN_AGENT_SCAN_THREADS;
  runs.push(
    best(repeat, () =>
      timed(
        `token-agent scan (default: ${mode(threads)})`,
        process.execPath,
        agentArgs,
        defaultEnv,
        jsonCount,
      ),
    ),
  );
  const other = threads <= 1 ? cores : 1;
  const otherEnv = { ...process.env, TOKEN_AGENT_SCAN_THREADS: String(other) };
  runs.push(
    best(repeat, () =>
      timed(`token-agent scan (${mode(other)})`, process.execPath, agentArgs, otherEnv, jsonCount),
    ),
  );
  runs.push(secretlintCli(tree));
  const secretlintArgs = ['--import', 'tsx', 'scripts/bench-secretlint-tree.ts', tree];
  runs.push(
    timed(
      'secretlint 13 core only, profiler off (process)',
      process.execPath,
      secretlintArgs,
      process.env,
      Number,
    ),
  );
  if (gitleaks) {
    const report = resolve('.cache/bench-gitleaks-tree.json');
    const args = ['detect', '--no-git', '--no-banner', '--exit-code', '0', '--source', tree];
    const reportArgs = ['--report-format', 'json', '--report-path', report, '--log-level', 'error'];
    // Once, like secretlint: at a few MB/s, a busy machine changes its figure by a few percent.
    const name = 'gitleaks 8.16 `detect --no-git`';
    runs.push(timed(name, gitleaks, [...args, ...reportArgs], process.env, () => undefined));
    rmSync(report, { force: true });
  }
  const mb = bytes / 1_000_000;
  const ours = runs[0]?.seconds ?? Number.NaN;
  const rows = runs.map(
    (r) =>
      `| ${r.tool} | ${(mb / r.seconds).toFixed(1)} MB/s | ${r.seconds.toFixed(2)} s | ${r.cpuSeconds.toFixed(2)} s | ${r.maxRssMb.toFixed(0)} MB | ${(r.seconds / ours).toFixed(1)}× | ${r.findings ?? ''} |`,
  );
  return [
    `Whole process on ${tree}: ${files} files, ${mb.toFixed(1)} MB (every regular file), ${cpus().length} cores; token-agent best of ${repeat}, the others once.`,
    '',
    '| tool | MB/s | wall | CPU (user+sys) | peak RSS | time vs token-agent | findings |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    ...(gitleaks ? [] : ['| gitleaks | not installed (scripts/fetch-gitleaks.sh) | | | | | |']),
    '',
    'Target for token-agent (threads): ≥ 150 MB/s, ≥ 10× secretlint, ≥ 20× gitleaks. The ratio is the',
    "other tool's wall time over token-agent's default on the same tree in this run.",
  ].join('\n');
}
