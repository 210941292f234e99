// Reads what a token command printed: a bare token (a JWT or an opaque string, as `gcloud auth
// print-access-token` and `gh auth token` print it), or JSON in the shapes real CLIs use: an OAuth
// token response (`access_token`, `expires_in`), `az account get-access-token` (`accessToken`,
// `expiresOn` in local time without a zone, `expires_on` in epoch seconds), a kubectl exec plugin's
// ExecCredential (`status.token`, `status.expirationTimestamp`), and whatever else through the
// definition's `tokenField` / `expiryField` paths. Pure: no I/O, no clock. An error names the field
// and the shape of its value, never the value (it may be the token).
import { codes, TokenAgentError } from '../base/errors';
import { shape } from './tokenResponse';

/** Where the token is looked for when the definition names no `tokenField`, first found wins. */
export const tokenFields = ['access_token', 'accessToken', 'token', 'status.token'] as const;

/**
 * Where the expiry is looked for when the definition names no `expiryField`, first found wins. az
 * prints `expiresOn` (local time, no zone, inherited from ADAL) and since 2.54 also `expires_on`
 * (epoch seconds; Azure/azure-cli#27476): the zone-less one comes last, so the unambiguous one wins
 * whenever both are there (a local time cannot tell the two hours of a daylight-saving fold apart).
 */
export const expiryFields = [
  'expires_in',
  'expiresIn',
  'expires_at',
  'expires_on',
  'expirationTimestamp',
  'status.expirationTimestamp',
  'expiration',
  'expiresOn',
] as const;

/** Fields whose number is a lifetime from now, whatever its size (RFC 6749 §5.1 `expires_in`). */
const relativeFields = new Set(['expires_in', 'expiresIn']);

/**
 * How a bare number in any other field is read. Below 10^9 it is a lifetime in seconds (10^9 epoch
 * seconds is 2001, and no token lives 31 years); up to 10^11 epoch seconds (until the year 5138);
 * from 10^11 epoch milliseconds (10^11 ms is March 1973, so no current date reads as seconds).
 */
export const epochSecondsFrom = 1e9;
export const epochMillisecondsFrom = 1e11;

/** When the printed token expires: a lifetime counted from when the command ran, or a moment. */
export type PrintedExpiry = { inSeconds: number } | { atMs: number };

export interface CommandOutput {
  accessToken: string;
  /** Absent when the output says nothing of an expiry. */
  expiry?: PrintedExpiry;
  /** The field the expiry came from, for messages ("expires_on says it expired at …"). */
  expiryField?: string;
}

/** The definition's paths, dotted (`data.credentials.token`). */
export interface OutputFields {
  tokenField?: string;
  expiryField?: string;
}

/** ERR_COMMAND_FAILED for one field of the output: "expiresOn is a string that is not a date". */
export class CommandOutputError extends TokenAgentError {
  constructor(
    readonly field: string,
    readonly problem: string,
    /** The whole sentence, when a caller says more around the field's problem. */
    message = `${field} ${problem}`,
  ) {
    super(codes.commandFailed, message);
  }
}

/** The token and its expiry from a command's stdout, or a CommandOutputError saying what is wrong. */
export function readCommandOutput(stdout: string, fields: OutputFields = {}): CommandOutput {
  const text = stdout.trim();
  if (text.startsWith('{')) return readJson(parseObject(text), fields);
  if (fields.tokenField !== undefined || fields.expiryField !== undefined) {
    const which = fields.tokenField !== undefined ? 'tokenField' : 'expiryField';
    throw new CommandOutputError('the output', `is not a JSON object, but the definition sets ${which}`);
  }
  if (text === '') throw new CommandOutputError('the output', 'is empty');
  // A token is one word: several lines or words are a message, a prompt or a table, never a token.
  if (/\s/.test(text))
    throw new CommandOutputError('the output', 'is not a single token (it has several words or lines)');
  return { accessToken: text };
}

function parseObject(text: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CommandOutputError(
      'the output',
      `starts like JSON but is not JSON (${text.length} characters)`,
    );
  }
  if (!isRecord(json)) throw new CommandOutputError('the output', `is ${shape(json)}, not a JSON object`);
  return json;
}

function readJson(body: Record<string, unknown>, fields: OutputFields): CommandOutput {
  const tokenAt = fields.tokenField ?? firstPresent(body, tokenFields, isMissing);
  if (tokenAt === undefined)
    throw new CommandOutputError(
      'the output',
      `is JSON without a token (looked for ${tokenFields.join(', ')}); name its field with "tokenField"`,
    );
  const token = valueAt(body, tokenAt);
  if (token === undefined) throw new CommandOutputError(tokenAt, 'is missing');
  if (typeof token !== 'string') throw new CommandOutputError(tokenAt, `is ${shape(token)}, not a string`);
  if (token === '') throw new CommandOutputError(tokenAt, 'is empty');
  if (/\s/.test(token)) throw new CommandOutputError(tokenAt, 'holds whitespace, which no token does');
  const expiryAt = fields.expiryField ?? firstPresent(body, expiryFields, saysNothing);
  if (expiryAt === undefined) return { accessToken: token };
  const value = valueAt(body, expiryAt);
  // A path the definition names must be there (else it is misnamed); null, empty or "N/A" at it, as
  // at a well-known one, is the CLI saying it does not know.
  if (value === undefined) throw new CommandOutputError(expiryAt, 'is missing');
  if (saysNothing(value)) return { accessToken: token };
  return { accessToken: token, expiry: readExpiry(expiryAt, value), expiryField: expiryAt };
}

/** The first of `paths` whose value is not `absent`. */
function firstPresent(
  body: Record<string, unknown>,
  paths: readonly string[],
  absent: (value: unknown) => boolean,
): string | undefined {
  return paths.find((path) => !absent(valueAt(body, path)));
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null;
}

/**
 * An expiry that says nothing: missing, null, empty, or "N/A" (what older az printed as `expiresOn`
 * for a managed identity; Azure/azure-cli#14128). A token field that is empty is an error instead.
 */
function saysNothing(value: unknown): boolean {
  return (
    value === undefined || value === null || (typeof value === 'string' && /^\s*(?:n\/a)?\s*$/i.test(value))
  );
}

/** The value at a dotted path, own properties only (never `__proto__` or an inherited method). */
export function valueAt(body: Record<string, unknown>, path: string): unknown {
  let here: unknown = body;
  for (const key of path.split('.')) {
    if (!isRecord(here) || !Object.hasOwn(here, key)) return undefined;
    here = here[key];
  }
  return here;
}

/** An expiry from a number, a numeric string or a date string; the field named on any problem. */
export function readExpiry(field: string, value: unknown): PrintedExpiry {
  const relative = relativeFields.has(field.split('.').pop() ?? field);
  if (typeof value === 'number') return fromNumber(field, value, relative);
  if (typeof value !== 'string') throw new CommandOutputError(field, `is ${shape(value)}, not a time`);
  const text = value.trim();
  if (/^[-+]?\d+(?:\.\d+)?$/.test(text)) return fromNumber(field, Number(text), relative);
  if (relative) throw new CommandOutputError(field, 'is a string that is not a number of seconds');
  const atMs = parseDate(text);
  if (atMs === undefined)
    throw new CommandOutputError(
      field,
      `is a string that is not a date or a number (${text.length} characters)`,
    );
  return { atMs };
}

function fromNumber(field: string, value: number, relative: boolean): PrintedExpiry {
  if (!Number.isFinite(value)) throw new CommandOutputError(field, 'is not a finite number');
  if (value < 0) throw new CommandOutputError(field, 'is negative');
  if (relative || value < epochSecondsFrom) return { inSeconds: value };
  if (value < epochMillisecondsFrom) return { atMs: Math.round(value * 1000) };
  return { atMs: Math.round(value) };
}

// `2026-12-05 22:10:00.000000` (az), `2026-12-05T22:10:00Z` (RFC 3339), `…+01:00`, `… UTC`.
const isoLike =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Unix ms of a date string, or undefined. Without a zone it is local time: that is what az prints
 * (Azure/azure-cli#19700), on the machine that runs both. With a zone it is that zone.
 * Other shapes with an explicit zone (RFC 2822, as `Date` prints it) go to Date.parse; a zone-less
 * string in any other shape is refused rather than guessed at.
 */
export function parseDate(text: string): number | undefined {
  const match = isoLike.exec(text);
  if (!match) {
    const hasZone = /(?:\b(?:GMT|UTC|Z)\b|[+-]\d{4}\b)/i.test(text);
    const parsed = hasZone ? Date.parse(text) : Number.NaN;
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const parts = [y, mo, d, h, mi, s ?? '0'].map(Number) as [number, number, number, number, number, number];
  const [year, month, day, hour, minute, second] = parts;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return undefined;
  // Microseconds (az) and nanoseconds (Go) are cut to milliseconds.
  const ms = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
  if (zone === undefined) {
    const local = new Date(year, month - 1, day, hour, minute, second, ms);
    return local.getDate() === day ? local.getTime() : undefined;
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (new Date(utc).getUTCDate() !== day) return undefined;
  return utc - zoneOffsetMs(zone);
}

function zoneOffsetMs(zone: string): number {
  const offset = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!offset) return 0; // Z, UTC, GMT
  const [, sign, hours, minutes] = offset;
  const ms = (Number(hours) * 60 + Number(minutes ?? 0)) * 60_000;
  return sign === '-' ? -ms : ms;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
