// The messages between `token-agent scan`'s main thread and its scan workers (scanPool.ts and
// scanWorker.ts). Types only: the worker bundle must not pull in the main thread's code.
import type { SkipReason } from '../lint/fileWalk';
import type { Finding } from '../lint/scanner';

export interface WorkerSettings {
  maxFileBytes: number;
  /** The clock, for JWT expiry (tests freeze it). */
  now?: number;
  /** Send each finding's value too: the baseline compares them by hash in the main thread. */
  values: boolean;
  /** Findings per batch message. */
  batch: number;
  /** Findings a worker may have posted and not yet seen acknowledged. */
  credits: number;
  /** Holding this many files or fewer, a worker sends what it has, so that more are sent in time. */
  lowWater: number;
}

/** What reading a file gave, apart from its findings. */
export type FileOutcome =
  | { kind: 'text'; bytes: number }
  | { kind: 'keystore'; bytes: number }
  | { kind: 'skipped'; reason: SkipReason; bytes: number }
  /** The error as one line (describeIoError): an Error loses its `code` crossing threads. */
  | { kind: 'error'; message: string };

/** Each crossing costs a wake-up of the other thread, so both sides send several at a time. */
export type ToWorker =
  | { t: 'scan'; files: { index: number; path: string }[] }
  | { t: 'ack'; findings: number };

export type ToMain =
  /** A full batch of a file's findings; more follow. Its findings hold credits until acknowledged. */
  | { t: 'batch'; index: number; findings: Finding[]; values: string[] | undefined }
  /** The file is finished: its last findings (maybe none) and what its read gave. */
  | { t: 'done'; index: number; outcome: FileOutcome; findings: Finding[]; values?: string[] | undefined };
