// Linear time, proved with work counters rather than clocks: for adversarial inputs (megabytes of
// near-miss prefixes, unterminated base64 runs, nested quotes) the characters the rules examine and
// the regex executions per input byte stay under a constant, and doubling the input at most doubles
// the work (the bound asserted is 8 operations per byte). The inputs are large enough that catastrophic backtracking would blow the test timeout,
// which is a correctness bound, not a timing assertion.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LiveTokenIndex } from '../../agent/lint/liveTokens';
import type { ScanStats } from '../../agent/lint/rules';
import { newStats, scanText } from '../../agent/lint/scanner';
import { alphabets, randomString, rng } from '../support/secretCorpus';

const megabytes = 2;
const size = megabytes * 1024 * 1024;

function fill(unit: string, length = size): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

const adversarial: Record<string, (length: number) => string> = {
  'sk- repeated': (n) => fill('sk-', n),
  'eyJ repeated': (n) => fill('eyJ', n),
  'eyJ segments without end': (n) => fill('eyJhbGciOiJIUzI1NiJ9.eyJ', n),
  'AKIA and a partial id': (n) => fill('AKIAABCDEFGH ', n),
  'AKIA glued': (n) => fill('AKIA', n),
  'base64 run without terminator': (n) => fill('QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo', n),
  'nested quotes': (n) => fill(`"'\`"'\``, n),
  'token= repeated': (n) => fill('token=', n),
  'password: " unterminated': (n) => fill('password: "', n),
  'secret keys glued': (n) => fill('secretkeytokenpassword', n),
  'PEM headers with MI': (n) => fill('-----BEGIN PRIVATE KEY-----\nMI', n),
  'PEM header, long body, no end': (n) => `-----BEGIN PRIVATE KEY-----\nMII${fill('A', n - 40)}`,
  'URL userinfo near misses': (n) => fill('https://user:pass', n),
  'URL with colons': (n) => fill('a://:', n),
  'Slack webhook prefixes': (n) => fill('https://hooks.slack.com/services/T', n),
  'Azure Q~ repeated': (n) => fill('abc1Q~', n),
  'Telegram :AA repeated': (n) => fill('123456789:AA', n),
  'Discord MT repeated': (n) => fill('MTk', n),
  'xoxb- digits': (n) => fill('xoxb-1-', n),
  'AC hex': (n) => fill(`AC${'0123456789abcdef'.repeat(2)} `, n),
  'one long line of dots': (n) => fill('.atlasv1.', n),
  dashes: (n) => fill('-', n),
};

function work(text: string, live?: LiveTokenIndex): ScanStats {
  const stats = newStats();
  const findings = scanText(text, { stats, ...(live ? { liveTokens: live } : {}) });
  for (let i = 1; i < findings.length; i++) {
    assert.ok((findings[i]?.start ?? 0) >= (findings[i - 1]?.end ?? 0), 'findings are sorted and disjoint');
  }
  return stats;
}

describe('linear-time scanning', { timeout: 120_000 }, () => {
  for (const [name, make] of Object.entries(adversarial)) {
    it(`bounds the work on ${megabytes} MB of ${name}`, { timeout: 20_000 }, () => {
      const half = work(make(size / 2));
      const full = work(make(size));
      for (const counter of ['examined', 'ruleExecs', 'candidates', 'prefilterExecs'] as const) {
        assert.ok(full[counter] <= 8 * size, `${counter}: ${full[counter]} for ${size} bytes`);
        // Twice the input, at most about twice the work (with slack for edge effects).
        assert.ok(
          full[counter] <= 2.2 * half[counter] + 1000,
          `${counter}: ${half[counter]} → ${full[counter]}`,
        );
      }
    });
  }

  it('stays bounded with live tokens held', { timeout: 20_000 }, () => {
    const live = new LiveTokenIndex();
    live.update('a', 'x'.repeat(24));
    live.update('b', randomString(rng(1), 40, alphabets.alnum));
    const stats = work(fill(`${'x'.repeat(23)}=${'y'.repeat(16)}:`, size), live);
    assert.ok(stats.examined <= 8 * size);
  });

  it('survives random text made of trigger fragments', { timeout: 30_000 }, () => {
    const r = rng(99);
    const fragments = [
      'sk-',
      'ghp_',
      'AKIA',
      'eyJ',
      '.',
      '://',
      ':',
      '@',
      '"',
      "'",
      '=',
      ' ',
      '\n',
      'token',
      'secret',
      'Q~',
      ':AA',
      'MT',
      'xoxb-',
      '-----BEGIN PRIVATE KEY-----',
      'MI',
      'AC',
      'SK',
      'glpat-',
      'hvs.',
      'key-',
    ];
    for (let round = 0; round < 50; round++) {
      let text = '';
      while (text.length < 20_000) {
        text += r.next() < 0.5 ? r.pick(fragments) : randomString(r, 1 + r.int(40), alphabets.b64url);
      }
      const stats = work(text);
      assert.ok(stats.examined <= 8 * text.length, `round ${round}`);
    }
  });
});
