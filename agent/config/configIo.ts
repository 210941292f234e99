// Reads and writes the config file for the agent that owns it. Reading never throws: a missing file is
// an empty config and an unreadable one is a problem, as everywhere else in the config. Writing is
// atomic and refuses anything it cannot do safely: the agent never writes through a symbolic link,
// never over something that is not a regular file, and only in a folder that belongs to the user.
import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeAtomically } from '../base/atomicFile';
import { codes, TokenAgentError } from '../base/errors';
import type { ConfigResult } from './types';
import { parseConfig, validateConfig } from './validate';

/** One reading of the config file: its bytes' digest, its parsed JSON and its validation. */
export interface ConfigSnapshot {
  /** SHA-256 of the file's bytes, or undefined when there is no file. */
  digest: string | undefined;
  /** The parsed JSON object, when the file holds one; a missing file counts as `{}`. */
  raw: Record<string, unknown> | undefined;
  result: ConfigResult;
  /** Why the agent must not edit this content (it would lose what the user wrote), when it must not. */
  notEditable?: string;
}

const byteOrderMark = '\uFEFF';

/** Reads the config file, following a symbolic link as every reader of the config does. */
export async function readConfigSnapshot(path: string): Promise<ConfigSnapshot> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return snapshotOfText(undefined);
    const reason = `it cannot be read (${code ?? 'error'})`;
    return {
      digest: undefined,
      raw: undefined,
      result: {
        config: validateConfig({}).config,
        problems: [{ severity: 'error', source: 'file', message: `the config file ${path}: ${reason}` }],
      },
      notEditable: reason,
    };
  }
  return snapshotOfText(bytes.toString('utf8'), digestOf(bytes));
}

/**
 * Judges the text of a config file (undefined: there is none). Exported so that the owner can know
 * what it wrote exactly as a later reading will see it.
 */
export function snapshotOfText(
  text: string | undefined,
  digest = text === undefined ? undefined : digestOf(text),
): ConfigSnapshot {
  if (text === undefined) return { digest: undefined, raw: {}, result: validateConfig({}) };
  // Windows editors like to start UTF-8 files with a byte order mark, which JSON.parse refuses.
  const json = text.startsWith(byteOrderMark) ? text.slice(1) : text;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    // parseConfig turns the same failure into the usual problem, with the place and not the text.
    const result = parseConfig(json);
    return {
      digest,
      raw: undefined,
      result,
      notEditable: result.problems[0]?.message ?? 'it is not valid JSON',
    };
  }
  const result = validateConfig(raw);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { digest, raw: undefined, result, notEditable: 'the config must be a JSON object' };
  const record = raw as Record<string, unknown>;
  if (record.tokens !== undefined && !Array.isArray(record.tokens))
    return { digest, raw: record, result, notEditable: '"tokens" must be an array' };
  return { digest, raw: record, result };
}

export function digestOf(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The digest of the file's current bytes, undefined when it is missing. */
export async function currentDigest(path: string): Promise<string | undefined> {
  try {
    return digestOf(await readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** How the agent formats the file: 2-space JSON and a final newline, as editors write it. */
export function formatConfig(raw: Record<string, unknown>): string {
  return `${JSON.stringify(raw, null, 2)}\n`;
}

/** Throws ERR_CONFIG_INVALID when the config path is a symbolic link or not a regular file. */
export async function assertEditableTarget(path: string): Promise<void> {
  let stats: Awaited<ReturnType<typeof lstat>>;
  try {
    stats = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw refusal(`${path} cannot be examined (${(error as NodeJS.ErrnoException).code ?? 'error'})`, error);
  }
  if (stats.isSymbolicLink())
    throw refusal(
      `${path} is a symbolic link and the agent does not write through links; replace the link with a ` +
        'copy of the file it points to, or edit that file by hand',
    );
  if (!stats.isFile())
    throw refusal(`${path} is not a regular file; move it away or point --config at a file`);
}

/**
 * Writes the config atomically: a new 0600 temp file in the same folder (never an existing file, never
 * through a link), flushed, then renamed over the target. `stillCurrent` runs just before the rename;
 * when it says the file changed meanwhile, nothing is replaced and the result is false, so the caller
 * can apply its edit to the newest content instead of overwriting someone's edit.
 */
export async function writeConfigAtomically(
  path: string,
  text: string,
  stillCurrent: () => Promise<boolean> = async () => true,
): Promise<boolean> {
  const folder = dirname(path);
  await ensureOwnFolder(folder);
  await assertEditableTarget(path);
  return writeAtomically(path, text, async () => {
    // The target is checked again: it may have been swapped for a link while the temp file was written.
    await assertEditableTarget(path);
    return stillCurrent();
  });
}

// Creates the folder (and any missing parent) 0700, and refuses one that belongs to someone else: its
// owner could swap the file between our checks and our rename.
async function ensureOwnFolder(folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw refusal(`the folder ${folder} cannot be created (${code})`, error);
  }
  const stats = await stat(folder);
  if (!stats.isDirectory()) throw refusal(`${folder} is not a folder`);
  const uid = process.getuid?.();
  // Windows has no POSIX owners to compare; there the folder is in the user's profile.
  if (process.platform !== 'win32' && uid !== undefined && stats.uid !== uid)
    throw refusal(
      `the folder ${folder} belongs to another user (uid ${stats.uid}); keep the config in a folder of ` +
        'your own (--config or TOKEN_AGENT_CONFIG)',
    );
}

function refusal(message: string, cause?: unknown): TokenAgentError {
  return new TokenAgentError(
    codes.configInvalid,
    `Cannot write the config: ${message}.`,
    cause === undefined ? undefined : { cause },
  );
}
