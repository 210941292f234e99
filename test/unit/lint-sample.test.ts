// The walkthrough's sample line must really be something the lint flags, or the step teaches nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scanText } from '../../agent/lint/scanner';
import { lintSampleText } from '../../extension/lintSample';

describe("the walkthrough's lint sample", () => {
  it('holds exactly one hard-coded token, on its code line, which the lint reports', () => {
    const now = Date.UTC(2030, 0, 2, 12, 0, 0);
    const text = lintSampleText(now);
    const findings = scanText(text, { path: 'sample.js', now });
    assert.equal(findings.length, 1, JSON.stringify(findings.map((f) => f.rule)));
    assert.equal(findings[0]?.line, 4);
    assert.match(text.split('\n')[3] ?? '', /^const apiToken = "eyJ/);
  });

  it('is made up each time, never a fixed value', () => {
    assert.notEqual(lintSampleText(0), lintSampleText(3_600_000));
  });
});
