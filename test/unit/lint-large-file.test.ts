// A file scanned in windows (agent/lint/largeFile.ts) gives exactly the findings of one scan over
// the whole text: the planted secrets of the corpus, joined into one file with a long line and
// multi-byte text among them, cut into windows far smaller than the file so that many matches sit
// near a window's edge.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { scanFileInWindows, windowOverlap } from '../../agent/lint/largeFile';
import { type Finding, scanText } from '../../agent/lint/scanner';
import { alphabets, buildCorpus, randomString, rng } from '../support/secretCorpus';

const now = Date.parse('2025-06-01T00:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'token-agent-large-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const where = (f: Finding, value: string) =>
  `${f.rule} ${f.line}:${f.column}-${f.endLine}:${f.endColumn} ${value.length}`;

describe('a file scanned in windows', () => {
  const r = rng(7);
  const documents = buildCorpus({ seed: 99, positivesPerRule: 30, decoysPerRule: 10 });
  // Multi-byte text (a window may end inside a character) and one line longer than the overlap
  // (a window that cannot start at a line start).
  const longLine = `const blob = "${randomString(r, windowOverlap() + 5000, alphabets.lower)}";`;
  const text = [
    '\ufeff// ünïcödé ✓ 日本語 🙂',
    ...[...documents, ...documents, ...documents].map((d) => d.text),
    longLine,
    ...documents.slice(0, 3).map((d) => d.text),
  ].join('\n');
  const path = join(dir, 'big.ts');
  writeFileSync(path, text);
  const whole = scanText(text.slice(1), { path, now });

  it('finds what one scan of the whole text finds, at the same lines and columns', () => {
    const windows = [...scanFileInWindows(path, { path, now, windowBytes: 300_000 })];
    assert.ok(windows.length >= 4, `${windows.length} windows`);
    const found = windows.flatMap((w) => w.findings.map((f) => where(f, w.text.slice(f.start, f.end))));
    const expected = whole.map((f) => where(f, text.slice(1).slice(f.start, f.end)));
    assert.ok(expected.length > 300, `${expected.length} findings`);
    assert.deepEqual(found, expected);
  });

  it('hands each finding its value within the window text, for the baseline', () => {
    const values = [...scanFileInWindows(path, { path, now, windowBytes: 300_000 })].flatMap((w) =>
      w.findings.map((f) => w.text.slice(f.start, f.end)),
    );
    assert.deepEqual(
      values,
      whole.map((f) => text.slice(1).slice(f.start, f.end)),
    );
  });

  it('is one window for a file smaller than a window', () => {
    const small = join(dir, 'small.ts');
    writeFileSync(small, documents[0]?.text ?? '');
    const windows = [...scanFileInWindows(small, { path: small, now })];
    assert.equal(windows.length, 1);
    assert.equal(
      windows[0]?.findings.length,
      scanText(documents[0]?.text ?? '', { path: small, now }).length,
    );
  });
});
