// `npm run bench:scan`: the leak lint side by side with secretlint 13 (recommended preset, in
// process, profiler disabled) and gitleaks (when installed) on one generated corpus of ~50 MB of mixed
// source with planted fake secrets. Prints a Markdown table: throughput, per-file latency for a 20 KB
// and a 1 MB file, peak RSS, and recall and precision (line-level, whatever rule matched).
//
// Each tool runs in its own child process so that peak memory is its own. gitleaks is looked up as
// $GITLEAKS, then `gitleaks` on PATH, then .cache/gitleaks/usr/bin/gitleaks (scripts/fetch-gitleaks.sh).
// Then, in the same run, each tool as a whole process on one large tree (scripts/benchProcess.ts),
// and the real-code evaluation (findings per MB, precision; scripts/bench-real-code.ts).
// Options: --mb N (corpus size, default 50), --keep (leave the corpus in .cache/bench-corpus),
// --tree DIR (the whole-process tree; default $REALCODE_DIR/tune, else the generated corpus),
// --repeat N (whole-process runs per tool, the best kept; default 1), --no-real-code.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assemble, type CorpusDocument, globalDecoys, positives, rng } from '../test/support/secretCorpus';
import { latencyFiles, medianOverFiles } from './benchLatency';
import { processTable } from './benchProcess';

interface Finding {
  path: string;
  line: number;
}

interface WorkerResult {
  name: string;
  seconds: number;
  bytes: number;
  latency20k: number;
  latency1m: number;
  /** On real code (benchLatency.ts), when the real-code tree is there. */
  realLatency?: { small: number; large: number };
  maxRssMb: number;
  findings: Finding[];
  note?: string;
}

if (!existsSync('package.json')) throw new Error('run from the repository root');
const args = process.argv.slice(2);
const workerIndex = args.indexOf('--worker');
const corpusDir = resolve('.cache/bench-corpus');
const manifestPath = resolve('.cache/bench-manifest.json');

// No top-level await: tsx runs this file as CommonJS (the package is not "type": "module").
(workerIndex >= 0 ? runWorker(args[workerIndex + 1] ?? '', args[workerIndex + 2] ?? '') : main()).catch(
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);

async function main(): Promise<void> {
  const mbIndex = args.indexOf('--mb');
  const targetMb = mbIndex >= 0 ? Number(args[mbIndex + 1]) : 50;
  const documents = generate(targetMb);
  const results: WorkerResult[] = [];
  for (const name of ['token-agent', 'secretlint']) {
    console.error(`bench: running ${name}…`);
    results.push(worker(name));
  }
  const gitleaks = findGitleaks();
  if (gitleaks) {
    console.error('bench: running gitleaks…');
    results.push(runGitleaks(gitleaks));
  }
  console.log(table(results, documents, gitleaks !== undefined));
  const realCode = resolve(process.env.REALCODE_DIR ?? '/tmp/realcode');
  const treeIndex = args.indexOf('--tree');
  const tree =
    treeIndex >= 0
      ? resolve(args[treeIndex + 1] ?? '.')
      : existsSync(join(realCode, 'tune'))
        ? join(realCode, 'tune')
        : corpusDir;
  const repeatIndex = args.indexOf('--repeat');
  const repeat = repeatIndex >= 0 ? Number(args[repeatIndex + 1]) : 1;
  console.log(`\n${processTable(tree, gitleaks, repeat)}`);
  if (!args.includes('--keep')) rmSync(corpusDir, { recursive: true, force: true });
  if (!args.includes('--no-real-code') && existsSync(join(realCode, 'tune'))) {
    console.error('bench: the real-code evaluation…');
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench-real-code.ts'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    console.log(`\nReal code (${realCode}; findings per MB and sampled precision):\n\n${child.stdout}`);
  }
}

/** Writes the corpus: planted positives and decoys of every rule in ~20 KB files of filler. */
function generate(targetMb: number): CorpusDocument[] {
  const r = rng(424242);
  rmSync(corpusDir, { recursive: true, force: true });
  mkdirSync(corpusDir, { recursive: true });
  const items: { line: string; label?: { rule: string; start: number; end: number } }[] = [];
  const perRule = Math.max(4, Math.round(targetMb * 0.8));
  for (const [rule, gens] of Object.entries(positives)) {
    for (let i = 0; i < perRule; i++) {
      const gen = gens[i % gens.length];
      if (!gen) continue;
      const sample = gen(r);
      const line = sample.render
        ? sample.render(sample.value, 'ts', r)
        : `const fixture = "${sample.value}";`;
      const at = line.indexOf(sample.value);
      items.push({ line, label: { rule, start: at, end: at + sample.value.length } });
    }
  }
  for (let i = 0; i < perRule * 40; i++) items.push({ line: r.pick(globalDecoys)(r) });
  for (let i = items.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [items[i], items[j]] = [items[j] as (typeof items)[number], items[i] as (typeof items)[number]];
  }
  // ~40 bytes a filler line: spread the items so the corpus reaches the target size.
  const fillerPerItem = Math.max(10, Math.round((targetMb * 1_000_000) / 40 / items.length));
  const documents = assemble(items, r, 2, fillerPerItem);
  const manifest = documents.map((d) => {
    writeFileSync(join(corpusDir, d.path.replace(/\//g, '_')), d.text);
    return {
      path: d.path.replace(/\//g, '_'),
      bytes: Buffer.byteLength(d.text),
      labels: d.labels.map((l) => lineOf(d.text, l.start)),
    };
  });
  // The latency files: one of ~20 KB and one of ~1 MB, cut from the corpus text.
  const all = documents.map((d) => d.text).join('\n');
  writeFileSync(resolve('.cache/bench-20k.ts'), all.slice(0, all.indexOf('\n', 20_000) + 1));
  writeFileSync(resolve('.cache/bench-1m.ts'), all.slice(0, all.indexOf('\n', 1_000_000) + 1));
  writeFileSync(manifestPath, JSON.stringify(manifest));
  const mb = manifest.reduce((sum, f) => sum + f.bytes, 0) / 1_000_000;
  console.error(
    `bench: corpus of ${documents.length} files, ${mb.toFixed(1)} MB, ${items.filter((i) => i.label).length} planted secrets`,
  );
  return documents;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function worker(name: string): WorkerResult {
  const out = resolve(`.cache/bench-${name}.json`);
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/bench-scan.ts', '--worker', name, out],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (child.status !== 0) throw new Error(`${name} worker failed (${child.status})`);
  return JSON.parse(readFileSync(out, 'utf8')) as WorkerResult;
}

async function runWorker(name: string, out: string): Promise<void> {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { path: string; bytes: number }[];
  const files = manifest.map((f) => ({ path: f.path, text: readFileSync(join(corpusDir, f.path), 'utf8') }));
  const small = readFileSync(resolve('.cache/bench-20k.ts'), 'utf8');
  const large = readFileSync(resolve('.cache/bench-1m.ts'), 'utf8');
  const scan = name === 'token-agent' ? await oursScanner() : await secretlintScanner();
  // One full pass warms the JIT (both tools get the same), then the measured pass.
  for (const file of files) await scan(file.text, file.path);
  const findings: Finding[] = [];
  const started = process.hrtime.bigint();
  for (const file of files) {
    for (const line of await scan(file.text, file.path)) findings.push({ path: file.path, line });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result: WorkerResult = {
    name:
      name === 'token-agent'
        ? 'token-agent (in-process `scanText`)'
        : 'secretlint 13 recommended (in-process `lintSource`, profiler off)',
    seconds,
    bytes: files.reduce((sum, f) => sum + Buffer.byteLength(f.text), 0),
    latency20k: await medianMs(() => scan(small, 'bench-20k.ts'), 200),
    latency1m: await medianMs(() => scan(large, 'bench-1m.ts'), 15),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    findings,
  };
  const realTree = join(resolve(process.env.REALCODE_DIR ?? '/tmp/realcode'), 'tune');
  if (existsSync(realTree)) {
    const { small: smallFiles, large: largeFiles } = latencyFiles(realTree);
    result.realLatency = {
      small: await medianOverFiles(smallFiles, scan, 101),
      large: await medianOverFiles(largeFiles, scan, 11),
    };
  }
  writeFileSync(out, JSON.stringify(result));
}

async function medianMs(run: () => unknown, times: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

type Scan = (text: string, path: string) => Promise<number[]> | number[];

async function oursScanner(): Promise<Scan> {
  const { scanText } = await import('../agent/lint/scanner');
  return (text, path) => scanText(text, { path }).map((f) => f.line);
}

async function secretlintScanner(): Promise<Scan> {
  const { secretLintProfiler } = await import('@secretlint/profiler');
  // Its profiler is on by default and its bookkeeping grows with every call (see the notes).
  secretLintProfiler.setEnabled(false);
  const { lintSource } = await import('@secretlint/core');
  const preset = await import('@secretlint/secretlint-rule-preset-recommend');
  const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: preset.creator }] };
  return async (text, path) => {
    const result = await lintSource({
      source: { content: text, filePath: path, ext: path.slice(path.lastIndexOf('.')), contentType: 'text' },
      options: { config: config as never, noPhysicFilePath: true },
    });
    return result.messages.map((m) => m.loc.start.line);
  };
}

function findGitleaks(): string | undefined {
  const candidates = [process.env.GITLEAKS, 'gitleaks', resolve('.cache/gitleaks/usr/bin/gitleaks')];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const probe = spawnSync(candidate, ['version'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

/** gitleaks as a process (its only interface): wall time and peak RSS via /usr/bin/time. */
function runGitleaks(binary: string): WorkerResult {
  const report = resolve('.cache/bench-gitleaks.json');
  const timed = (source: string, reportPath: string) => {
    const started = process.hrtime.bigint();
    const child = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        '%M',
        binary,
        'detect',
        '--no-git',
        '--no-banner',
        '--exit-code',
        '0',
        '--source',
        source,
        '--report-format',
        'json',
        '--report-path',
        reportPath,
        '--log-level',
        'error',
      ],
      { encoding: 'utf8' },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rssKb = Number(child.stderr.trim().split('\n').pop());
    return { seconds, rssKb };
  };
  const whole = timed(corpusDir, report);
  const raw = JSON.parse(readFileSync(report, 'utf8')) as { File: string; StartLine: number }[];
  const findings = raw.map((f) => ({ path: f.File.slice(f.File.lastIndexOf('/') + 1), line: f.StartLine }));
  const latency = (file: string) => {
    const samples = [0, 1, 2, 3, 4].map(
      () => timed(resolve(file), resolve('.cache/bench-gitleaks-one.json')).seconds * 1000,
    );
    return samples.sort((a, b) => a - b)[2] ?? Number.NaN;
  };
  const version = execFileSync(binary, ['version'], { encoding: 'utf8' }).trim();
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bytes: number }[];
  return {
    name: `gitleaks ${version === 'version is set by build process' ? '8.16 (Debian)' : version} (\`detect --no-git\`, process)`,
    seconds: whole.seconds,
    bytes: manifest.reduce((sum, f) => sum + f.bytes, 0),
    latency20k: latency('.cache/bench-20k.ts'),
    latency1m: latency('.cache/bench-1m.ts'),
    maxRssMb: whole.rssKb / 1024,
    findings,
    note: 'per-file latency includes process start',
  };
}

function table(results: WorkerResult[], _documents: CorpusDocument[], hadGitleaks: boolean): string {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { path: string; labels: number[] }[];
  const planted = new Set(manifest.flatMap((f) => f.labels.map((line) => `${f.path}:${line}`)));
  const rows = results.map((r) => {
    const reported = new Set(r.findings.map((f) => `${f.path}:${f.line}`));
    const found = [...planted].filter((key) => reported.has(key)).length;
    const correct = [...reported].filter((key) => planted.has(key)).length;
    const mbps = r.bytes / 1_000_000 / r.seconds;
    const real = r.realLatency
      ? `${r.realLatency.small.toFixed(3)} ms | ${r.realLatency.large.toFixed(2)} ms`
      : '| ';
    return `| ${r.name} | ${mbps.toFixed(1)} MB/s | ${r.latency20k.toFixed(3)} ms | ${r.latency1m.toFixed(2)} ms | ${real} | ${r.maxRssMb.toFixed(0)} MB | ${(found / planted.size).toFixed(3)} | ${(correct / Math.max(1, reported.size)).toFixed(3)} |${r.note ? ` ${r.note}` : ''}`;
  });
  const mb = (results[0]?.bytes ?? 0) / 1_000_000;
  return [
    `Corpus: ${manifest.length} generated files, ${mb.toFixed(1)} MB, ${planted.size} planted secrets (${Object.keys(positives).length} rules), Node ${process.version}.`,
    'Recall and precision are line-level and rule-agnostic (a finding on a planted line counts, whatever its rule).',
    'In-process tools: files preloaded, one warm-up pass, then the measured pass; latency is the median of repeated scans.',
    'Real-code latency: the 20 files of the real-code tune/ tree nearest 20 KB and the 5 nearest 1 MB (median of each file, then over the files).',
    '',
    '| tool | whole corpus | 20 KB file | 1 MB file | 20 KB real code | 1 MB real code | peak RSS | recall | precision | |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    ...(hadGitleaks ? [] : ['| gitleaks | not installed (scripts/fetch-gitleaks.sh) | | | | | | | | |']),
    '',
    'Targets for token-agent (#13 item 7): ≤ 0.05 ms per 20 KB, ≤ 3 ms per 1 MB, recall ≥ 0.98, precision ≥ 0.95.',
  ].join('\n');
}
