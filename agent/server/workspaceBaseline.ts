// The editor honours the same baseline as `token-agent scan`: `.tokenagent-baseline.json` at the root
// of each workspace folder. Findings it lists are not shown; the file is read again when it changes
// (a `--write-baseline` run, a checkout), watched with fs.watch on the folder itself so that a file
// replaced by rename (what git and the scan's atomic write do) is seen too.
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Baseline, defaultBaselineName } from '../lint/baseline';
import type { Finding } from '../lint/scanner';

/** What the lint asks of a baseline: drop listed findings; `version` changes when a file is re-read. */
export interface FindingFilter {
  readonly version: number;
  filter(path: string | undefined, findings: Finding[], text: string): Finding[];
}

/** The file-system path of a `file:` URI; other schemes (untitled, remote) have no baseline. */
export function filePathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export interface WorkspaceBaselineOptions {
  /** Problems reading a baseline, for the server's log (never values: the file holds none). */
  log(message: string): void;
  /** Called after a baseline was read again, so that open documents are linted again. */
  onChange(): void;
  /** Milliseconds to wait for a burst of file events to settle (default 100). */
  settleMs?: number;
}

export class WorkspaceBaselines implements FindingFilter {
  #version = 0;
  /** Folder path → its baseline, or undefined when it has none (or it cannot be read). */
  readonly #baselines = new Map<string, Baseline | undefined>();
  readonly #watchers = new Map<string, FSWatcher>();
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(readonly options: WorkspaceBaselineOptions) {}

  get version(): number {
    return this.#version;
  }

  /** Reads each folder's baseline and watches it; folders no longer listed are forgotten. */
  setFolders(folders: readonly string[]): void {
    for (const folder of [...this.#baselines.keys()])
      if (!folders.includes(folder)) {
        this.#watchers.get(folder)?.close();
        this.#watchers.delete(folder);
        this.#baselines.delete(folder);
      }
    for (const folder of folders) {
      if (this.#baselines.has(folder)) continue;
      this.#read(folder);
      this.#watch(folder);
    }
    this.#version++;
  }

  filter(path: string | undefined, findings: Finding[], text: string): Finding[] {
    if (path === undefined || findings.length === 0) return findings;
    const found = this.#folderOf(path);
    if (!found) return findings;
    const { baseline, rel } = found;
    return findings.filter(
      (f) => !baseline.mayHold(rel, f.rule) || !baseline.match(rel, f.rule, text.slice(f.start, f.end)),
    );
  }

  dispose(): void {
    for (const watcher of this.#watchers.values()) watcher.close();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#watchers.clear();
    this.#timers.clear();
  }

  /** The innermost folder holding `path` that has a baseline, with the path relative to it. */
  #folderOf(path: string): { baseline: Baseline; rel: string } | undefined {
    let best: { baseline: Baseline; rel: string; depth: number } | undefined;
    for (const [folder, baseline] of this.#baselines) {
      if (!baseline) continue;
      const rel = relative(folder, path);
      if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) continue;
      if (best && best.depth >= folder.length) continue;
      best = { baseline, rel: rel.split(sep).join('/'), depth: folder.length };
    }
    return best;
  }

  #read(folder: string): void {
    const file = join(folder, defaultBaselineName);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.options.log(`token-agent: cannot read ${file}: ${(error as Error).message}`);
      this.#baselines.set(folder, undefined);
      return;
    }
    try {
      this.#baselines.set(folder, Baseline.parse(text));
    } catch (error) {
      this.options.log(
        `token-agent: ${file} is not used: ${(error as Error).message}. Write it again with token-agent scan --write-baseline ${defaultBaselineName}.`,
      );
      this.#baselines.set(folder, undefined);
    }
  }

  #watch(folder: string): void {
    let watcher: FSWatcher;
    try {
      watcher = watch(folder, { persistent: false }, (_event, name) => {
        if (name !== null && name.toString() !== defaultBaselineName) return;
        clearTimeout(this.#timers.get(folder));
        this.#timers.set(
          folder,
          setTimeout(() => {
            this.#timers.delete(folder);
            if (!this.#baselines.has(folder)) return;
            this.#read(folder);
            this.#version++;
            this.options.onChange();
          }, this.options.settleMs ?? 100),
        );
      });
    } catch (error) {
      // A folder that is not on this machine (a remote workspace URI) has nothing to watch.
      this.options.log(
        `token-agent: cannot watch ${folder} for ${defaultBaselineName}: ${(error as Error).message}`,
      );
      return;
    }
    watcher.on('error', () => watcher.close());
    this.#watchers.set(folder, watcher);
  }
}
