// Scans a file too large to hold as one string (V8 caps a string near 512 MB, and a 300 MB log
// should not cost 600 MB of UTF-16 either) in windows read one after another, with the findings
// of the whole file: same lines, columns and values as one scanText over all of it would give.
//
// Each window overlaps the one before by more than any rule reads around a match, and starts at a
// line start where it can. A window reports only the findings that start in its own part (after
// the previous window's boundary, before its own): every one of those has the full context before
// and after it that a whole-file scan would see, and none is reported twice.
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { allRules } from './rules';
import { type Finding, type ScanOptions, scanFindings } from './scanner';

/** Beyond this a file is scanned in windows: large enough that ordinary files take one read. */
export const windowedFromBytes = 64 * 1024 * 1024;

/** What one window found: positions within `text`, lines and columns within the file. */
export interface WindowFindings {
  text: string;
  findings: Finding[];
}

/** Characters on each side of a match that a rule may read: twice the longest span, and at least 64 KB. */
export function windowOverlap(): number {
  return Math.max(65_536, 2 * Math.max(...allRules.map((rule) => rule.maxLength)));
}

/** The windows of a file read for scanning: its whole text at once, or a large file's parts. */
export function windowsOf(
  file: { kind: 'text'; text: string } | { kind: 'large' },
  path: string,
  options: ScanOptions,
): Iterable<{ text: string; findings: Iterable<Finding> }> {
  return file.kind === 'text'
    ? [{ text: file.text, findings: scanFindings(file.text, options) }]
    : scanFileInWindows(path, options);
}

export function* scanFileInWindows(
  path: string,
  options: ScanOptions & { windowBytes?: number } = {},
): Generator<WindowFindings> {
  const overlap = windowOverlap();
  const windowBytes = Math.max(options.windowBytes ?? 32 * 1024 * 1024, 4 * overlap);
  const decoder = new StringDecoder('utf8');
  const buffer = Buffer.allocUnsafe(windowBytes);
  const fd = openSync(path, 'r');
  try {
    // `carry` is the tail of the previous window: it starts at `carryLine`/`carryColumn` of the file.
    let carry = '';
    let carryLine = 0;
    let carryColumn = 0;
    // Findings starting before this offset of `carry` were reported by an earlier window.
    let reportedTo = 0;
    let first = true;
    for (;;) {
      const read = readSync(fd, buffer, 0, windowBytes, null);
      let text = carry + (read > 0 ? decoder.write(buffer.subarray(0, read)) : decoder.end());
      if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
      const last = read === 0;
      const boundary = last ? text.length : Math.max(reportedTo, text.length - overlap);
      const findings: Finding[] = [];
      for (const finding of scanFindings(text, options)) {
        if (finding.start < reportedTo || finding.start >= boundary) continue;
        findings.push(shift(finding, carryLine, carryColumn));
      }
      if (findings.length > 0 || last) yield { text, findings };
      if (last) return;
      // The next window starts `overlap` before the boundary, at a line start when one is near.
      const from = Math.max(0, boundary - overlap);
      const newline = text.lastIndexOf('\n', boundary - 1);
      const start = newline >= from ? newline + 1 : from;
      const { lines, column } = advance(text, start, carryColumn);
      carryLine += lines;
      carryColumn = column;
      reportedTo = boundary - start;
      carry = text.slice(start);
    }
  } finally {
    closeSync(fd);
  }
}

/** Lines and the column at `end` of `text`, whose first line starts at column `column0` + 1. */
function advance(text: string, end: number, column0: number): { lines: number; column: number } {
  let lines = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    lines++;
    lineStart = i + 1;
  }
  return { lines, column: lines === 0 ? column0 + end : end - lineStart };
}

function shift(finding: Finding, lines: number, column: number): Finding {
  if (lines === 0 && column === 0) return finding;
  return {
    ...finding,
    line: finding.line + lines,
    column: finding.line === 1 ? finding.column + column : finding.column,
    endLine: finding.endLine + lines,
    endColumn: finding.endLine === 1 ? finding.endColumn + column : finding.endColumn,
  };
}
