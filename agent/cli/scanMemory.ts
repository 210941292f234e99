// Keeps a scan that finds hundreds of thousands of things in a file within a bounded peak (#13 item
// 8). The live set stays small (one file's matches), but V8 lets the old generation fill with earlier
// files' matches before it collects: four files of 250,000 keys peaked anywhere from 230 to 320 MB
// from one run to the next, and 175 MB when collected after each. So after every so many findings
// the scan asks for a full collection (tens of milliseconds); an ordinary tree never reaches it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Findings between collections: about 10 MB of matches. */
const findingsPerCollection = 100_000;

let collect: (() => void) | null | undefined;

export class MemoryGuard {
  #since = 0;

  /** Counts a file's findings; collects once enough have been made since the last time. */
  fileDone(findings: number): void {
    this.#since += findings;
    if (this.#since < findingsPerCollection) return;
    this.#since = 0;
    collectGarbage();
  }
}

function collectGarbage(): void {
  if (collect === undefined) {
    try {
      // The documented way to reach gc() without restarting node with --expose-gc.
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  collect?.();
}
