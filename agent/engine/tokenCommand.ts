// Runs `command` tokens: a program that prints a token, run without a shell, bounded in time.
import { spawn } from 'node:child_process';
import { codes, TokenAgentError } from '../base/errors';
import { redactOutside } from '../base/redact';
import {
  type CommandOutput,
  CommandOutputError,
  type OutputFields,
  readCommandOutput,
} from './commandOutput';

/** How long a command that ignores SIGTERM at its timeout has before SIGKILL. */
const killGraceMs = 2_000;
const maxOutput = 1024 * 1024;

/**
 * Runs a token command without a shell and reads the token, and its expiry when printed, from its
 * stdout (commandOutput.ts).
 */
export async function runTokenCommand(
  argv: readonly string[],
  timeoutMs: number,
  fields: OutputFields = {},
): Promise<CommandOutput> {
  const [file, ...args] = argv;
  if (!file) throw new TypeError('a token command needs a program');
  const stdout = await new Promise<string>((resolve, reject) => {
    let settled = false;
    let timedOut = false;
    const timers: NodeJS.Timeout[] = [];
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      outcome();
    };
    const fail = (why: string, cause?: unknown) =>
      settle(() =>
        reject(new TokenAgentError(codes.commandFailed, `The token command '${file}' ${why}.`, { cause })),
      );
    // Its own process group, so that the timeout reaches what it started too (a shell's children
    // hold its pipes open after it is gone).
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxOutput) {
        signal('SIGKILL');
        fail('printed more than 1 MB');
        return;
      }
      into.push(chunk);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'ENOENT' ? 'was not found' : `could not start (${error.code ?? error.message})`,
        error,
      ),
    );
    child.once('close', (code, killedBy) => {
      if (timedOut) return fail(`timed out after ${timeoutMs / 1000}s`);
      if (code === 0) return settle(() => resolve(Buffer.concat(out).toString('utf8')));
      const stderr = Buffer.concat(err).toString('utf8');
      fail(
        `failed (${redactOutside(firstLine(stderr) || (killedBy ? `killed by ${killedBy}` : `exit code ${code}`))})`,
      );
    });
    const signal = (name: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, name);
        else child.kill(name);
      } catch {
        // Already gone.
      }
    };
    // SIGTERM at the timeout; a command that ignores it gets SIGKILL shortly after, and the caller
    // is answered even if something outside the group still holds the pipes.
    timers.push(
      setTimeout(() => {
        timedOut = true;
        signal('SIGTERM');
      }, timeoutMs),
      setTimeout(() => signal('SIGKILL'), timeoutMs + killGraceMs),
      setTimeout(() => fail(`timed out after ${timeoutMs / 1000}s`), timeoutMs + killGraceMs + 1_000),
    );
  });
  try {
    return readCommandOutput(stdout, fields);
  } catch (error) {
    if (!(error instanceof CommandOutputError)) throw error;
    throw new CommandOutputError(
      error.field,
      error.problem,
      `The token command '${file}' printed something the agent cannot use: ${error.message}. Run it yourself to see what it prints; "tokenField" and "expiryField" in the definition name other fields.`,
    );
  }
}

/** Not cut here: redactOutside masks, then caps. Cutting first could leave half a token unrecognised. */
function firstLine(text: string): string {
  return text.split('\n', 1)[0]?.trim() ?? '';
}
