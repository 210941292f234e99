// The prefilter: every trigger found wherever it sits (the text is read in 32 KB chunks, four bytes
// at a time, as Latin-1), keywords in any case, and the visiting order and skipping of the regex
// passes it replaced.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prefilter } from '../../agent/lint/prefilter';
import { allRules } from '../../agent/lint/rules';
import { newStats } from '../../agent/lint/scanner';
import { rng } from '../support/secretCorpus';

const prefilter = new Prefilter(allRules);

function visits(text: string, resume?: (at: number, trigger: string) => number | undefined): string[] {
  const seen: string[] = [];
  prefilter.scan(text, newStats(), (at, entry) => {
    seen.push(`${at} ${entry.trigger}`);
    return resume?.(at, entry.trigger);
  });
  return seen;
}

describe('prefilter', () => {
  it('finds every trigger at every offset around the chunk boundaries', () => {
    const r = rng(3);
    const offsets = [0, 1, 2, 3, 4, 5, 32_760, 32_761, 32_762, 32_763, 32_764, 32_765, 32_766, 32_767];
    const size = 32_768 + 40;
    for (const entry of prefilter.entries) {
      // Keywords match in any case: each offset gets its own mix.
      const spelled = () =>
        entry.caseInsensitive
          ? [...entry.trigger].map((c) => (r.next() < 0.5 ? c.toUpperCase() : c)).join('')
          : entry.trigger;
      for (const at of [...offsets, size - entry.trigger.length]) {
        const text = `${' '.repeat(at)}${spelled()}`.padEnd(size, ' ');
        assert.ok(visits(text).includes(`${at} ${entry.trigger}`), `${entry.trigger} at ${at}`);
      }
    }
  });

  it('matches keywords in any case, and nothing beyond Latin-1 stands in for a letter', () => {
    assert.deepEqual(visits('SeCrEt PASSWORD Bearer'), ['0 secret', '7 pass', '16 bearer']);
    // `ţ` is copied as the byte of `c`, `😀` as two bytes; the Kelvin sign is not a `k`.
    assert.deepEqual(visits('se\u0163ret \u{1F600}secret to\u212Aen'), ['9 secret']);
  });

  it('visits in text order, and skips as the regex passes did', () => {
    assert.deepEqual(visits('secretoken'), ['0 secret', '5 token']);
    // A match covers its trigger: `AKIA` inside `:AA…` and `AC` inside `AKIAC` are not candidates.
    assert.deepEqual(visits(':AAKIA AKIA'), ['0 :AA', '7 AKIA']);
    assert.deepEqual(visits('xxAKIAC'), ['2 AKIA']);
    // A rule that matched asks every group to resume after its token.
    assert.deepEqual(
      visits('x ghp_ sk- AKIA', (_, trigger) => (trigger === 'ghp_' ? 10 : undefined)),
      ['2 ghp_', '11 AKIA'],
    );
  });
});
