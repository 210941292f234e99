// The child of `token-agent run`, from its start to its end: its output through a masker (unless
// --no-mask), SIGINT, SIGTERM and SIGHUP forwarded to it, and `run` ending as it ended. Kept apart
// from runProgram.ts (which reaches the agent through daemon/start.ts) so that the small entry point
// (fast/fastRun.ts) can run a child without loading the full CLI.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { Transform } from 'node:stream';
import type { RunCommand } from '../cli/runArgs';
import { type MaskSet, StreamMasker } from './masker';

export const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** After the child exits, how long its output may take to drain (a grandchild may hold the pipe). */
const drainMs = 2_000;

export type RunOutcome = { code: number } | { signal: NodeJS.Signals };

/** Runs the child to its end, its output through a masker unless `masks` is undefined. */
export function supervise(
  command: RunCommand,
  env: NodeJS.ProcessEnv,
  masks: MaskSet | undefined,
): Promise<RunOutcome> {
  return new Promise((settle) => {
    const child = spawn(command.program, command.args, {
      env,
      stdio: masks ? ['inherit', 'pipe', 'pipe'] : 'inherit',
    });
    const forward = (signal: NodeJS.Signals) => {
      child.kill(signal);
    };
    for (const signal of forwarded) process.on(signal, forward);
    const outputs: Promise<void>[] = [];
    if (masks && child.stdout && child.stderr) {
      outputs.push(
        pipeMasked(child.stdout, process.stdout, masks),
        pipeMasked(child.stderr, process.stderr, masks),
      );
    }
    let settled = false;
    const finish = (outcome: RunOutcome) => {
      if (settled) return;
      settled = true;
      for (const signal of forwarded) process.off(signal, forward);
      settle(outcome);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      process.stderr.write(`token-agent: cannot run '${command.program}': ${error.code ?? error.message}\n`);
      finish({ code: error.code === 'ENOENT' ? 127 : 126 });
    });
    child.once('exit', (code, signal) => {
      const outcome: RunOutcome = signal ? { signal } : { code: code ?? 1 };
      const drained = Promise.all(outputs).then(() => undefined);
      const bound = new Promise<void>((resolve) => setTimeout(resolve, drainMs).unref());
      void Promise.race([drained, bound]).then(() => finish(outcome));
    });
  });
}

/** Pipes `from` through a masker into `to` (never ending `to`); resolves when `from` has ended. */
function pipeMasked(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, masks: MaskSet): Promise<void> {
  const masker = new StreamMasker(masks);
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      done(null, masker.push(chunk));
    },
    flush(done) {
      done(null, masker.end());
    },
  });
  from.pipe(transform).pipe(to, { end: false });
  // Our reader went away (`run … | head`): drop the rest rather than crash, so the child is never
  // left blocked on a full pipe or orphaned.
  to.once('error', () => {
    transform.unpipe();
    transform.resume();
  });
  return new Promise((resolve) => {
    transform.once('end', () => resolve());
    transform.once('error', () => resolve());
  });
}

/** Ends this process as the child ended: its exit code, or the same signal (128 + its number if that
 *  signal does not end us). Called once the folder is gone. */
export function exitLike(outcome: RunOutcome): void {
  if ('code' in outcome) {
    process.exit(outcome.code);
  }
  const number = constants.signals[outcome.signal] ?? 0;
  try {
    process.kill(process.pid, outcome.signal);
  } catch {
    // Fall through to the exit code.
  }
  setTimeout(() => process.exit(128 + number), 100);
}
