// Spreads a directory scan's files over worker threads (#13 item 7: a whole scan on two cores) and
// hands their results back in walk order, so the report is the same, byte for byte, as one thread's.
//
// The main thread walks and dispatches; each worker reads and scans the files it is given, in the
// order given. Results wait in a reorder buffer until every earlier file is written. Memory stays
// bounded: at most `windowFiles` files are walked and unwritten, and a worker stops once
// `creditsPerWorker` of its findings wait unwritten (see scanWorker.ts). That cannot deadlock: files
// go out in index order and each worker works in index order, so the file being written is always
// its worker's current or next task.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { WalkedFile } from '../lint/fileWalk';
import type { Finding } from '../lint/scanner';
import type { FileOutcome, ToMain, ToWorker, WorkerSettings } from './scanWorkerProtocol';

export interface PoolOptions {
  threads: number;
  /** The worker's script: dist/scan-worker.js, or scanWorker.ts under tsx (tests). */
  workerFile: string;
  settings: Omit<WorkerSettings, 'batch' | 'credits' | 'lowWater'> & { batch: number };
}

export type PoolEvent =
  | { type: 'batch'; path: string; findings: Finding[]; values: string[] | undefined }
  | {
      type: 'done';
      path: string;
      outcome: FileOutcome;
      findings: Finding[];
      values: string[] | undefined;
    };

/** A worker died or failed: the scan cannot say what the files it held contain. */
export class ScanWorkerError extends Error {
  readonly code = 'ERR_SCAN_WORKER';
}

/**
 * Files a worker holds (sent, not yet reported done): enough that it never waits for the next ones,
 * few enough that a worker slowed by a large file does not sit on files the others could take.
 * More are sent once it reports holding `lowWater` or fewer (scanWorker.ts reports then).
 */
const holdPerWorker = 64;
const lowWater = 32;
/**
 * Files walked and not yet written: the reorder buffer's bound. Each is a path and, once done, a small
 * message (findings wait on credits instead), so it can be wide: a worker that got ahead keeps going
 * while the file at the head of the order is a large one in another worker.
 */
const windowFiles = 8192;
/** Findings a worker may have waiting in the main thread: a few batches' worth. */
const creditsPerWorker = 4096;

interface Slot {
  worker: Worker;
  /** Files sent and not yet reported done. */
  held: number;
}

interface Pending {
  path: string;
  slot: Slot | undefined;
  events: ToMain[];
}

export class ScanPool {
  readonly #slots: Slot[];
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #fatal: ScanWorkerError | undefined;
  #closing = false;
  #wake: (() => void) | undefined;
  /** Sends files to workers that run low; set while a scan runs. */
  #pump: (() => void) | undefined;

  constructor(options: PoolOptions) {
    const workerData: WorkerSettings = { ...options.settings, credits: creditsPerWorker, lowWater };
    this.#slots = [];
    for (let i = 0; i < options.threads; i++) {
      const worker = startWorker(options.workerFile, {
        workerData,
        // A smaller young generation than the default: with two workers each in a file of 250,000
        // keys the process peaked at 340 MB, 270 MB with this (#13 item 8 sets 300 MB).
        resourceLimits: { maxYoungGenerationSizeMb: 8 },
      });
      const slot: Slot = { worker, held: 0 };
      worker.on('message', (messages: ToMain[]) => {
        for (const message of messages) {
          this.#pending.get(message.index)?.events.push(message);
          if (message.t === 'done') slot.held--;
        }
        this.#pump?.();
        this.#notify();
      });
      worker.on('error', (error: Error) => this.#fail(`a scan worker failed: ${error.message}`));
      worker.on('exit', (code) => {
        if (!this.#closing) this.#fail(`a scan worker stopped unexpectedly (exit code ${code})`);
      });
      this.#slots.push(slot);
    }
  }

  /**
   * Scans the files `walk` yields, dispatching as the walk goes; yields each file's batches and then
   * its end, in walk order. A batch is acknowledged when the caller asks for the next event, so a
   * caller that awaits its output's drain holds the workers back. Throws ScanWorkerError.
   *
   * Files go out in walk order, a few at a time, to whichever worker runs low: the file at the head
   * of the order is always with a worker, and no worker waits while files are left. (Dealing each
   * worker hundreds of files up front, as before, left one idle a third of the time behind the
   * other's large files.)
   */
  async *scan(walk: Iterator<WalkedFile>): AsyncGenerator<PoolEvent> {
    let head = this.#next;
    let walked = false;
    const queue: { index: number; path: string }[] = [];
    let queued = 0;
    this.#pump = () => {
      while (!walked && this.#next - head < windowFiles && queue.length - queued < holdPerWorker * 2) {
        const step = walk.next();
        if (step.done) walked = true;
        else {
          const index = this.#next++;
          this.#pending.set(index, { path: step.value.path, slot: undefined, events: [] });
          queue.push({ index, path: step.value.path });
        }
      }
      for (const slot of this.#slots) {
        if (slot.held > lowWater || queued === queue.length) continue;
        const files = queue.slice(queued, queued + holdPerWorker - slot.held);
        queued += files.length;
        for (const file of files) (this.#pending.get(file.index) as Pending).slot = slot;
        slot.held += files.length;
        this.#post(slot, { t: 'scan', files });
      }
      // Drop what was sent, now and then rather than shifting the array each time.
      if (queued > 1024) {
        queue.splice(0, queued);
        queued = 0;
      }
    };
    try {
      this.#pump();
      while (head < this.#next) {
        if (this.#fatal) throw this.#fatal;
        const pending = this.#pending.get(head) as Pending;
        const event = pending.events.shift();
        if (event === undefined) {
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
          continue;
        }
        const { findings, values } = event;
        if (event.t === 'batch') yield { type: 'batch', path: pending.path, findings, values };
        else {
          this.#pending.delete(head);
          head++;
          this.#pump();
          yield { type: 'done', path: pending.path, outcome: event.outcome, findings, values };
        }
        // Written (the caller asked for the next event): the worker may send as many again.
        if (findings.length > 0) this.#post(pending.slot as Slot, { t: 'ack', findings: findings.length });
      }
    } finally {
      this.#pump = undefined;
    }
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
  }

  #post(slot: Slot, message: ToWorker): void {
    slot.worker.postMessage(message);
  }

  #fail(message: string): void {
    this.#fatal ??= new ScanWorkerError(message);
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/**
 * A worker from its script. Under tsx (tests run the sources) a TypeScript worker is loaded through
 * tsx's require hook, which a worker thread does not inherit; the bundle always names a .js file.
 */
function startWorker(file: string, options: WorkerOptions): Worker {
  if (!file.endsWith('.ts')) return new Worker(file, options);
  const code = `require('tsx/cjs/api').register(); require(${JSON.stringify(file)});`;
  return new Worker(code, { ...options, eval: true });
}

/**
 * Worker threads for a scan: TOKEN_AGENT_SCAN_THREADS, else one per core from four cores up; 1 or less
 * means none. On two vCPUs one thread was faster (paired whole-process runs of a 200 MB tree: workers
 * 1.09× the wall time and 1.37× the CPU), since one thread's scan already keeps the second core busy
 * with garbage collection and reads, and workers add their start-up and a heap each.
 */
export function scanThreads(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const asked = Number(env.TOKEN_AGENT_SCAN_THREADS);
  if (env.TOKEN_AGENT_SCAN_THREADS !== undefined && Number.isInteger(asked)) return Math.max(0, asked);
  return cores >= 4 ? Math.min(cores, 8) : 1;
}

export interface ScanWorkers {
  /** 0 or 1: every file in the main thread. */
  threads: number;
  /** Text bytes a walk scans in the main thread before it starts the workers. */
  minBytes: number;
  /** The worker's script (tests name another to make one fail). */
  file: string;
}

/**
 * Starting a worker costs ~40 ms of a core (loading the rules); one thread scans ~100 MB/s, so a tree
 * under this many bytes is done before workers would help. Measured: see `npm run bench:scan`.
 */
const workerMinBytes = 8 * 1024 * 1024;

/**
 * The defaults, which TOKEN_AGENT_SCAN_THREADS (a count; 1 forces one thread, for benchmarks) and
 * TOKEN_AGENT_SCAN_WORKER_MIN_BYTES change. The worker is its own bundle beside this one
 * (dist/scan-worker.js), or the TypeScript file when the sources run under tsx.
 */
export function scanWorkers(env: NodeJS.ProcessEnv = process.env): ScanWorkers {
  const minBytes = Number(env.TOKEN_AGENT_SCAN_WORKER_MIN_BYTES);
  return {
    threads: scanThreads(env),
    minBytes: Number.isInteger(minBytes) && minBytes >= 0 ? minBytes : workerMinBytes,
    file: __filename.endsWith('.ts') ? join(__dirname, 'scanWorker.ts') : join(__dirname, 'scan-worker.js'),
  };
}
