// One JSON line per refresh attempt (and per sign-in) in `audit.jsonl`, so that a user (or a bug
// report) can see which process refreshed which token when, and whether a rotation was reused. It
// records identifiers and outcomes only, never a token value: a guard refuses any field that looks like
// one, because an audit file that leaks the secrets it audits would be worse than none.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { codes, type ErrorCodeString, TokenAgentError } from '../base/errors';
import { ensurePrivateFolder, noFollow, symlinkRefused } from '../base/privateFolder';
import type { AuditOutcome } from '../protocol';

export const auditFileName = 'audit.jsonl';

/**
 * `signed-in`: a sign-in stored a new refresh token (other agents watch the log to pick it up).
 * `may-have-rotated`: a refresh went out and no readable answer came back; the provider may have
 * rotated the refresh token (engine/rotationRisk.ts), and the record's time says when.
 */
export type { AuditOutcome };

export interface AuditEntry {
  /** The token's configured name, not its value. */
  token: string;
  /** The new token's `jti`, when it is a JWT that has one. */
  jti?: string;
  /** The new token's expiry, in Unix seconds as in the `exp` claim. */
  exp?: number;
  outcome: AuditOutcome;
  error?: ErrorCodeString;
  /** ISO 8601: when the request went out that may have rotated the refresh token (`may-have-rotated`). */
  sentAt?: string;
  /** Server clock minus ours, measured at this refresh, when it is large enough to correct (skew.ts). */
  skewMs?: number;
}

export interface AuditRecord extends AuditEntry {
  /** ISO 8601. */
  time: string;
  pid: number;
  host: string;
}

export interface AuditOptions {
  now?: () => number;
  pid?: number;
  host?: string;
}

/** Every outcome a record may carry; a line with another is not a record of ours. */
export const auditOutcomes: ReadonlySet<string> = new Set<AuditOutcome>([
  'refreshed',
  'failed',
  'reused',
  'needs-sign-in',
  'signed-in',
  'may-have-rotated',
]);
const maxFieldLength = 200;
// A base64url segment starting with `eyJ` (base64 of `{"`), a dot and another segment: the head of a
// JWS or JWE, wherever it sits in the value.
const jwtShape = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;

/** Appends one line and returns what was written. Throws a TypeError, writing nothing, for a bad entry. */
export async function appendAudit(
  dataDir: string,
  entry: AuditEntry,
  options: AuditOptions = {},
): Promise<AuditRecord> {
  const { now = Date.now, pid = process.pid, host = hostname() } = options;
  // Fields are copied one by one in a fixed order, so that nothing unexpected rides along on `entry`.
  const record: AuditRecord = {
    time: new Date(now()).toISOString(),
    token: entry.token,
    ...(entry.jti === undefined ? {} : { jti: entry.jti }),
    ...(entry.exp === undefined ? {} : { exp: entry.exp }),
    outcome: entry.outcome,
    ...(entry.error === undefined ? {} : { error: entry.error }),
    ...(entry.sentAt === undefined ? {} : { sentAt: entry.sentAt }),
    ...(entry.skewMs === undefined ? {} : { skewMs: entry.skewMs }),
    pid,
    host,
  };
  checkRecord(record);

  await ensurePrivateFolder(dataDir);
  const path = join(dataDir, auditFileName);
  // O_APPEND with one write per line: lines from concurrent agents do not interleave on a local disk.
  // O_NOFOLLOW: a symlink planted as audit.jsonl must not make the agent append to (and chmod) a file
  // elsewhere. Read access is for the last byte only.
  const { O_RDWR, O_APPEND, O_CREAT } = constants;
  const handle = await open(path, O_RDWR | O_APPEND | O_CREAT | noFollow, 0o600).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ELOOP') throw symlinkRefused(path);
      throw error;
    },
  );
  try {
    const stats = await handle.stat();
    const uid = process.getuid?.();
    if (!stats.isFile() || (uid !== undefined && stats.uid !== uid))
      throw new TokenAgentError(
        codes.unsafePath,
        `${path} is not a file of your own; the audit log is not written to it. Remove it.`,
      );
    // The mode only applies on creation; a file someone widened is narrowed back.
    if (process.platform !== 'win32' && (stats.mode & 0o077) !== 0) await handle.chmod(0o600);
    // A last line left without its newline (a crash mid-write, garbage) would swallow this record.
    let lead = '';
    if (stats.size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, stats.size - 1);
      if (last[0] !== 0x0a) lead = '\n';
    }
    await handle.write(`${lead}${JSON.stringify(record)}\n`);
  } finally {
    await handle.close();
  }
  return record;
}

/**
 * The log's records, oldest first. Lines that are not a record (a torn write, garbage, another
 * program's text) are skipped and counted, never fatal: one bad line must not hide the rest.
 */
export async function readAudit(dataDir: string): Promise<{ records: AuditRecord[]; skipped: number }> {
  const path = join(dataDir, auditFileName);
  let text: string;
  try {
    const handle = await open(path, constants.O_RDONLY | noFollow);
    try {
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], skipped: 0 };
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw symlinkRefused(path);
    throw error;
  }
  return parseAudit(text);
}

/** Pure: the records in a log's text, and how many non-empty lines were not records. */
export function parseAudit(text: string): { records: AuditRecord[]; skipped: number } {
  const records: AuditRecord[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const record = auditRecordOf(line);
    if (record) records.push(record);
    else skipped++;
  }
  return { records, skipped };
}

/** One log line as a record, or undefined when it is not one (torn, foreign, an unknown outcome). */
export function auditRecordOf(line: string): AuditRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const record = value as Partial<AuditRecord> | null;
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
  if (typeof record.time !== 'string' || typeof record.token !== 'string') return undefined;
  if (typeof record.outcome !== 'string' || !auditOutcomes.has(record.outcome)) return undefined;
  return record as AuditRecord;
}

function checkRecord(record: AuditRecord): void {
  if (typeof record.token !== 'string' || record.token.length === 0) {
    throw new TypeError('audit entry needs a token name');
  }
  if (!auditOutcomes.has(record.outcome)) throw new TypeError('audit entry has an unknown outcome');
  if (record.exp !== undefined && !Number.isSafeInteger(record.exp)) {
    throw new TypeError('audit entry exp must be an integer (Unix seconds)');
  }
  if (record.skewMs !== undefined && !Number.isSafeInteger(record.skewMs)) {
    throw new TypeError('audit entry skewMs must be an integer (milliseconds)');
  }
  if (record.error !== undefined && !/^ERR_[A-Z0-9_]+$/.test(record.error)) {
    throw new TypeError('audit entry error must be an error code such as ERR_REFRESH_FAILED');
  }
  if (!Number.isSafeInteger(record.pid)) throw new TypeError('audit entry pid must be an integer');
  for (const [field, value] of Object.entries(record)) {
    if (typeof value !== 'string') continue;
    // The message names the field and its length, never its content.
    if (value.length > maxFieldLength) {
      throw new TypeError(
        `audit field "${field}" is ${value.length} characters, over ${maxFieldLength}: refusing what may be a token`,
      );
    }
    if (jwtShape.test(value)) {
      throw new TypeError(`audit field "${field}" looks like a JWT: refusing to write a token value`);
    }
  }
}
