// One JSON line per refresh attempt (and per sign-in) in `audit.jsonl`, so that a user (or a bug
// report) can see which process refreshed which token when, and whether a rotation was reused. It
// records identifiers and outcomes only, never a token value: a guard refuses any field that looks like
// one, because an audit file that leaks the secrets it audits would be worse than none.
import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ErrorCodeString } from '../base/errors';
import type { AuditOutcome } from '../protocol';

export const auditFileName = 'audit.jsonl';

/** `signed-in`: a sign-in stored a new refresh token (other agents watch the log to pick it up). */
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

const outcomes: ReadonlySet<string> = new Set<AuditOutcome>([
  'refreshed',
  'failed',
  'reused',
  'needs-sign-in',
  'signed-in',
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
    ...(entry.skewMs === undefined ? {} : { skewMs: entry.skewMs }),
    pid,
    host,
  };
  checkRecord(record);

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, auditFileName);
  // O_APPEND with one write per line: lines from concurrent agents do not interleave on a local disk.
  // O_NOFOLLOW: a symlink planted as audit.jsonl must not make the agent append to (and chmod) a file
  // elsewhere. Read access is for the last byte only.
  const { O_RDWR, O_APPEND, O_CREAT, O_NOFOLLOW } = constants;
  const handle = await open(path, O_RDWR | O_APPEND | O_CREAT | (O_NOFOLLOW ?? 0), 0o600).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ELOOP')
        throw new Error(`${path} is a symlink; the audit log is not written through one. Remove it.`);
      throw error;
    },
  );
  try {
    const stats = await handle.stat();
    const uid = process.getuid?.();
    if (!stats.isFile() || (uid !== undefined && stats.uid !== uid))
      throw new Error(`${path} is not a file of your own; the audit log is not written to it. Remove it.`);
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

function checkRecord(record: AuditRecord): void {
  if (typeof record.token !== 'string' || record.token.length === 0) {
    throw new TypeError('audit entry needs a token name');
  }
  if (!outcomes.has(record.outcome)) throw new TypeError('audit entry has an unknown outcome');
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
