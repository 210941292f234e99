// The sentence at the end of a workspace scan: counts, plurals, cancellation and unreadable paths.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScanWorkspaceResult } from '../../agent/protocol';
import { scanSummary } from '../../extension/scanSummary';

const base: ScanWorkspaceResult = {
  files: 1200,
  bytes: 3 * 1_048_576,
  findings: 0,
  filesWithFindings: 0,
  skipped: 4,
  errors: [],
  cancelled: false,
};

describe('scanSummary', () => {
  it('says a clean scan found nothing, with the size it covered', () => {
    assert.equal(scanSummary(base), 'Found no hard-coded tokens in 1,200 files (3.0 MB).');
  });

  it('counts findings and the files holding them, singular when one', () => {
    assert.equal(
      scanSummary({ ...base, findings: 1, filesWithFindings: 1 }),
      'Found 1 hard-coded token in 1 file of 1,200 files scanned.',
    );
    assert.equal(
      scanSummary({ ...base, findings: 3, filesWithFindings: 2 }),
      'Found 3 hard-coded tokens in 2 files of 1,200 files scanned.',
    );
  });

  it('says how many are info findings (published keys, made-up tokens), as scan does', () => {
    assert.equal(
      scanSummary({ ...base, findings: 3, infoFindings: 1, filesWithFindings: 2 }),
      'Found 3 hard-coded tokens (1 info) in 2 files of 1,200 files scanned.',
    );
    // An agent older than the field: no count, rather than a wrong one.
    assert.equal(
      scanSummary({ ...base, findings: 3, filesWithFindings: 2 }),
      'Found 3 hard-coded tokens in 2 files of 1,200 files scanned.',
    );
  });

  it('says when the scan was cancelled and when paths could not be read', () => {
    assert.equal(
      scanSummary({ ...base, findings: 2, filesWithFindings: 1, cancelled: true, errors: ['a: EACCES'] }),
      'Scan cancelled: 2 hard-coded tokens in 1 file of 1,200 files scanned so far. 1 path could not be read (see the log).',
    );
  });
});
