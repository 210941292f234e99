// The `token-agent` binary (dist/agent.js). Scripts call `get` in loops and before every command, and
// loading the whole CLI (dist/agent-main.js: the engine, the language server, the scanner) costs about
// as much again as starting Node. So this small entry point answers `get` itself when the user agent is
// running, with one exchange on its socket, and hands everything else to the full CLI: any other
// command, no agent (the full CLI starts one), an agent of another config file, or any answer it does
// not recognise (fastGet.ts). What it prints is what the full CLI prints for the same answer.
import { join } from 'node:path';
import { checkSocketTrust } from '../base/privateFolder';
import { healthTimeoutMs, tokenRequestMs, watchLiveness } from '../daemon/liveness';
import { agentPaths } from '../daemon/paths';
import { ask } from './ask';
import { fastOutput, healthy, parseFastGet } from './fastGet';

/** The full CLI, beside this file. Loaded on demand: its top level runs the command in process.argv. */
function runFullCli(): void {
  require(join(__dirname, 'agent-main.js'));
}

/** Prints the answer and resolves true, or resolves false when the full CLI must take over. */
async function answerGet(argv: readonly string[]): Promise<boolean> {
  const get = parseFastGet(argv, process.env);
  if (!get) return false;
  let paths: ReturnType<typeof agentPaths>;
  try {
    paths = agentPaths({
      platform: process.platform,
      env: process.env,
      ...(get.configFlag ? { configFlag: get.configFlag } : {}),
    });
  } catch {
    return false;
  }
  // Both at once, to wait for the agent once. The health answer is the check the full CLI makes
  // before it asks (daemon/start.ts): a socket named by $TOKEN_AGENT_SOCKET may belong to an agent of
  // another config file, and then its answer is not printed. The token request waits as long as the
  // full CLI's would: a token that is not fresh is refreshed before the answer.
  // A socket another user could have placed is not asked: the full CLI then says what is wrong.
  try {
    checkSocketTrust(paths.socketPath);
  } catch {
    return false;
  }
  const path = `/v1/tokens/${encodeURIComponent(get.name)}?min_valid=${get.minValidSeconds}`;
  const drop = new AbortController();
  const asked = ask(paths.socketPath, path, tokenRequestMs, drop.signal);
  const health = await ask(paths.socketPath, '/healthz', healthTimeoutMs);
  if (!health || !healthy(health.status, health.text, paths.configPath)) {
    drop.abort();
    return false;
  }
  // While the token waits (on a refresh, say), one unanswered /healthz hands over to the full CLI,
  // which checks again and reports a wedged agent with its pid (daemon/start.ts).
  const unwatch = watchLiveness(
    async () => (await ask(paths.socketPath, '/healthz', healthTimeoutMs)) !== undefined,
    () => drop.abort(),
    { misses: 1 },
  );
  const answer = await asked;
  unwatch();
  const output = answer && fastOutput(answer.status, answer.text);
  if (!output) return false;
  process.stdout.write(output.stdout);
  process.stderr.write(output.stderr);
  process.exitCode = output.exitCode;
  return true;
}

void answerGet(process.argv.slice(2)).then(
  (answered) => answered || runFullCli(),
  () => runFullCli(),
);
