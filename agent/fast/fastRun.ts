// `token-agent run --env VAR=NAME… -- PROGRAM` answered by the small entry point (fast/main.ts): the
// tokens asked of the running agent, one exchange each, and the child started at once, without the
// full CLI's load (measured by `npm run bench:tokens`: that load was most of what `run` added before
// its child started). Only the case it can finish exactly as the full CLI does: --env bindings alone
// (a --file token is kept fresh by a feed that follows the agent's events: the full CLI's), each token
// answered fresh for --min-valid. Anything else — a usage error, --help, an error or a short-lived
// token (the full CLI words those), no agent — is handed over before anything is printed or started.
import { constants } from 'node:os';
import { parseRunArgs, type RunCommand } from '../cli/runArgs';
import type { AgentPaths } from '../daemon/paths';
import { childEnv } from '../run/childEnv';
import { MaskSet } from '../run/masker';
import { exitLike, forwarded, supervise } from '../run/supervise';
import { askAgent } from './askAgent';

/** The `run` command the small entry point may take, or undefined. */
export function fastRunCommand(argv: readonly string[], env: NodeJS.ProcessEnv): RunCommand | undefined {
  if (argv[0] !== 'run' || env.TOKEN_AGENT_NO_AGENT === '1') return undefined;
  const command = parseRunArgs(argv.slice(1));
  if (command.kind !== 'run' || command.files.length > 0) return undefined;
  return command;
}

/** The token in the agent's answer, when the full CLI would use it without a word; else undefined. */
export function freshToken(status: number, text: string): string | undefined {
  if (status !== 200) return undefined;
  try {
    const answer = JSON.parse(text) as { access_token?: unknown; short_of_min_valid?: unknown };
    if (typeof answer.access_token !== 'string' || answer.access_token === '') return undefined;
    if (answer.short_of_min_valid !== undefined) return undefined;
    return answer.access_token;
  } catch {
    return undefined;
  }
}

/** Every --env token, fresh; undefined as soon as one is not. */
async function fetchTokens(command: RunCommand, paths: AgentPaths): Promise<Map<string, string> | undefined> {
  const tokens = new Map<string, string>();
  for (const { name } of command.env) {
    if (tokens.has(name)) continue;
    const reply = await askAgent(
      paths,
      `/v1/tokens/${encodeURIComponent(name)}?min_valid=${command.minValidSeconds}`,
    );
    const token = reply && freshToken(reply.status, reply.text);
    if (token === undefined) return undefined;
    tokens.set(name, token);
  }
  return tokens;
}

/**
 * Fetches every token and runs the child to its end, then ends this process as it ended. False (and
 * nothing printed or started) when the full CLI must take the command instead.
 */
export async function fastRun(command: RunCommand, paths: AgentPaths): Promise<boolean> {
  // Until the child runs, a signal ends `run` itself, as in the full CLI (runProgram.ts).
  const early = (signal: NodeJS.Signals) => process.exit(128 + (constants.signals[signal] ?? 0));
  for (const signal of forwarded) process.on(signal, early);
  let tokens: Map<string, string> | undefined;
  try {
    tokens = await fetchTokens(command, paths);
  } finally {
    for (const signal of forwarded) process.off(signal, early);
  }
  if (!tokens) return false;
  const masks = new MaskSet();
  for (const token of tokens.values()) masks.add(token);
  const env = childEnv(
    process.env,
    command.env.map((binding) => ({ binding, token: tokens.get(binding.name) ?? '' })),
    [],
  );
  exitLike(await supervise(command, env, command.mask ? masks : undefined));
  return true;
}
