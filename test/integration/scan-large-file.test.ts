// `token-agent scan` on a file far past the old 10 MB cut-off, as a real process (dist/agent.js): it
// is scanned, in windows (agent/lint/largeFile.ts), with every planted key reported at its line,
// the first line, the window edges and the last line among them; --max-file-size still skips it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { windowedFromBytes } from '../../agent/lint/largeFile';
import { alphabets, randomString, rng } from '../support/secretCorpus';

const agent = resolve('dist/agent.js');
const scan = (cwd: string, args: string[]) =>
  spawnSync(process.execPath, [agent, 'scan', ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });

describe('token-agent scan on a file larger than a window', () => {
  let dir: string;
  const r = rng(41);
  const key = () => `sk_live_${randomString(r, 32, alphabets.alnum)}`;
  const planted = new Map<number, string>();

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'token-agent-large-'));
    const fd = openSync(join(dir, 'app.log'), 'w');
    const filler = '2026-12-06T00:00:00Z INFO request served in 12 ms path=/v1/items?page=3 status=200\n';
    const lines = Math.ceil((windowedFromBytes * 1.6) / filler.length);
    // Keys on the first and last lines, and around each 32 MB window edge and a few other places.
    const at = new Set([1, lines]);
    const perWindow = Math.floor((32 * 1024 * 1024) / filler.length);
    for (const edge of [perWindow, 2 * perWindow, 3 * perWindow])
      for (const delta of [-1, 0, 1]) at.add(edge + delta);
    at.add(Math.floor(lines / 3));
    let chunk = '';
    for (let line = 1; line <= lines; line++) {
      if (at.has(line)) {
        const value = key();
        planted.set(line, value);
        chunk += `STRIPE_KEY=${value}\n`;
      } else chunk += filler;
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
    closeSync(fd);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reports every planted key at its line and column, nothing skipped', () => {
    const result = scan(dir, ['--format', 'json', 'app.log']);
    assert.equal(result.status, 1, result.stderr);
    const report = JSON.parse(result.stdout) as {
      findings: { line: number; column: number; rule: string; masked: string }[];
      skipped: unknown[];
    };
    assert.deepEqual(report.skipped, []);
    assert.deepEqual(
      report.findings.map((f) => [f.line, f.column, f.rule]),
      [...planted.keys()].sort((a, b) => a - b).map((line) => [line, 12, 'stripe-secret-key']),
    );
    for (const f of report.findings) assert.ok(f.masked.length < 16, 'only a short prefix is shown');
  });

  it('skips it when --max-file-size asks for a limit, and says so', () => {
    const result = scan(dir, ['--max-file-size', String(10 * 1024 * 1024), 'app.log']);
    assert.equal(result.status, 0);
    assert.match(result.stderr, /1 file not scanned: too-large 1/);
  });
});
