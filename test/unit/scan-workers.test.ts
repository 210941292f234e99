// `token-agent scan` with worker threads (#13 item 7): the same report, byte for byte and in the
// same order, as one thread on a generated tree (many files over nested directories, binaries, a
// keystore, a file of many findings, a baseline); and a worker that dies fails the scan (exit 2,
// saying what happened) instead of hanging or losing files.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ScanWorkers, scanWorkers } from '../../agent/cli/scan';
import { scanThreads } from '../../agent/cli/scanPool';
import { checksummedToken } from '../support/fakeTokens';
import { scanInMemory } from '../support/scanInMemory';
import { alphabets, buildCorpus, randomString, rng } from '../support/secretCorpus';

const oneThread: ScanWorkers = { ...scanWorkers({}), threads: 1 };
/** Workers from the first file, so a small tree exercises them. */
const twoWorkers: ScanWorkers = { ...scanWorkers({}), threads: 2, minBytes: 0 };
const now = Date.parse('2026-01-01T00:00:00Z');

const scan = (cwd: string, argv: string[], workers: ScanWorkers) =>
  scanInMemory(cwd, argv, '', { now, workers });

describe('scan with worker threads', () => {
  let root: string;
  let planted = 0;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'token-agent-scan-workers-'));
    const documents = buildCorpus({ seed: 1307, positivesPerRule: 2, decoysPerRule: 2, itemsPerDocument: 6 });
    documents.forEach((doc, i) => {
      // Spread over nested directories, so the walk order is not the order files were written.
      const dir = join(root, `pkg${i % 7}`, i % 3 === 0 ? 'deep/er' : 'src');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, doc.path.replace(/\//g, '_')), doc.text);
      planted += doc.labels.length;
    });
    const r = rng(77);
    // One file of many findings: several full batches cross from a worker, acknowledged as written.
    const keys = Array.from(
      { length: 3000 },
      () => `token: ${checksummedToken('ghp_', randomString(r, 36, alphabets.alnum))}`,
    );
    writeFileSync(join(root, 'pkg3', 'many.yaml'), `${keys.join('\n')}\n`);
    writeFileSync(join(root, 'pkg1', 'blob.bin'), Buffer.from([0, 1, 2, 3, 0, 0, 7]));
    writeFileSync(join(root, 'pkg2', 'release.p12'), Buffer.from([48, 130, 1, 2]));
    writeFileSync(join(root, '.gitignore'), 'ignored/\n');
    mkdirSync(join(root, 'ignored'));
    writeFileSync(
      join(root, 'ignored', 'x.ts'),
      `const t = "${checksummedToken('ghp_', randomString(r, 36, alphabets.alnum))}";\n`,
    );
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const format of ['text', 'json', 'sarif']) {
    it(`writes the same ${format} report as one thread`, async () => {
      const single = await scan(root, ['--no-baseline', '--verbose', '--format', format, '.'], oneThread);
      const threaded = await scan(root, ['--no-baseline', '--verbose', '--format', format, '.'], twoWorkers);
      assert.equal(single.code, 1, single.err);
      assert.ok(single.out.length > 10_000, 'the tree has findings to compare');
      assert.equal(threaded.code, single.code);
      assert.equal(threaded.out, single.out);
      assert.equal(threaded.err, single.err);
    });
  }

  it('finds what was planted, the keystore and the skipped binary, through the workers', async () => {
    const { out } = await scan(root, ['--no-baseline', '--format', 'json', '.'], twoWorkers);
    const report = JSON.parse(out) as { findings: { path: string; rule: string }[]; skipped: unknown[] };
    assert.ok(report.findings.length >= 3000 + planted * 0.9, `${report.findings.length} findings`);
    assert.ok(report.findings.some((f) => f.rule === 'keystore-file'));
    assert.ok(report.findings.every((f) => !f.path.startsWith('ignored/')));
    assert.deepEqual(report.skipped, [{ path: 'pkg1/blob.bin', reason: 'binary', bytes: 7 }]);
  });

  it('applies a baseline to findings that come from workers (their values cross with them)', async () => {
    const baseline = join(root, '..', `${root.split('/').pop()}-baseline.json`);
    try {
      // Not pkg3 with its 3,000 keys: each baseline entry is a deliberately slow scrypt hash.
      const paths = ['pkg0', 'pkg1', 'pkg2'];
      const written = await scan(root, ['--write-baseline', baseline, ...paths], oneThread);
      assert.equal(written.code, 0, written.err);
      const checked = await scan(root, ['--baseline', baseline, '--format', 'json', ...paths], twoWorkers);
      assert.equal(checked.code, 0, checked.err);
      assert.deepEqual((JSON.parse(checked.out) as { findings: unknown[] }).findings, []);
    } finally {
      rmSync(baseline, { force: true });
    }
  });

  for (const fault of ['throws', 'exits']) {
    it(`fails with exit 2 and says so when a worker ${fault}`, async () => {
      const file = join(root, '..', `${root.split('/').pop()}-${fault}.cjs`);
      writeFileSync(
        file,
        fault === 'throws'
          ? "require('node:worker_threads').parentPort.on('message', () => { throw new Error('boom in worker'); });\n"
          : "require('node:worker_threads').parentPort.on('message', () => process.exit(3));\n",
      );
      try {
        const result = await scan(root, ['--no-baseline', '.'], { ...twoWorkers, file });
        assert.equal(result.code, 2);
        assert.match(
          result.err,
          fault === 'throws' ? /scan worker failed: boom in worker/ : /scan worker stopped .*exit code 3/,
        );
      } finally {
        rmSync(file, { force: true });
      }
    });
  }
});

describe('how many scan threads by default', () => {
  it('one thread on two cores (measured faster there), one per core from four, at most eight', () => {
    assert.equal(scanThreads({}, 2), 1);
    assert.equal(scanThreads({}, 4), 4);
    assert.equal(scanThreads({}, 32), 8);
    assert.equal(scanThreads({ TOKEN_AGENT_SCAN_THREADS: '3' }, 2), 3);
    assert.equal(scanThreads({ TOKEN_AGENT_SCAN_THREADS: '1' }, 16), 1);
  });
});
