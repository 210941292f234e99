// The edits the agent makes to its config file, as pure functions from the file's parsed JSON to the
// next one. Every edit keeps the rest of the file as the user wrote it: other entries, unknown fields at
// the top level and in entries, their order. Entries are judged by the rules of validate.ts and nothing
// else, so a definition the agent accepts is one the agent will load.
import type { ConfigResult, Problem, TokenDefinition } from './types';
import { validateTokens } from './validate';

export type DefineVerdict =
  | {
      ok: true;
      definition: TokenDefinition;
      /** True when an entry of the same name (valid or broken) was replaced. */
      replaced: boolean;
      /** Warnings: fields that were ignored, and so were not written to the file. */
      problems: Problem[];
    }
  | { ok: false; problems: Problem[] };

export interface ImportOutcome {
  imported: string[];
  skipped: { name: string; reason: string }[];
}

/** One entry of the file's `tokens` array, as `token list` shows it, broken or not. */
export interface ConfigEntry {
  index: number;
  /** The entry's `name` when it is a string, even one that is not a valid name. */
  name?: string;
  /** The entry's `type` when it is a string, even an unknown one. */
  type?: string;
  /** The entry as written in the file, unknown fields included (the config holds no secrets). */
  entry: unknown;
  /** False when the entry has an error: its token is disabled until the entry is fixed. */
  valid: boolean;
  problems: Problem[];
}

type Raw = Record<string, unknown>;

export function tokenEntries(raw: Raw): unknown[] {
  return Array.isArray(raw.tokens) ? raw.tokens : [];
}

export function entryName(entry: unknown): string | undefined {
  return isRecord(entry) && typeof entry.name === 'string' ? entry.name : undefined;
}

/**
 * Adds the entry, or puts it in the place of the first entry with the same name. The entry is judged in
 * its place in the would-be file, so its problems carry its real index.
 */
export function planDefine(raw: Raw, entry: Raw): { verdict: DefineVerdict; next?: Raw } {
  const entries = [...tokenEntries(raw)];
  const name = entryName(entry);
  const existing = name === undefined ? -1 : entries.findIndex((other) => entryName(other) === name);
  const index = existing === -1 ? entries.length : existing;
  entries[index] = entry;
  const { tokens, problems } = validateTokens(entries, 'file');
  const own = problems.filter((problem) => problem.index === index);
  const definition = tokens.find((token) => token.name === name);
  if (own.some((problem) => problem.severity === 'error') || definition === undefined)
    return { verdict: { ok: false, problems: own } };
  entries[index] = withoutIgnoredFields(entry, own);
  return {
    verdict: { ok: true, definition, replaced: existing !== -1, problems: own },
    next: { ...raw, tokens: entries },
  };
}

/** Drops every entry with that name, broken ones included, so that what does not validate can go too. */
export function planRemove(raw: Raw, name: string): { removed: boolean; next?: Raw } {
  const entries = tokenEntries(raw);
  const kept = entries.filter((entry) => entryName(entry) !== name);
  if (kept.length === entries.length) return { removed: false };
  return { removed: true, next: { ...raw, tokens: kept } };
}

/**
 * Adds the valid entries of an old `tokenAgent.tokens` setting whose names the file does not have yet.
 * A name the file already has stays as the file says: the file has always won over the settings.
 */
export function planImport(raw: Raw, incoming: readonly unknown[]): ImportOutcome & { next?: Raw } {
  const entries = [...tokenEntries(raw)];
  const taken = new Set(entries.map(entryName).filter((name) => name !== undefined));
  const { tokens, problems } = validateTokens(incoming, 'settings');
  const outcome: ImportOutcome = { imported: [], skipped: [] };
  // validateTokens keeps the valid entries in order and reports an error at the index of every other
  // one, so the valid tokens pair up with the entries that have no error.
  let nextValid = 0;
  incoming.forEach((entry, index) => {
    const label = entryName(entry) ?? `settings tokens[${index}]`;
    const own = problems.filter((problem) => problem.index === index);
    const error = own.find((problem) => problem.severity === 'error');
    if (error !== undefined) {
      outcome.skipped.push({ name: label, reason: error.message });
      return;
    }
    const token = tokens[nextValid++];
    if (token === undefined || token.name !== entryName(entry) || !isRecord(entry)) {
      outcome.skipped.push({ name: label, reason: 'the entry could not be matched to its validation' });
      return;
    }
    if (taken.has(token.name)) {
      outcome.skipped.push({
        name: token.name,
        reason: 'the config file already has an entry with this name',
      });
      return;
    }
    taken.add(token.name);
    entries.push(withoutIgnoredFields(entry, own));
    outcome.imported.push(token.name);
  });
  if (outcome.imported.length === 0) return outcome;
  return { ...outcome, next: { ...raw, tokens: entries } };
}

/** Every entry of the file with its problems, in file order. */
export function listEntries(raw: Raw | undefined, result: ConfigResult): ConfigEntry[] {
  if (raw === undefined) return [];
  return tokenEntries(raw).map((entry, index) => {
    const problems = result.problems.filter((problem) => problem.index === index);
    const name = entryName(entry);
    const type = isRecord(entry) && typeof entry.type === 'string' ? entry.type : undefined;
    return {
      index,
      ...(name !== undefined && { name }),
      ...(type !== undefined && { type }),
      entry,
      valid: !problems.some((problem) => problem.severity === 'error'),
      problems,
    };
  });
}

// The validator warns about every field it ignores: unknown ones, ones another type uses, and ones that
// look like secrets. The agent writes only what it uses, so a secret sent along by mistake never lands
// in a file nobody protects. Object.fromEntries defines own properties, so "__proto__" stays a key.
function withoutIgnoredFields(entry: Raw, problems: readonly Problem[]): Raw {
  const ignored = new Set(
    problems.filter((problem) => problem.severity === 'warning').map((problem) => problem.field),
  );
  return Object.fromEntries(Object.entries(entry).filter(([field]) => !ignored.has(field)));
}

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
