import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type AuditEntry, appendAudit, auditFileName } from '../../agent/store/auditLog';
import { fakeJwt } from '../support/fakeTokens';

const fixed = { now: () => Date.parse('2030-01-02T03:04:05.678Z'), pid: 4242, host: 'build-box' };

describe('appendAudit', () => {
  let root: string;
  let dataDir: string;
  let file: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'token-agent-audit-'));
    dataDir = join(root, 'data');
    file = join(dataDir, auditFileName);
  });

  afterEach(() => rm(root, { recursive: true, force: true }));

  const lines = async () =>
    (await readFile(file, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('appends one JSON line per refresh to audit.jsonl, 0600 in a 0700 directory', async () => {
    await appendAudit(
      dataDir,
      { token: 'github', jti: 'id-1', exp: 1_893_553_445, outcome: 'refreshed' },
      fixed,
    );
    await appendAudit(dataDir, { token: 'github', outcome: 'failed', error: 'ERR_REFRESH_FAILED' }, fixed);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
    const text = await readFile(file, 'utf8');
    assert.equal(
      text.split('\n')[0],
      '{"time":"2030-01-02T03:04:05.678Z","token":"github","jti":"id-1","exp":1893553445,' +
        '"outcome":"refreshed","pid":4242,"host":"build-box"}',
    );
    assert.deepEqual((await lines())[1], {
      time: '2030-01-02T03:04:05.678Z',
      token: 'github',
      outcome: 'failed',
      error: 'ERR_REFRESH_FAILED',
      pid: 4242,
      host: 'build-box',
    });
  });

  it('fills in the real pid and host by default', async () => {
    const record = await appendAudit(dataDir, { token: 'github', outcome: 'reused' });
    assert.equal(record.pid, process.pid);
    assert.equal(typeof record.host, 'string');
    assert.deepEqual(await lines(), [record]);
  });

  it('keeps every line whole when many appends race', async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        appendAudit(dataDir, { token: `token-${i}`, outcome: 'needs-sign-in' }, fixed),
      ),
    );
    const tokens = (await lines()).map((line) => line.token);
    assert.equal(new Set(tokens).size, 50);
  });

  it('narrows a file someone widened back to 0600', async () => {
    await appendAudit(dataDir, { token: 'github', outcome: 'refreshed' }, fixed);
    await chmod(file, 0o644);
    await appendAudit(dataDir, { token: 'github', outcome: 'refreshed' }, fixed);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  it('refuses anything that looks like a token value, without quoting it and without writing', async () => {
    const jwt = fakeJwt({ sub: 'demo', exp: 1_893_553_445 });
    const bad: [string, AuditEntry][] = [
      ['a JWT as jti', { token: 'github', jti: jwt, outcome: 'refreshed' }],
      ['a JWT as token name', { token: jwt, outcome: 'refreshed' }],
      [
        'a JWT inside a longer value',
        { token: 'github', jti: `x ${jwt.slice(0, 40)}`, outcome: 'refreshed' },
      ],
      ['a long opaque value', { token: 'github', jti: 'A'.repeat(201), outcome: 'refreshed' }],
    ];
    for (const [what, entry] of bad) {
      await assert.rejects(
        appendAudit(dataDir, entry, fixed),
        (error: unknown) => {
          assert.ok(error instanceof TypeError, what);
          assert.doesNotMatch(error.message, /eyJ|AAAAAAAAA/, what);
          return true;
        },
        what,
      );
    }
    await assert.rejects(stat(file), { code: 'ENOENT' });
    // A 200-character identifier is still fine.
    await appendAudit(dataDir, { token: 'github', jti: 'A'.repeat(200), outcome: 'refreshed' }, fixed);
  });

  it('rejects malformed entries', async () => {
    const bad = [
      { token: '', outcome: 'refreshed' },
      { token: 'github', outcome: 'done' },
      { token: 'github', outcome: 'refreshed', exp: 1.5 },
      { token: 'github', outcome: 'refreshed', skewMs: 0.5 },
      { token: 'github', outcome: 'failed', error: 'socket hang up' },
    ] as AuditEntry[];
    for (const entry of bad) await assert.rejects(appendAudit(dataDir, entry, fixed), TypeError);
  });
});

describe('the audit log cannot be turned against the user (#16 item 2)', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'token-agent-audit-hostile-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('refuses to write through a symlink planted as audit.jsonl, leaving its target untouched', async () => {
    const target = join(root, 'elsewhere.txt');
    await writeFile(target, 'not yours\n', { mode: 0o644 });
    await mkdir(join(root, 'data'), { mode: 0o700 });
    await symlink(target, join(root, 'data', auditFileName));
    await assert.rejects(
      appendAudit(join(root, 'data'), { token: 'github', outcome: 'refreshed' }),
      /symlink/,
    );
    assert.equal(await readFile(target, 'utf8'), 'not yours\n');
    assert.equal((await stat(target)).mode & 0o777, 0o644, 'not chmodded either');
  });

  it('starts a new line after a torn last line, so the record stays readable', async () => {
    const dataDir = join(root, 'data');
    await mkdir(dataDir, { mode: 0o700 });
    await writeFile(join(dataDir, auditFileName), '{"time":"2026-01-01T00:00:00Z","tok\u0000\u00ff', {
      mode: 0o600,
    });
    await appendAudit(dataDir, { token: 'github', outcome: 'refreshed' });
    const lines = (await readFile(join(dataDir, auditFileName), 'utf8')).split('\n');
    assert.equal(lines.length, 3, 'torn line, the record, and the empty tail');
    assert.equal(JSON.parse(lines[1] ?? '').token, 'github');
  });
});
