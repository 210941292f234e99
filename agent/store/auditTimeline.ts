// What the timeline draws, built from the audit log's lines. Pure: the caller reads the file and
// passes the text and the clock. A line that is not an audit record (torn by a crash, edited by hand)
// is skipped and counted, never fatal: one bad line must not hide a day of history.
import type { AuditRow, TimelineEvent, TimelineResult, TimelineSpan, TokenTimeline } from '../protocol';
import { auditRecordOf } from './auditLog';

/** The table shows this many of the newest lines; the raw file stays openable for the rest. */
export const maxRows = 500;

export interface ParsedAudit {
  /** Oldest first, as written. */
  rows: AuditRow[];
  skipped: number;
}

/** Parses JSON lines; `firstLinePartial` drops the first line when the text is a file's tail. */
export function parseAuditLines(text: string, options: { firstLinePartial?: boolean } = {}): ParsedAudit {
  const lines = text.split('\n');
  if (options.firstLinePartial) lines.shift();
  const rows: AuditRow[] = [];
  let skipped = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const row = toRow(line);
    if (row) rows.push(row);
    else skipped++;
  }
  return { rows, skipped };
}

function toRow(line: string): AuditRow | undefined {
  // The log's own reader decides what a record is (auditLog.ts); the timeline adds what it draws by.
  const record = auditRecordOf(line);
  if (!record) return undefined;
  const time = Date.parse(record.time);
  if (!Number.isFinite(time)) return undefined;
  if (record.token === '') return undefined;
  const row: AuditRow = {
    time,
    token: record.token,
    outcome: record.outcome,
    pid: Number.isSafeInteger(record.pid) ? record.pid : 0,
    host: typeof record.host === 'string' ? record.host : '',
  };
  if (typeof record.error === 'string') row.error = record.error;
  // Only a prefix of the JWT id crosses to the editor, as in the status (enough to match a line).
  if (typeof record.jti === 'string') row.jtiPrefix = record.jti.slice(0, 8);
  if (record.exp !== undefined && Number.isSafeInteger(record.exp)) row.exp = record.exp * 1000;
  if (record.skewMs !== undefined && Number.isSafeInteger(record.skewMs) && record.skewMs !== 0)
    row.skewMs = record.skewMs;
  return row;
}

/**
 * Each token's events inside [from, to] and its spans overlapping it, clipped:
 * - a lifetime from each refresh or sign-in that says when its token expires, to that expiry (an
 *   earlier token stays valid after a newer one arrives, so lifetimes may overlap);
 * - a backoff from a failed attempt to the next attempt (or `to`, open, when none came yet);
 * - a wait for sign-in from `needs-sign-in` to the next sign-in or successful refresh.
 */
export function buildTimeline(rows: readonly AuditRow[], from: number, to: number): TokenTimeline[] {
  const byToken = new Map<string, AuditRow[]>();
  for (const row of rows) {
    const list = byToken.get(row.token) ?? [];
    list.push(row);
    byToken.set(row.token, list);
  }
  const tokens: TokenTimeline[] = [];
  for (const [name, list] of byToken) {
    // Several agents append to one file; a line may land a moment out of order.
    const sorted = [...list].sort((a, b) => a.time - b.time);
    const events = sorted.filter((r) => r.time >= from && r.time <= to).flatMap(toEvents);
    const spans = spansOf(sorted, to)
      .filter((span) => span.to >= from && span.from <= to)
      .map((span) => ({ ...span, from: Math.max(span.from, from), to: Math.min(span.to, to) }));
    if (events.length > 0 || spans.length > 0) tokens.push({ name, events, spans });
  }
  return tokens.sort((a, b) => a.name.localeCompare(b.name));
}

function toEvents(row: AuditRow): TimelineEvent[] {
  const { token: _token, outcome, ...rest } = row;
  const event: TimelineEvent = { kind: outcome, ...rest };
  if (row.skewMs === undefined) return [event];
  return [event, { kind: 'clock-skew', time: row.time, skewMs: row.skewMs, pid: row.pid, host: row.host }];
}

function spansOf(sorted: readonly AuditRow[], to: number): TimelineSpan[] {
  const spans: TimelineSpan[] = [];
  // A run of needs-sign-in lines (each retry says so again) is one wait, from the first of them.
  let waitingSince: number | undefined;
  sorted.forEach((row, index) => {
    const succeeded = row.outcome === 'refreshed' || row.outcome === 'signed-in';
    if (succeeded && row.exp !== undefined && row.exp > row.time) {
      spans.push({
        kind: 'lifetime',
        from: row.time,
        to: row.exp,
        ...(row.exp > to ? { open: true } : {}),
        ...(row.jtiPrefix ? { jtiPrefix: row.jtiPrefix } : {}),
      });
    }
    if (succeeded && waitingSince !== undefined) {
      spans.push({ kind: 'signed-out', from: waitingSince, to: row.time });
      waitingSince = undefined;
    }
    // A refresh that may have cost the refresh token asks for a sign-in from then on, as needs-sign-in does.
    if (row.outcome === 'needs-sign-in' || row.outcome === 'may-have-rotated') waitingSince ??= row.time;
    if (row.outcome === 'failed') {
      // Any later line of this token is the next attempt (or a sign-in that ended the wait).
      const next = sorted[index + 1];
      spans.push({ kind: 'backoff', from: row.time, ...(next ? { to: next.time } : { to, open: true }) });
    }
  });
  if (waitingSince !== undefined) spans.push({ kind: 'signed-out', from: waitingSince, to, open: true });
  return spans.sort((a, b) => a.from - b.from);
}

export interface TimelineInput {
  text: string;
  stamp: string;
  auditLogPath: string;
  truncated: boolean;
  now: number;
  hours: number;
}

/** The whole answer of `tokenAgent/timeline` from the log's text. */
export function timelineFrom(input: TimelineInput): Extract<TimelineResult, { stamp: string; from: number }> {
  const { rows, skipped } = parseAuditLines(input.text, { firstLinePartial: input.truncated });
  const from = input.now - input.hours * 3_600_000;
  return {
    stamp: input.stamp,
    auditLogPath: input.auditLogPath,
    from,
    to: input.now,
    tokens: buildTimeline(rows, from, input.now),
    // Newest first by time, not by file position: agents on several machines' clocks append out of order.
    rows: rows
      .map((row, index) => ({ row, index }))
      .sort((a, b) => b.row.time - a.row.time || b.index - a.index)
      .slice(0, maxRows)
      .map(({ row }) => row),
    skipped,
    ...(input.truncated ? { truncated: true } : {}),
  };
}
