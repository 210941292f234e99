// The timeline's model from the audit log: what a day of refreshes, failures, sign-ins and clock
// drift looks like once read back, and that bad lines are skipped and counted rather than fatal.
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { appendAudit, auditFileName } from '../../agent/store/auditLog';
import { auditStamp, readAuditTail } from '../../agent/store/auditRead';
import { buildTimeline, parseAuditLines, timelineFrom } from '../../agent/store/auditTimeline';

const hour = 3_600_000;
const now = Date.parse('2030-01-02T12:00:00.000Z');
const at = (hoursAgo: number) => new Date(now - hoursAgo * hour).toISOString();
const line = (fields: Record<string, unknown>) => JSON.stringify({ pid: 7, host: 'box', ...fields });
const exp = (hoursAgo: number) => Math.floor((now - hoursAgo * hour) / 1000);

describe('parseAuditLines', () => {
  it('keeps audit records, counts torn, foreign and unknown-outcome lines, and ignores blank ones', () => {
    const text = [
      line({ time: at(3), token: 'api', outcome: 'refreshed', jti: 'abcdefghijkl', exp: exp(2) }),
      '{"time":"2030-01-02T10:00:00.000Z","token":"api","outc', // torn by a crash mid-write
      '',
      line({ time: 'yesterday', token: 'api', outcome: 'failed' }),
      line({ time: at(1), token: 'api', outcome: 'exploded' }),
      '[1,2,3]',
      line({ time: at(1), token: 'api', outcome: 'failed', error: 'ERR_TOKEN_ENDPOINT_HTTP' }),
    ].join('\n');
    const { rows, skipped } = parseAuditLines(text);
    assert.equal(skipped, 4);
    assert.deepEqual(
      rows.map((r) => [r.outcome, r.time]),
      [
        ['refreshed', now - 3 * hour],
        ['failed', now - hour],
      ],
    );
    // Only a prefix of the JWT id crosses to the editor; exp is in milliseconds like every time.
    assert.equal(rows[0]?.jtiPrefix, 'abcdefgh');
    assert.equal(rows[0]?.exp, now - 2 * hour);
    assert.equal(rows[1]?.error, 'ERR_TOKEN_ENDPOINT_HTTP');
  });

  it("drops a tail's first line, which may be cut anywhere", () => {
    const text = `ken":"api","outcome":"refreshed"}\n${line({ time: at(1), token: 'api', outcome: 'refreshed' })}\n`;
    assert.deepEqual(parseAuditLines(text, { firstLinePartial: true }).skipped, 0);
    assert.deepEqual(parseAuditLines(text).skipped, 1);
  });
});

describe('buildTimeline', () => {
  const rows = parseAuditLines(
    [
      // Obtained and expired before the window: not drawn.
      line({ time: at(30), token: 'api', outcome: 'refreshed', exp: exp(29) }),
      // Started before the window, ends inside it: drawn clipped at the window's start.
      line({ time: at(25), token: 'api', outcome: 'refreshed', exp: exp(23), jti: 'jti-one-x' }),
      line({ time: at(10), token: 'api', outcome: 'failed', error: 'ERR_TOKEN_ENDPOINT_TIMEOUT' }),
      line({ time: at(9.5), token: 'api', outcome: 'failed', error: 'ERR_TOKEN_ENDPOINT_TIMEOUT' }),
      line({ time: at(9), token: 'api', outcome: 'refreshed', exp: exp(8), skewMs: 93_000 }),
      line({ time: at(5), token: 'ci', outcome: 'needs-sign-in', error: 'ERR_NEEDS_SIGN_IN' }),
      line({ time: at(4), token: 'ci', outcome: 'needs-sign-in', error: 'ERR_NEEDS_SIGN_IN' }),
      line({ time: at(3), token: 'ci', outcome: 'signed-in', exp: exp(-1) }),
      // Written a moment out of order by another agent.
      line({ time: at(0.5), token: 'api', outcome: 'failed', error: 'ERR_REFRESH_FAILED' }),
      line({ time: at(0.75), token: 'api', outcome: 'refreshed', exp: exp(0.25) }),
    ].join('\n'),
  ).rows;
  const [api, ci] = buildTimeline(rows, now - 24 * hour, now);

  it('gives each token its events inside the window, oldest first, with a clock-skew warning', () => {
    assert.deepEqual(
      api?.events.map((e) => e.kind),
      ['failed', 'failed', 'refreshed', 'clock-skew', 'refreshed', 'failed'],
    );
    assert.equal(api?.events.find((e) => e.kind === 'clock-skew')?.skewMs, 93_000);
    assert.deepEqual(
      ci?.events.map((e) => e.kind),
      ['needs-sign-in', 'needs-sign-in', 'signed-in'],
    );
  });

  it('draws lifetimes clipped to the window, backoff until the next attempt, one wait for sign-in', () => {
    assert.deepEqual(
      api?.spans.map((s) => [s.kind, (now - s.from) / hour, (now - s.to) / hour, s.open ?? false]),
      [
        ['lifetime', 24, 23, false],
        ['backoff', 10, 9.5, false],
        ['backoff', 9.5, 9, false],
        ['lifetime', 9, 8, false],
        ['lifetime', 0.75, 0.25, false],
        // The last attempt failed and nothing came since: backing off until now.
        ['backoff', 0.5, 0, true],
      ],
    );
    assert.equal(api?.spans[0]?.jtiPrefix, 'jti-one-');
    assert.deepEqual(
      ci?.spans.map((s) => [s.kind, (now - s.from) / hour, (now - s.to) / hour, s.open ?? false]),
      [
        ['signed-out', 5, 3, false],
        // Valid beyond now: drawn to the window's end and marked open.
        ['lifetime', 3, 0, true],
      ],
    );
  });

  it('a refresh that may have rotated waits for a sign-in from its time, as needs-sign-in does', () => {
    const rows = parseAuditLines(
      [
        line({ time: at(2), token: 'idp', outcome: 'may-have-rotated', error: 'ERR_NEEDS_SIGN_IN' }),
        line({ time: at(1.5), token: 'idp', outcome: 'needs-sign-in', error: 'ERR_NEEDS_SIGN_IN' }),
        line({ time: at(1), token: 'idp', outcome: 'signed-in', exp: exp(0.5) }),
      ].join('\n'),
    ).rows;
    const [idp] = buildTimeline(rows, now - 24 * hour, now);
    assert.deepEqual(
      idp?.events.map((e) => e.kind),
      ['may-have-rotated', 'needs-sign-in', 'signed-in'],
    );
    assert.deepEqual(
      idp?.spans.map((s) => [s.kind, (now - s.from) / hour, (now - s.to) / hour]),
      [
        ['signed-out', 2, 1],
        ['lifetime', 1, 0.5],
      ],
    );
  });

  it('leaves out a token with nothing in the window', () => {
    const old = parseAuditLines(
      line({ time: at(40), token: 'gone', outcome: 'refreshed', exp: exp(39) }),
    ).rows;
    assert.deepEqual(buildTimeline(old, now - 24 * hour, now), []);
  });
});

describe('timelineFrom', () => {
  it('answers the newest rows first, at most 500, with the window and the count of bad lines', () => {
    const lines = Array.from({ length: 520 }, (_, i) =>
      line({ time: at(20 - i / 100), token: 'api', outcome: 'refreshed', exp: exp(19 - i / 100) }),
    );
    const result = timelineFrom({
      text: `${lines.join('\n')}\nnot json\n`,
      stamp: 's',
      auditLogPath: '/d/audit.jsonl',
      truncated: false,
      now,
      hours: 24,
    });
    assert.equal(result.rows.length, 500);
    assert.equal(result.rows[0]?.time, now - 20 * hour + 519 * 36_000);
    assert.equal(result.skipped, 1);
    assert.deepEqual([result.from, result.to], [now - 24 * hour, now]);
    assert.equal(result.tokens[0]?.events.length, 520);
  });
});

describe('timelineFrom rows', () => {
  it('orders the table by time, not by where a line sits in the file', () => {
    const text = [
      line({ time: at(1), token: 'api', outcome: 'refreshed' }),
      // Appended later by an agent whose line carries an earlier time.
      line({ time: at(3), token: 'ci', outcome: 'failed', error: 'ERR_REFRESH_FAILED' }),
      line({ time: at(2), token: 'api', outcome: 'refreshed' }),
    ].join('\n');
    const result = timelineFrom({ text, stamp: 's', auditLogPath: 'a', truncated: false, now, hours: 24 });
    assert.deepEqual(
      result.rows.map((r) => (now - r.time) / hour),
      [1, 2, 3],
    );
  });
});

describe('reading the audit log file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audit-read-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads what appendAudit wrote, with a stamp that changes when a line is appended', async () => {
    const path = join(dir, auditFileName);
    assert.deepEqual(await readAuditTail(path), { text: '', stamp: 'none', truncated: false });
    await appendAudit(dir, { token: 'api', outcome: 'refreshed', exp: exp(-1), skewMs: -4_000 });
    const first = await readAuditTail(path);
    assert.equal(first.stamp, await auditStamp(path));
    const parsed = parseAuditLines(first.text);
    assert.deepEqual(
      parsed.rows.map((r) => [r.token, r.outcome, r.skewMs]),
      [['api', 'refreshed', -4_000]],
    );
    await appendAudit(dir, { token: 'api', outcome: 'failed', error: 'ERR_REFRESH_FAILED' });
    assert.notEqual(await auditStamp(path), first.stamp);
  });

  it('reads only the tail of a large log, and says so', async () => {
    const path = join(dir, 'big.jsonl');
    const one = `${line({ time: at(1), token: 'api', outcome: 'refreshed' })}\n`;
    await writeFile(path, one.repeat(100));
    const tail = await readAuditTail(path, one.length * 10 + 5);
    assert.equal(tail.truncated, true);
    const { rows, skipped } = parseAuditLines(tail.text, { firstLinePartial: true });
    assert.deepEqual([rows.length, skipped], [10, 0]);
  });

  it('refuses to read through a symlink planted in its place', async () => {
    const target = join(dir, 'elsewhere.jsonl');
    await appendFile(target, `${line({ time: at(1), token: 'x', outcome: 'refreshed' })}\n`);
    const link = join(dir, 'link.jsonl');
    await symlink(target, link);
    await assert.rejects(readAuditTail(link), /symlink/);
  });
});
