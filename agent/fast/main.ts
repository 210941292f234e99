// The `token-agent` binary (dist/agent.js). Scripts call `get` in loops and before every command, and
// git, kubectl and docker run their credential helper for every fetch, call and pull; loading the
// whole CLI (dist/agent-main.js: the engine, the language server, the scanner) costs about as much
// again as starting Node. So this small entry point answers `get`, `git-credential get`,
// `kube-credential NAME` and `docker-credential get` itself when the user agent is running, with one
// exchange on its socket, and hands everything else to the full CLI: any other command or action, no
// agent (the full CLI starts one), an agent of another config file, or any answer it does not
// recognise (fastGet.ts, fastHelpers.ts). What it prints is what the full CLI prints for the same
// answer: both print through the same protocol modules (agent/helpers/*Wire.ts, kubeCredential.ts).
import { join } from 'node:path';
import { checkSocketTrust } from '../base/socketTrust';
import { handStdin } from '../base/stdinHandoff';
import { healthTimeoutMs, tokenRequestMs, watchLiveness } from '../daemon/heartbeat';
import { agentPaths } from '../daemon/paths';
import { ask } from './ask';
import { type FastCommand, parseFastCommand } from './fastArgs';
import { fastOutput, healthy } from './fastGet';
import { type Plan, planDocker, planGit, planKube } from './fastHelpers';

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
  const command = parseFastCommand(argv, process.env);
  if (!command) return { answered: false };
  let paths: ReturnType<typeof agentPaths>;
  try {
    paths = agentPaths({
      platform: process.platform,
      env: process.env,
      ...(command.configFlag ? { configFlag: command.configFlag } : {}),
    });
    // A socket another user could have placed is not asked: the full CLI then says what is wrong.
    checkSocketTrust(paths.socketPath);
  } catch {
    return { answered: false };
  }
  const stdin =
    command.kind === 'git-credential' || command.kind === 'docker-credential' ? await readStdin() : undefined;
  const handOver = { answered: false, ...(stdin !== undefined ? { stdin } : {}) };
  const plan = planOf(command, stdin);
  if ('print' in plan) {
    // Answered without the agent, as the full CLI answers it.
    print(plan.print);
    return { answered: true };
  }
  // The request waits as long as the full CLI's would: a token that is not fresh is refreshed first.
  // While it waits (on a refresh, say), one unanswered /healthz hands over to the full CLI, which
  // checks again and reports a wedged agent with its pid (daemon/start.ts).
  const drop = new AbortController();
  const unwatch = watchLiveness(
    async () => (await ask(paths.socketPath, '/healthz', healthTimeoutMs)) !== undefined,
    () => drop.abort(),
    { misses: 1 },
  );
  const reply = await ask(paths.socketPath, plan.ask, tokenRequestMs, drop.signal);
  unwatch();
  if (!reply) return handOver;
  // The check the full CLI makes before it asks (daemon/start.ts): a socket named by
  // $TOKEN_AGENT_SOCKET may belong to an agent of another config file, and then its answer is not
  // printed. The agent names its config on every answer; one too old to do so is asked /healthz.
  if (reply.configPath === undefined) {
    const health = await ask(paths.socketPath, '/healthz', healthTimeoutMs);
    if (!health || !healthy(health.status, health.text, paths.configPath)) return handOver;
  } else if (reply.configPath !== paths.configPath) return handOver;
  const output = plan.finish(reply.status, reply.text, Math.floor(Date.now() / 1000));
  if (!output) return handOver;
  print(output);
  return { answered: true };
}

function print(output: { stdout: string; stderr: string; exitCode: number }): void {
  process.stdout.write(output.stdout);
  process.stderr.write(output.stderr);
  process.exitCode = output.exitCode;
}

void answer(process.argv.slice(2)).then(
  (outcome) => outcome.answered || runFullCli(outcome.stdin),
  () => runFullCli(undefined),
);
