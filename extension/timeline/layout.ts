// The timeline's geometry, apart from any DOM or VS Code so that it is tested on its own: where a time
// falls on the x axis, which lane each overlapping bar takes, where the hour ticks of the user's local
// time go, and the words a hover shows. The webview script (webview.ts) only turns this into SVG.
import type { TimelineEvent, TimelineSpan, TokenTimeline } from '../../agent/protocol';

export interface TimeWindow {
  from: number;
  to: number;
  width: number;
}

/** The x of `time` in [0, width], clamped to the window. */
export function xOf(time: number, window: TimeWindow): number {
  const span = window.to - window.from;
  if (span <= 0) return 0;
  const share = (time - window.from) / span;
  return Math.min(1, Math.max(0, share)) * window.width;
}

/**
 * The lowest free lane for each interval, in input order (greedy, by start): intervals that overlap
 * never share a lane, and one that starts where another ends may reuse it.
 */
export function assignLanes(intervals: readonly { from: number; to: number }[]): {
  lanes: number[];
  count: number;
} {
  const order = intervals
    .map((_, i) => i)
    .sort((a, b) => (intervals[a]?.from ?? 0) - (intervals[b]?.from ?? 0));
  const laneEnds: number[] = [];
  const lanes = new Array<number>(intervals.length).fill(0);
  for (const index of order) {
    const interval = intervals[index];
    if (!interval) continue;
    let lane = laneEnds.findIndex((end) => end <= interval.from);
    if (lane === -1) lane = laneEnds.length;
    laneEnds[lane] = interval.to;
    lanes[index] = lane;
  }
  return { lanes, count: laneEnds.length };
}

export interface Tick {
  time: number;
  x: number;
  /** `HH:00` on the user's clock. */
  label: string;
  /** Local midnight: the webview adds the date there. */
  midnight: boolean;
}

const tickSteps = [1, 2, 3, 4, 6, 12, 24];

/**
 * Ticks on whole local hours, as many as fit `minGapPx` apart. `offsetMinutesAt(t)` is the local
 * time's offset from UTC at t (what `-new Date(t).getTimezoneOffset()` gives): a parameter, so that
 * tests can put the user in any time zone, and a daylight-saving change mid-window still lands ticks
 * on the hour.
 */
export function hourTicks(
  window: TimeWindow,
  offsetMinutesAt: (time: number) => number,
  minGapPx = 64,
): Tick[] {
  const hours = (window.to - window.from) / 3_600_000;
  const step =
    tickSteps.find((s) => (window.width * s) / Math.max(hours, 1e-9) >= minGapPx) ?? tickSteps.at(-1) ?? 24;
  const ticks: Tick[] = [];
  // Every time zone's offset is a whole number of quarter hours: walking quarter hours finds each
  // local whole hour, on either side of a daylight-saving change, without date arithmetic.
  const quarter = 900_000;
  for (let time = Math.ceil(window.from / quarter) * quarter; time <= window.to; time += quarter) {
    const local = time + offsetMinutesAt(time) * 60_000;
    if (local % 3_600_000 !== 0) continue;
    const hourOfDay = (((local / 3_600_000) % 24) + 24) % 24;
    if (hourOfDay % step !== 0) continue;
    ticks.push({
      time,
      x: xOf(time, window),
      label: `${String(hourOfDay).padStart(2, '0')}:00`,
      midnight: hourOfDay === 0,
    });
  }
  return ticks;
}

export interface Bar {
  kind: TimelineSpan['kind'];
  x: number;
  width: number;
  /** 0 is the top lane of its group. */
  lane: number;
  open: boolean;
  detail: string;
}

export interface Mark {
  kind: TimelineEvent['kind'];
  x: number;
  time: number;
  detail: string;
}

export interface TokenLayout {
  name: string;
  /** Lifetimes, one lane per token alive at once. */
  lifetimeLanes: number;
  /** Backoff and sign-in waits, below the lifetimes. */
  troubleLanes: number;
  bars: Bar[];
  marks: Mark[];
}

/** A time as the user reads it: their clock (the webview passes an Intl formatter). */
export type FormatTime = (time: number) => string;

export function layoutToken(token: TokenTimeline, window: TimeWindow, formatTime: FormatTime): TokenLayout {
  const lifetimes = token.spans.filter((s) => s.kind === 'lifetime');
  const trouble = token.spans.filter((s) => s.kind !== 'lifetime');
  const lifeLanes = assignLanes(lifetimes);
  const troubleLanes = assignLanes(trouble);
  const bar = (span: TimelineSpan, lane: number): Bar => {
    const x = xOf(span.from, window);
    // At least 2 px: a token that lived seconds is still there to hover.
    return {
      kind: span.kind,
      x,
      width: Math.max(2, xOf(span.to, window) - x),
      lane,
      open: span.open === true,
      detail: describeSpan(span, formatTime),
    };
  };
  return {
    name: token.name,
    lifetimeLanes: lifeLanes.count,
    troubleLanes: troubleLanes.count,
    bars: [
      ...lifetimes.map((s, i) => bar(s, lifeLanes.lanes[i] ?? 0)),
      ...trouble.map((s, i) => bar(s, troubleLanes.lanes[i] ?? 0)),
    ],
    marks: token.events.map((event) => ({
      kind: event.kind,
      x: xOf(event.time, window),
      time: event.time,
      detail: describeEvent(event, formatTime),
    })),
  };
}

/** `1h 5m`, `4m 10s`, `45s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

const eventWords: Record<TimelineEvent['kind'], string> = {
  refreshed: 'Refreshed',
  failed: 'Refresh failed',
  reused: 'Refresh token reuse detected',
  'needs-sign-in': 'Needs sign-in',
  'signed-in': 'Signed in',
  'may-have-rotated': 'No readable answer: the provider may have rotated the refresh token',
  'clock-skew': 'Clock skew',
};

export function describeEvent(event: TimelineEvent, formatTime: FormatTime): string {
  const parts = [`${eventWords[event.kind]} at ${formatTime(event.time)}`];
  if (event.kind === 'clock-skew' && event.skewMs !== undefined) {
    const direction = event.skewMs > 0 ? 'ahead of' : 'behind';
    parts.push(
      `the token server's clock is ${formatDuration(Math.abs(event.skewMs))} ${direction} this machine's`,
    );
  } else {
    if (event.error) parts.push(event.error);
    if (event.exp !== undefined)
      parts.push(`valid until ${formatTime(event.exp)} (${formatDuration(event.exp - event.time)})`);
    if (event.jtiPrefix) parts.push(`jti ${event.jtiPrefix}…`);
  }
  parts.push(`by pid ${event.pid}${event.host ? ` on ${event.host}` : ''}`);
  return parts.join(' · ');
}

export function describeSpan(span: TimelineSpan, formatTime: FormatTime): string {
  const until = span.open ? 'now' : formatTime(span.to);
  const length = formatDuration(span.to - span.from);
  switch (span.kind) {
    case 'lifetime':
      return `Token ${span.jtiPrefix ? `${span.jtiPrefix}… ` : ''}valid ${formatTime(span.from)} – ${span.open ? 'beyond now' : until} (${length}${span.open ? ' so far' : ''})`;
    case 'backoff':
      return `Backing off after a failed refresh: ${formatTime(span.from)} – ${until} (${length})${span.open ? ', no attempt since' : ''}`;
    case 'signed-out':
      return `Waiting for sign-in: ${formatTime(span.from)} – ${until} (${length})`;
  }
}
