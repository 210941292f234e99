// The timeline's geometry without VS Code or a DOM: time to x, lanes for overlapping bars, ticks on the
// user's local hours in any time zone, and what a hover says.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenTimeline } from '../../agent/protocol';
import {
  assignLanes,
  describeEvent,
  formatDuration,
  hourTicks,
  layoutToken,
  xOf,
} from '../../extension/timeline/layout';

const hour = 3_600_000;
// 2030-01-02T12:00:00Z: a Wednesday, far from any daylight-saving change.
const now = Date.UTC(2030, 0, 2, 12, 0, 0);
const day = { from: now - 24 * hour, to: now, width: 960 };
const utc = () => 0;
const fmt = (t: number) => new Date(t).toISOString().slice(11, 16);

describe('xOf', () => {
  it('maps the window onto [0, width] and clamps what lies outside', () => {
    assert.equal(xOf(day.from, day), 0);
    assert.equal(xOf(day.to, day), 960);
    assert.equal(xOf(now - 12 * hour, day), 480);
    assert.equal(xOf(now - 30 * hour, day), 0);
    assert.equal(xOf(now + hour, day), 960);
  });
});

describe('assignLanes', () => {
  it('gives overlapping intervals different lanes and reuses a lane once it is free', () => {
    const { lanes, count } = assignLanes([
      { from: 0, to: 10 },
      { from: 5, to: 15 }, // overlaps the first
      { from: 10, to: 20 }, // starts as the first ends: its lane again
      { from: 12, to: 14 }, // overlaps the second and third
    ]);
    assert.deepEqual(lanes, [0, 1, 0, 2]);
    assert.equal(count, 3);
  });

  it('is order-independent in what it decides: input order only names the answer', () => {
    const { lanes } = assignLanes([
      { from: 10, to: 20 },
      { from: 0, to: 10 },
    ]);
    assert.deepEqual(lanes, [0, 0]);
    assert.equal(assignLanes([]).count, 0);
  });
});

describe('hourTicks', () => {
  it('puts ticks on whole local hours, spaced to fit, labelled on the local clock', () => {
    const ticks = hourTicks(day, utc, 64);
    // 960 px for 24 h is 40 px an hour: every 2 hours is 80 px, the first step that fits 64 px; both
    // ends of the window are on an even hour.
    assert.equal(ticks.length, 13);
    assert.deepEqual(
      ticks.slice(0, 3).map((t) => t.label),
      ['12:00', '14:00', '16:00'],
    );
    assert.equal(ticks.find((t) => t.midnight)?.time, Date.UTC(2030, 0, 2, 0, 0, 0));
  });

  it('follows a half-hour time zone: local whole hours fall at half past UTC hours', () => {
    const india = () => 330; // UTC+5:30
    const ticks = hourTicks(day, india, 64);
    for (const tick of ticks) assert.equal(new Date(tick.time).getUTCMinutes(), 30);
    const midnight = ticks.find((t) => t.midnight);
    // Local midnight in UTC+5:30 is 18:30 UTC the day before.
    assert.equal(midnight?.time, Date.UTC(2030, 0, 1, 18, 30, 0));
    assert.equal(midnight?.label, '00:00');
  });

  it('keeps ticks on the hour across a daylight-saving change inside the window', () => {
    const change = now - 6 * hour;
    // +1 h before the change, +2 h after it (as central Europe in summer).
    const offset = (t: number) => (t < change ? 60 : 120);
    const ticks = hourTicks({ ...day, width: 24 * 80 }, offset, 64);
    // Every real hour of the window is a local whole hour: 25 ticks, both ends included.
    assert.equal(ticks.length, 25);
    for (const tick of ticks) assert.equal(new Date(tick.time).getUTCMinutes(), 0);
    // 05:00 UTC reads 06:00, the change at 06:00 UTC reads 08:00: local 07:00 never happened.
    const at = ticks.findIndex((t) => t.time === change);
    assert.deepEqual([ticks[at - 1]?.label, ticks[at]?.label], ['06:00', '08:00']);
  });
});

describe('layoutToken', () => {
  const token: TokenTimeline = {
    name: 'api',
    events: [
      {
        kind: 'refreshed',
        time: now - 2 * hour,
        exp: now - hour,
        pid: 7,
        host: 'box',
        jtiPrefix: 'abcd1234',
      },
      { kind: 'failed', time: now - 30 * 60_000, error: 'ERR_TOKEN_ENDPOINT_HTTP', pid: 7, host: 'box' },
      { kind: 'clock-skew', time: now - 2 * hour, skewMs: -95_000, pid: 7, host: 'box' },
    ],
    spans: [
      { kind: 'lifetime', from: now - 2 * hour, to: now - hour },
      { kind: 'lifetime', from: now - 80 * 60_000, to: now, open: true },
      { kind: 'backoff', from: now - 30 * 60_000, to: now, open: true },
    ],
  };
  const layout = layoutToken(token, day, fmt);

  it('stacks overlapping lifetimes in lanes and keeps backoff in its own group', () => {
    assert.equal(layout.lifetimeLanes, 2);
    assert.equal(layout.troubleLanes, 1);
    assert.deepEqual(
      layout.bars.map((b) => [b.kind, b.lane, Math.round(b.x), Math.round(b.width), b.open]),
      [
        ['lifetime', 0, 880, 40, false],
        ['lifetime', 1, 907, 53, true],
        ['backoff', 0, 940, 20, true],
      ],
    );
  });

  it('says in a hover what happened, when on the local clock, and by which process', () => {
    assert.equal(
      layout.marks[0]?.detail,
      'Refreshed at 10:00 · valid until 11:00 (1h 0m) · jti abcd1234… · by pid 7 on box',
    );
    assert.equal(
      layout.marks[1]?.detail,
      'Refresh failed at 11:30 · ERR_TOKEN_ENDPOINT_HTTP · by pid 7 on box',
    );
    assert.match(layout.marks[2]?.detail ?? '', /clock is 1m 35s behind this machine's/);
    assert.match(
      layout.bars[2]?.detail ?? '',
      /^Backing off after a failed refresh: 11:30 – now \(30m 0s\), no attempt since$/,
    );
  });

  it('formats durations the way the Tokens view does', () => {
    assert.deepEqual(
      [formatDuration(45_000), formatDuration(250_000), formatDuration(3_900_000)],
      ['45s', '4m 10s', '1h 5m'],
    );
    assert.match(
      describeEvent({ kind: 'signed-in', time: now, pid: 1, host: '' }, fmt),
      /^Signed in at 12:00 · by pid 1$/,
    );
  });
});
