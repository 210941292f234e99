// Tells when a file may have changed, by watching its folder: editors save by writing a new file and
// renaming it over the old one, which a watch on the file itself stops seeing after the first save.
// Events come in bursts (truncate, write, rename), so they are debounced into one call. Idle, it costs
// nothing: fs.watch sleeps on the OS's notifications (inotify, FSEvents, ReadDirectoryChangesW).
import { type FSWatcher, mkdirSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { LogLevel } from '../base/log';

export interface FolderWatchOptions {
  /** The file whose changes matter; events about other files in its folder are dropped. */
  path: string;
  /** Called once a burst of events about the file has been quiet for `debounceMs`. */
  onSettled: () => void;
  debounceMs?: number;
  log?: (level: LogLevel, message: string) => void;
}

/** Starts watching; returns the disposer. A folder that cannot be watched is logged, not thrown. */
export function watchFileInFolder(options: FolderWatchOptions): () => void {
  const { path, onSettled, debounceMs = 100 } = options;
  const name = basename(path);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let watcher: FSWatcher;
  try {
    // The folder is the one the agent writes the config into, created as the first write would create
    // it; watching it from the start means the first hand-written config is seen too.
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Not persistent: watching alone must not keep a process alive that has nothing else to do.
    watcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
      // Some platforms do not say which file changed; then any event might be ours.
      if (closed || (filename !== null && filename.toString() !== name)) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        if (!closed) onSettled();
      }, debounceMs);
      timer.unref();
    });
  } catch (error) {
    options.log?.(
      'warn',
      `cannot watch ${dirname(path)} for changes to the config (${(error as NodeJS.ErrnoException).code ?? 'error'}); edits by hand are seen on the next request`,
    );
    return () => {};
  }
  watcher.on('error', (error: NodeJS.ErrnoException) => {
    options.log?.(
      'warn',
      `stopped watching ${dirname(path)} for changes to the config (${error.code ?? 'error'}); edits by hand are seen on the next request`,
    );
    dispose();
  });
  function dispose(): void {
    closed = true;
    clearTimeout(timer);
    watcher.close();
  }
  return dispose;
}
