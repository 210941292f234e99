// The `token-agent` binary (dist/agent.js). Scripts call `get` in loops and before every command, and
// git, kubectl and docker run their credential helper for every fetch, call and pull; loading the
// whole CLI (dist/agent-main.js: the engine, the language server, the scanner) costs about as much
// again as starting Node. So this small entry point answers `get`, `git-credential get`,
// `kube-credential NAME` and `docker-credential get` itself when the user agent is running, with one
// exchange on its socket, and starts the child of `run --env …` (fastRun.ts), and hands everything else to the full CLI: any other command or action, no
// agent (the full CLI starts one), an agent of another config file, or any answer it does not
// recognise (fastGet.ts, fastHelpers.ts). What it prints is what the full CLI prints for the same
// answer: both print through the same protocol modules (agent/helpers/*Wire.ts, kubeCredential.ts).
import { join } from 'node:path';
import { checkSocketTrust } from '../base/socketTrust';
import { handStdin } from '../base/stdinHandoff';

import { type AgentPaths, agentPaths } from '../daemon/paths';
import { askAgent } from './askAgent';
import { type FastCommand, parseFastCommand } from './fastArgs';
import { fastOutput } from './fastGet';
import { type Plan, planDocker, planGit, planKube } from './fastHelpers';
import type * as FastRun from './fastRun';

/** The full CLI, beside this file. Loaded on demand: its top level runs the command in process.argv. */
function runFullCli(stdin: string | undefined): void {
  if (stdin !== undefined) handStdin(stdin);
  require(join(__dirname, 'agent-main.js'));
}

/** All of stdin, decoded as node:stream/consumers' text() decodes it (a leading BOM dropped). */
function readStdin(): Promise<string> {
  return new Promise((settle, fail) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stdin.once('end', () => settle(new TextDecoder().decode(Buffer.concat(chunks))));
    process.stdin.once('error', fail);
  });
}

function planOf(command: FastCommand, stdin: string | undefined): Plan {
  switch (command.kind) {
    case 'get':
      return {
        ask: `/v1/tokens/${encodeURIComponent(command.name)}?min_valid=${command.minValidSeconds}`,
        finish: fastOutput,
      };
    case 'kube-credential':
      return planKube(command.name, command.minValidSeconds, process.env.KUBERNETES_EXEC_INFO);
    case 'git-credential':
      return planGit(stdin ?? '', command.minValidSeconds);
    case 'docker-credential':
      return planDocker(stdin ?? '', command.minValidSeconds);
  }
}

interface Outcome {
  answered: boolean;
  /** Stdin as read, to hand to the full CLI. */
  stdin?: string;
}

/** Prints the answer, or says the full CLI must take over (with the stdin read so far). */
async function answer(argv: readonly string[]): Promise<Outcome> {
  // Required here, not imported: its child_process, stream and os modules would slow every `get`.
  const { fastRun, fastRunCommand } =
    argv[0] === 'run' ? (require('./fastRun') as typeof FastRun) : ({} as Partial<typeof FastRun>);
  const run = fastRunCommand?.(argv, process.env);
  if (run && fastRun) {
    const paths = trustedPaths(run.config);
    // Once the child has started, `run` is this process's to finish: never handed over (which would
    // start the child again).
    return { answered: paths !== undefined && (await fastRun(run, paths)) };
  }
  const command = parseFastCommand(argv, process.env);
  if (!command) return { answered: false };
  const paths = trustedPaths(command.configFlag);
  if (!paths) return { answered: false };
  const stdin =
    command.kind === 'git-credential' || command.kind === 'docker-credential' ? await readStdin() : undefined;
  const handOver = { answered: false, ...(stdin !== undefined ? { stdin } : {}) };
  const plan = planOf(command, stdin);
  if ('print' in plan) {
    // Answered without the agent, as the full CLI answers it.
    print(plan.print);
    return { answered: true };
  }
  const reply = await askAgent(paths, plan.ask);
  if (!reply) return handOver;
  const output = plan.finish(reply.status, reply.text, Math.floor(Date.now() / 1000));
  if (!output) return handOver;
  print(output);
  return { answered: true };
}

/** The agent's paths, unless its socket is one another user could have placed (the full CLI then
 *  says what is wrong) or they cannot be worked out. */
function trustedPaths(configFlag: string | undefined): AgentPaths | undefined {
  try {
    const paths = agentPaths({
      platform: process.platform,
      env: process.env,
      ...(configFlag ? { configFlag } : {}),
    });
    checkSocketTrust(paths.socketPath);
    return paths;
  } catch {
    return undefined;
  }
}

function print(output: { stdout: string; stderr: string; exitCode: number }): void {
  process.stdout.write(output.stdout);
  process.stderr.write(output.stderr);
  process.exitCode = output.exitCode;
}

/** `scan` has a bundle of its own, beside this file: the scanner without the engine. */
function runScan(): void {
  require(join(__dirname, 'agent-scan.js'));
}

if (process.argv[2] === 'scan') runScan();
else
  void answer(process.argv.slice(2)).then(
    (outcome) => outcome.answered || runFullCli(outcome.stdin),
    () => runFullCli(undefined),
  );
