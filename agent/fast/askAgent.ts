// One question to the running agent from the small entry point, with the checks the full CLI makes:
// no answer while the agent stops answering /healthz, and none from an agent of another config file.
import { healthTimeoutMs, tokenRequestMs, watchLiveness } from '../daemon/heartbeat';
import type { AgentPaths } from '../daemon/paths';
import { type Answer, ask } from './ask';
import { healthy } from './fastGet';

/**
 * The agent's answer to one GET, or undefined when the full CLI must ask instead: no answer, or the
 * answer of an agent serving another config file.
 */
export async function askAgent(paths: AgentPaths, path: string): Promise<Answer | undefined> {
  // The request waits as long as the full CLI's would: a token that is not fresh is refreshed first.
  // While it waits (on a refresh, say), one unanswered /healthz hands over to the full CLI, which
  // checks again and reports a wedged agent with its pid (daemon/start.ts).
  const drop = new AbortController();
  const unwatch = watchLiveness(
    async () => (await ask(paths.socketPath, '/healthz', healthTimeoutMs)) !== undefined,
    () => drop.abort(),
    { misses: 1 },
  );
  const reply = await ask(paths.socketPath, path, tokenRequestMs, drop.signal);
  unwatch();
  if (!reply) return undefined;
  // The check the full CLI makes before it asks (daemon/start.ts): a socket named by
  // $TOKEN_AGENT_SOCKET may belong to an agent of another config file, and then its answer is not
  // printed. The agent names its config on every answer; one too old to do so is asked /healthz.
  if (reply.configPath === undefined) {
    const health = await ask(paths.socketPath, '/healthz', healthTimeoutMs);
    if (!health || !healthy(health.status, health.text, paths.configPath)) return undefined;
  } else if (reply.configPath !== paths.configPath) return undefined;
  return reply;
}
