// The agent's ownership of its config file, the one source of truth for token definitions: the editor
// and the terminal define and remove tokens by asking the agent, and the agent edits the file. People
// may still edit it by hand at any time, so every edit starts from what is on disk now, and the file is
// watched so that a hand edit reaches the running agent without a restart.
//
// Edits run one at a time (a promise queue), and so do the re-reads of the watcher: a re-read can then
// never see a write of ours before we know its digest, and mistake it for someone else's edit.
import { resolve } from 'node:path';
import { codes, TokenAgentError } from '../base/errors';
import type { LogLevel } from '../base/log';
import { redactTokensInText } from '../base/redact';
import {
  type ConfigEntry,
  type DefineVerdict,
  type ImportOutcome,
  listEntries,
  planDefine,
  planImport,
  planRemove,
} from './configEdits';
import {
  assertEditableTarget,
  type ConfigSnapshot,
  currentDigest,
  formatConfig,
  readConfigSnapshot,
  snapshotOfText,
  writeConfigAtomically,
} from './configIo';
import { watchFileInFolder } from './configWatch';
import type { ConfigResult, Problem, TokenDefinition } from './types';

export type { ConfigEntry, DefineVerdict, ImportOutcome } from './configEdits';

export interface ConfigOwnerOptions {
  path: string;
  /**
   * Called with the whole validated config when it changed other than by this owner's own edits: a hand
   * edit seen by the watcher, or one that a define, remove or import found on disk and kept.
   * The caller reconciles its tokens with it; it is never called for formatting-only changes.
   */
  onChange?: (result: ConfigResult) => void;
  log?: (level: LogLevel, message: string) => void;
  /** How long the watcher lets a burst of file events settle before re-reading. */
  debounceMs?: number;
}

/** What `token list` and the editor show: the valid definitions and every entry, broken ones too. */
export interface ConfigListing {
  configPath: string;
  tokens: TokenDefinition[];
  /** Every problem, file-level ones (without `index`) and entries' ones (with it). */
  problems: Problem[];
  entries: ConfigEntry[];
}

/**
 * The listing in the shape the user agent answers with (protocol.ts `DefinitionList`): one view per
 * entry, broken ones with their problems, and the file's own problems, all as sentences.
 */
export function toDefinitionList(listing: ConfigListing): {
  configPath: string;
  tokens: { name: string; entry: Record<string, unknown>; problems?: string[] }[];
  problems: string[];
} {
  return {
    configPath: listing.configPath,
    tokens: listing.entries.map((entry) => ({
      name: entry.name ?? `tokens[${entry.index}]`,
      entry: isRecord(entry.entry) ? entry.entry : {},
      ...(!entry.valid && { problems: entry.problems.map((problem) => problem.message) }),
    })),
    problems: listing.problems
      .filter((problem) => problem.index === undefined)
      .map((problem) => problem.message),
  };
}

type Edit<T> = (raw: Record<string, unknown>) => { value: T; next?: Record<string, unknown> | undefined };

// A file that changes under every attempt is being rewritten in a loop by something else; give up.
const maxEditAttempts = 3;

export class ConfigOwner {
  readonly path: string;
  readonly #onChange: ((result: ConfigResult) => void) | undefined;
  readonly #log: (level: LogLevel, message: string) => void;
  readonly #debounceMs: number | undefined;
  #known: ConfigSnapshot | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ConfigOwnerOptions) {
    this.path = resolve(options.path);
    this.#onChange = options.onChange;
    this.#log = options.log ?? (() => {});
    this.#debounceMs = options.debounceMs;
  }

  /** Reads the file: a missing one is an empty config; an unreadable or invalid one is a problem. */
  load(): Promise<ConfigResult> {
    return this.#serialize(async () => {
      this.#known = await readConfigSnapshot(this.path);
      return this.#known.result;
    });
  }

  /** The file's parsed JSON as last read or written, unknown fields included. */
  get raw(): Readonly<Record<string, unknown>> | undefined {
    return this.#known?.raw;
  }

  /**
   * The validated config as last read or written. The watcher keeps it current; it is empty until
   * `load()` has run.
   */
  current(): ConfigResult {
    return this.#known?.result ?? snapshotOfText(undefined).result;
  }

  /** The definitions and every entry, broken ones too, as last read or written (see `current()`). */
  list(): ConfigListing {
    const known = this.#known ?? snapshotOfText(undefined);
    return {
      configPath: this.path,
      tokens: known.result.config.tokens,
      problems: known.result.problems,
      entries: listEntries(known.raw, known.result),
    };
  }

  /**
   * Adds a token definition, or replaces the entry with its name. An entry with an error is refused and
   * the file is left untouched. Throws ERR_CONFIG_INVALID when the file itself cannot be edited.
   */
  define(entry: Record<string, unknown>): Promise<DefineVerdict> {
    // What is judged is exactly what will be written: JSON, without undefined members or class instances.
    const plain = JSON.parse(JSON.stringify(entry)) as Record<string, unknown>;
    return this.#edit(
      (raw) => {
        const { verdict, next } = planDefine(raw, plain);
        return { value: verdict, next };
      },
      (verdict) =>
        verdict.ok
          ? `${verdict.replaced ? 'replaced' : 'added'} token '${verdict.definition.name}' in ${this.path}`
          : undefined,
    );
  }

  /** Removes every entry with that name, broken ones too. */
  remove(name: string): Promise<{ removed: boolean }> {
    return this.#edit(
      (raw) => {
        const { removed, next } = planRemove(raw, name);
        return { value: { removed }, next };
      },
      ({ removed }) => (removed ? `removed token '${name}' from ${this.path}` : undefined),
    );
  }

  /** Moves old `tokenAgent.tokens` settings entries into the file, in one write; the file's names win. */
  importDefinitions(entries: readonly unknown[]): Promise<ImportOutcome> {
    return this.#edit(
      (raw) => {
        const { next, ...outcome } = planImport(raw, entries);
        return { value: outcome, next };
      },
      ({ imported }) =>
        imported.length > 0
          ? `imported ${imported.length} token(s) from settings into ${this.path}`
          : undefined,
    );
  }

  /** Watches the file for edits by hand and reports them through onChange. Returns the disposer. */
  watch(): () => void {
    let disposed = false;
    const stop = watchFileInFolder({
      path: this.path,
      log: this.#log,
      ...(this.#debounceMs !== undefined && { debounceMs: this.#debounceMs }),
      onSettled: () => {
        this.#serialize(async () => {
          if (disposed) return;
          const seen = await readConfigSnapshot(this.path);
          if (!this.#settle(seen))
            this.#log('debug', `re-read ${this.path} after a change on disk: no change in what it defines`);
        }).catch((error: unknown) =>
          this.#log('warn', `cannot re-read ${this.path}: ${redactTokensInText(String(error))}`),
        );
      },
    });
    return () => {
      disposed = true;
      stop();
    };
  }

  // Applies an edit to the newest content on disk and writes it, unless the file changed between our
  // reading and our rename; then the edit is applied again to what is there now.
  #edit<T>(edit: Edit<T>, describe: (value: T) => string | undefined): Promise<T> {
    return this.#serialize(async () => {
      for (let attempt = 1; ; attempt++) {
        await assertEditableTarget(this.path);
        const base = await readConfigSnapshot(this.path);
        if (base.raw === undefined || base.notEditable !== undefined) {
          this.#settle(base);
          throw new TokenAgentError(
            codes.configInvalid,
            `Cannot edit ${this.path}: ${base.notEditable ?? 'it is not a JSON object'}. Fix it by hand first.`,
          );
        }
        const { value, next } = edit(base.raw);
        if (next === undefined) {
          this.#settle(base);
          return value;
        }
        const text = formatConfig(next);
        const written = await writeConfigAtomically(
          this.path,
          text,
          async () => (await currentDigest(this.path)) === base.digest,
        );
        if (!written) {
          this.#log('debug', `${this.path} changed while the agent was editing it; applying the edit again`);
          if (attempt < maxEditAttempts) continue;
          throw new TokenAgentError(
            codes.configInvalid,
            `Cannot edit ${this.path}: it keeps changing while the agent writes it. Try again.`,
          );
        }
        this.#settle(base, snapshotOfText(text));
        const message = describe(value);
        if (message !== undefined) this.#log('info', message);
        return value;
      }
    });
  }

  // Records what is now on disk. `seen` is what was read; `final` is what is there after our own write,
  // if we wrote. Calls onChange when what was read differs, in what it defines, from what we knew: that
  // difference is someone else's edit, which the caller has not heard of. Returns whether it did.
  #settle(seen: ConfigSnapshot, final: ConfigSnapshot = seen): boolean {
    const before = this.#known;
    this.#known = final;
    if (before === undefined) return false;
    if (seen.digest !== undefined && seen.digest === before.digest) return false;
    if (JSON.stringify(seen.result) === JSON.stringify(before.result)) return false;
    this.#log('info', `${this.path} was changed outside the agent; using its new content`);
    try {
      this.#onChange?.(final.result);
    } catch (error) {
      this.#log('error', `the config change handler failed: ${redactTokensInText(String(error))}`);
    }
    return true;
  }

  #serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    // A failed task must not stop the ones queued after it.
    this.#queue = run.catch(() => {});
    return run;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
