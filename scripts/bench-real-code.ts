// `npm run bench:real-code`: the leak lint on real open-source code nobody here wrote, next to
// secretlint 13 and gitleaks on the same trees in the same run. Prints findings per MB and the
// precision of a fixed-size random sample of each tool's findings, checked by hand: the verdicts
// live in test/data/real-code-labels.jsonl (path, line, rule and verdict — never the value).
//
// The material is fetched by scripts/fetch-real-code.sh into $REALCODE_DIR (default /tmp/realcode):
// `tune/` was looked at while cutting false alarms, `holdout/` only to measure, last; `fresh/` for
// the provider rules added later (scripts/fetch-real-code.sh).
// Options: --agent FILE (a token-agent build to measure, default dist/agent.js; pass another
// build, such as the one before a change, with --name), --sample N (per tool and set, default 40),
// --unlabelled (list the sampled findings that have no verdict yet, for a person to label),
// --no-peers (only the token-agent build). gitleaks is $GITLEAKS, `gitleaks` on PATH, or
// .cache/gitleaks/usr/bin/gitleaks (scripts/fetch-gitleaks.sh).
// Label rule, decided before labelling: true when the reported span is a credential in a real format
// (a provider token, a private key, a literal password or key assigned to a credential field, a URL
// with a literal password), fixtures and documentation examples included; false when it is not a
// credential at all (an identifier, an expression, a reference, a placeholder, a hash, an ARN, a
// truncated example, a CSRF or pagination token, message text).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { type FileEntry, regularFiles } from './benchProcess';

interface Found {
  tool: string;
  set: string;
  path: string;
  line: number;
  rule: string;
}

interface Label extends Omit<Found, 'tool' | 'set'> {
  tool: string;
  verdict: 'true' | 'false';
}

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const root = resolve(process.env.REALCODE_DIR ?? '/tmp/realcode');
const agent = resolve(option('--agent', 'dist/agent.js'));
const agentName = option('--name', 'token-agent');
const sampleSize = Number(option('--sample', '40'));
const labelsPath = resolve('test/data/real-code-labels.jsonl');
// `fresh/` (SDKs of the providers the newer rules name) is measured when fetched.
const sets = ['tune', 'holdout', 'fresh'].filter((set) => set !== 'fresh' || existsSync(join(root, set)));

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

async function main(): Promise<void> {
  if (!existsSync(join(root, 'tune')))
    throw new Error(`no material in ${root}: run scripts/fetch-real-code.sh`);
  const labels = readLabels();
  const rows: string[] = [];
  const unlabelled: Found[] = [];
  const gitleaks = findGitleaks();
  for (const set of sets) {
    const dir = join(root, set);
    const files = regularFiles(dir);
    const mb = files.reduce((sum, f) => sum + f.bytes, 0) / 1_000_000;
    const runs: { tool: string; seconds: number; found: Found[] }[] = [runAgent(set, dir)];
    if (!args.includes('--no-peers')) {
      runs.push(await runSecretlint(set, files));
      if (gitleaks) runs.push(runGitleaks(gitleaks, set, dir));
    }
    for (const run of runs) {
      const sample = pick(run.found, sampleSize);
      let right = 0;
      let checked = 0;
      for (const f of sample) {
        const verdict = labels.get(key(f));
        if (verdict === undefined) unlabelled.push(f);
        else {
          checked++;
          if (verdict === 'true') right++;
        }
      }
      const precision =
        checked === 0 ? 'n/a' : `${((100 * right) / checked).toFixed(1)}% (${right}/${checked})`;
      const byRule = countBy(run.found.map((f) => f.rule));
      rows.push(
        `| ${set} | ${run.tool} | ${mb.toFixed(1)} | ${run.found.length} | ${(run.found.length / mb).toFixed(3)} | ${precision} | ${(mb / run.seconds).toFixed(1)} | ${byRule} |`,
      );
    }
  }
  console.log('| set | tool | MB | findings | per MB | precision (sample) | MB/s | top rules |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  if (args.includes('--unlabelled')) {
    for (const f of unlabelled) console.log(JSON.stringify(f));
  } else if (unlabelled.length > 0) {
    console.log(`\n${unlabelled.length} sampled findings have no verdict yet (--unlabelled lists them).`);
  }
}

function runAgent(set: string, dir: string): { tool: string; seconds: number; found: Found[] } {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [agent, 'scan', '--format', 'json', relative(root, dir)], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0 && child.status !== 1) throw new Error(`token-agent scan failed: ${child.stderr}`);
  const parsed = JSON.parse(child.stdout) as { findings: { path: string; line: number; rule: string }[] };
  const found = parsed.findings.map((f) => ({
    tool: agentName,
    set,
    path: f.path,
    line: f.line,
    rule: f.rule,
  }));
  return { tool: agentName, seconds, found };
}

async function runSecretlint(set: string, files: FileEntry[]) {
  const { secretLintProfiler } = await import('@secretlint/profiler');
  secretLintProfiler.setEnabled(false); // see docs: its bookkeeping grows with every call otherwise
  const { lintSource } = await import('@secretlint/core');
  const preset = await import('@secretlint/secretlint-rule-preset-recommend');
  const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: preset.creator }] };
  const found: Found[] = [];
  const started = process.hrtime.bigint();
  for (const file of files) {
    if (file.bytes > 10 * 1024 * 1024) continue;
    const bytes = readFileSync(file.path);
    if (bytes.subarray(0, 8192).includes(0)) continue;
    const ext = file.path.slice(file.path.lastIndexOf('.'));
    const result = await lintSource({
      source: { content: bytes.toString('utf8'), filePath: file.path, ext, contentType: 'text' },
      options: { config: config as never, noPhysicFilePath: true },
    });
    for (const m of result.messages) {
      found.push({
        tool: 'secretlint',
        set,
        path: relative(root, file.path),
        line: m.loc.start.line,
        rule: m.ruleId,
      });
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { tool: 'secretlint', seconds, found };
}

function runGitleaks(binary: string, set: string, dir: string) {
  const out = mkdtempSync(join(tmpdir(), 'gitleaks-'));
  const report = join(out, 'report.json');
  const started = process.hrtime.bigint();
  spawnSync(
    binary,
    [
      'detect',
      '--no-git',
      '--no-banner',
      '--source',
      dir,
      '--report-format',
      'json',
      '--report-path',
      report,
      '--exit-code',
      '0',
    ],
    { stdio: 'ignore' },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const parsed = JSON.parse(readFileSync(report, 'utf8')) as {
    File: string;
    StartLine: number;
    RuleID: string;
  }[];
  rmSync(out, { recursive: true, force: true });
  const found = parsed.map((f) => ({
    tool: 'gitleaks',
    set,
    path: relative(root, resolve(dir, f.File)),
    line: f.StartLine,
    rule: f.RuleID,
  }));
  return { tool: 'gitleaks', seconds, found };
}

function findGitleaks(): string | undefined {
  const candidates = [process.env.GITLEAKS, 'gitleaks', resolve('.cache/gitleaks/usr/bin/gitleaks')];
  for (const candidate of candidates) {
    if (candidate && spawnSync(candidate, ['version']).status === 0) return candidate;
  }
  return undefined;
}

/** A fixed-size sample, the same every run: the findings with the smallest hashes of their key. */
function pick(found: Found[], size: number): Found[] {
  const hashed = found.map((f) => ({ f, h: createHash('sha256').update(key(f)).digest('hex') }));
  hashed.sort((a, b) => (a.h < b.h ? -1 : 1));
  return hashed.slice(0, size).map((x) => x.f);
}

function key(f: { tool: string; path: string; line: number; rule: string }): string {
  return `${f.tool}\0${f.path}\0${f.line}\0${f.rule}`;
}

function readLabels(): Map<string, 'true' | 'false'> {
  const labels = new Map<string, 'true' | 'false'>();
  if (!existsSync(labelsPath)) return labels;
  for (const line of readFileSync(labelsPath, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const label = JSON.parse(line) as Label;
    labels.set(key(label), label.verdict);
  }
  return labels;
}

function countBy(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([rule, n]) => `${rule} ${n}`)
    .join(', ');
}
