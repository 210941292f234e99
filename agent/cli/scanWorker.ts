// A `token-agent scan` worker thread (dist/scan-worker.js): reads the files the main thread names,
// scans them and posts their findings back (#13 item 7). The main thread walks the tree and writes
// the report in walk order; workers only read and scan, which is where the time goes.
//
// Flow control: a worker may have `credits` findings posted and not yet acknowledged; the main
// thread acknowledges them once written. A file of a million keys therefore streams through a few
// batches at a time instead of piling up in the main thread's reorder buffer.
import { parentPort, workerData } from 'node:worker_threads';
import { describeIoError, readScannable } from '../lint/fileWalk';
import { windowedFromBytes, windowsOf } from '../lint/largeFile';
import type { Finding } from '../lint/scanner';
import { MemoryGuard } from './scanMemory';
import type { FileOutcome, ToMain, ToWorker, WorkerSettings } from './scanWorkerProtocol';

const port = parentPort;
if (!port) throw new Error('scanWorker.ts runs as a worker thread');
const settings = workerData as WorkerSettings;
const memory = new MemoryGuard();
const tasks: { index: number; path: string }[] = [];
let credits = settings.credits;
let wake: (() => void) | undefined;
/** Results not yet posted: sent together, at most `outboxSize` at a time (see ToWorker). */
let outbox: ToMain[] = [];
const outboxSize = 128;

port.on('message', (message: ToWorker) => {
  if (message.t === 'ack') credits += message.findings;
  else tasks.push(...message.files);
  const resume = wake;
  wake = undefined;
  resume?.();
});

function nextMessage(): Promise<void> {
  flush();
  return new Promise((resolve) => {
    wake = resolve;
  });
}

function flush(): void {
  if (outbox.length === 0) return;
  port?.postMessage(outbox);
  outbox = [];
}

/** Queues a message, first waiting until the main thread has room for its findings. */
async function post(message: ToMain): Promise<void> {
  const needs = message.findings.length;
  while (needs > 0 && credits < needs) await nextMessage();
  credits -= needs;
  if (outbox.push(message) >= outboxSize) flush();
}

async function scanOne(index: number, path: string): Promise<void> {
  const file = readScannable(path, settings.maxFileBytes, undefined, windowedFromBytes);
  if (file.kind !== 'text' && file.kind !== 'large') {
    const outcome: FileOutcome =
      file.kind === 'error' ? { kind: 'error', message: describeIoError(file.error) } : file;
    await post({ t: 'done', index, outcome, findings: [] });
    return;
  }
  let text = '';
  const valuesOf = (findings: Finding[]) =>
    settings.values ? findings.map((f) => text.slice(f.start, f.end)) : undefined;
  let batch: Finding[] = [];
  let found = 0;
  const options = settings.now === undefined ? { path } : { path, now: settings.now };
  // A file past windowedFromBytes is read and scanned a window at a time, never held whole.
  for (const window of windowsOf(file, path, options)) {
    if (batch.length > 0) {
      await post({ t: 'batch', index, findings: batch, values: valuesOf(batch) });
      batch = [];
    }
    text = window.text;
    for (const finding of window.findings) {
      found++;
      if (batch.push(finding) < settings.batch) continue;
      await post({ t: 'batch', index, findings: batch, values: valuesOf(batch) });
      batch = [];
      // Within the file too: two workers each in a file of 250,000 keys peaked at 340 MB otherwise.
      memory.fileDone(found);
      found = 0;
    }
  }
  const outcome: FileOutcome = { kind: 'text', bytes: file.bytes };
  await post({ t: 'done', index, outcome, findings: batch, values: valuesOf(batch) });
  memory.fileDone(found);
}

async function serve(): Promise<void> {
  for (;;) {
    const task = tasks.shift();
    if (task === undefined) await nextMessage();
    else {
      await scanOne(task.index, task.path);
      // The main thread sends more files once it hears this worker runs low: tell it now, not 128
      // files later.
      if (tasks.length <= settings.lowWater) flush();
    }
  }
}

// An exception here ends the thread with an 'error' event in the main thread, which fails the scan.
serve().catch((error: unknown) => {
  throw error;
});
