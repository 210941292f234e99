// A million findings from `token-agent scan` as a real process (#13 item 8, Done-when: "a million
// findings written as SARIF with peak memory under 300 MB"): four files of key-shaped lines, each
// format written to a file, checked for exactly a million results and for the process's peak RSS.
// Before the report was streamed, SARIF died here with `RangeError: Invalid string length` at 2.7 GB.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { rng } from '../support/secretCorpus';

const agent = resolve('dist/agent.js');
const files = 4;
const linesPerFile = 250_000;
const expected = files * linesPerFile;
const peakLimitKb = 300 * 1024;

/**
 * An AWS access key id shape, `AKIA` and 16 base32 characters, built so that every one is found:
 * letters and digits alternate (no placeholder word, no run, no counting sequence), and eight
 * distinct letters with the digits 2–7 in turn give 3.75 bits a character (the rule asks 2.7).
 * Random, so no value is a real key.
 */
function fakeKeyId(r: ReturnType<typeof rng>): string {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
  let body = '';
  const digit = r.int(6);
  for (let i = 0; i < 8; i++) {
    const letter = letters.splice(r.int(letters.length), 1)[0] as string;
    body += `${letter}${2 + ((digit + i) % 6)}`;
  }
  return `AKIA${body}`;
}

/** Runs the scan with stdout to a file; resolves with its exit code and peak RSS in KB. */
function scanToFile(cwd: string, format: string, out: string, rssFile: string) {
  const fd = openSync(out, 'w', 0o600);
  // The child reports its own peak (getrusage's ru_maxrss) as it exits: no /usr/bin/time needed.
  const child = spawn(
    process.execPath,
    ['--require', join(cwd, '..', 'maxrss.cjs'), agent, 'scan', '--no-baseline', '--format', format, '.'],
    {
      cwd,
      env: { ...process.env, MAXRSS_FILE: rssFile },
      stdio: ['ignore', fd, 'pipe'],
    },
  );
  closeSync(fd);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  return new Promise<{ code: number | null; peakKb: number; stderr: string }>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done({ code, peakKb: Number(readFileSync(rssFile, 'utf8')), stderr }));
  });
}

/** Counts `needle` in a file read a megabyte at a time (the output is hundreds of megabytes). */
function countInFile(path: string, needle: string): number {
  const fd = openSync(path, 'r');
  const chunk = Buffer.alloc(1 << 20);
  let carry = '';
  let count = 0;
  try {
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) {
      const text = carry + chunk.toString('latin1', 0, n);
      for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) count++;
      carry = text.slice(Math.max(0, text.length - needle.length + 1));
    }
  } finally {
    closeSync(fd);
  }
  return count;
}

/** The first and last `bytes` of a file. */
function ends(path: string, bytes: number): { head: string; tail: string } {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(bytes, size));
    readSync(fd, head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(bytes, size));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    return { head: head.toString('utf8'), tail: tail.toString('utf8') };
  } finally {
    closeSync(fd);
  }
}

/**
 * The document with its streamed array emptied: what comes before `open` (ending in `[`) and from
 * `close` (starting with `]`) on must parse as JSON.
 */
function envelope(path: string, open: string, close: string): unknown {
  const { head, tail } = ends(path, 1 << 20);
  const start = head.indexOf(open);
  const end = tail.lastIndexOf(close);
  assert.ok(start !== -1 && end !== -1, `${path}: no ${open.trim()} … ${close.trim()}`);
  return JSON.parse(`${head.slice(0, start + open.length)}${tail.slice(end)}`);
}

function assertPeak(t: TestContext, format: string, peakKb: number): void {
  t.diagnostic(`${format}: peak RSS ${Math.round(peakKb / 1024)} MB`);
  assert.ok(peakKb > 0, 'the child reported no peak RSS');
  assert.ok(peakKb < peakLimitKb, `${format}: peak RSS ${Math.round(peakKb / 1024)} MB, over 300 MB`);
}

describe('a million findings from token-agent scan, in bounded memory', () => {
  let root: string;
  let tree: string;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'token-agent-scan-memory-'));
    tree = join(root, 'tree');
    writeFileSync(
      join(root, 'maxrss.cjs'),
      "process.on('exit', () => require('node:fs').writeFileSync(process.env.MAXRSS_FILE, String(process.resourceUsage().maxRSS)));\n",
    );
    const r = rng(8);
    mkdirSync(tree);
    for (let f = 0; f < files; f++) {
      const lines: string[] = [];
      for (let i = 0; i < linesPerFile; i++) lines.push(fakeKeyId(r));
      writeFileSync(join(tree, `keys${f}.txt`), `${lines.join('\n')}\n`);
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('writes them as SARIF', async (t) => {
    const out = join(root, 'out.sarif');
    const { code, peakKb, stderr } = await scanToFile(tree, 'sarif', out, join(root, 'rss-sarif'));
    assert.equal(code, 1, stderr);
    assert.equal(countInFile(out, '"ruleId": "aws-access-key-id"'), expected);
    const log = envelope(out, '\n      "results": [', '],\n      "invocations"') as {
      version: string;
      runs: { results: unknown[]; invocations: { executionSuccessful: boolean }[] }[];
    };
    assert.equal(log.version, '2.1.0');
    assert.deepEqual(log.runs[0]?.results, []);
    assert.equal(log.runs[0]?.invocations[0]?.executionSuccessful, true);
    assertPeak(t, 'SARIF', peakKb);
    rmSync(out);
  });

  it('writes them as JSON', async (t) => {
    const out = join(root, 'out.json');
    const { code, peakKb, stderr } = await scanToFile(tree, 'json', out, join(root, 'rss-json'));
    assert.equal(code, 1, stderr);
    assert.equal(countInFile(out, '"rule": "aws-access-key-id"'), expected);
    assert.deepEqual(envelope(out, '{\n  "findings": [', '],\n  "skipped"'), { findings: [], skipped: [] });
    assertPeak(t, 'JSON', peakKb);
    rmSync(out);
  });

  it('writes them as text', async (t) => {
    const out = join(root, 'out.txt');
    const { code, peakKb, stderr } = await scanToFile(tree, 'text', out, join(root, 'rss-text'));
    assert.equal(code, 1, stderr);
    assert.equal(countInFile(out, '  aws-access-key-id  '), expected);
    assert.equal(countInFile(out, '\n'), expected);
    const { head, tail } = ends(out, 200);
    assert.match(head, /^keys0\.txt:1:1 {2}aws-access-key-id {2}/);
    assert.match(tail, new RegExp(`keys3\\.txt:${linesPerFile}:1 {2}aws-access-key-id {2}[^\\n]*\\n$`));
    assertPeak(t, 'text', peakKb);
    rmSync(out);
  });
});
