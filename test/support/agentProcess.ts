// Runs the built `token-agent` CLI asynchronously. Never spawnSync: tests and the demo host the
// token server in the same process, and a blocked event loop would leave the agent unanswered.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
export const agentBundle = join(root, 'dist', 'agent.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  done: Promise<CliResult>;
}

/** Starts `node ARGS` (or `program ARGS`); `input` null keeps stdin open for the caller to write to. */
export function startProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  input: string | null | undefined,
  program: string = process.execPath,
): RunningCli {
  const child = spawn(program, [...args], { cwd: root, env, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  if (input !== null) child.stdin.end(input ?? '');
  const done = new Promise<CliResult>((settle, fail) => {
    child.once('error', fail);
    child.once('close', (code, signal) => settle({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runAgentCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<CliResult> {
  return startProcess([agentBundle, ...args], { ...process.env, ...options.env }, options.input).done;
}
