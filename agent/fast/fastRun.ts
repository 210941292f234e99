// `token-agent run --env VAR=NAME… --file VAR=NAME… -- PROGRAM` answered by the small entry point
// (fast/main.ts): the tokens asked of the running agent, one exchange each, the --file tokens written
// to their private files (fastFiles.ts), and the child started at once, without the full CLI's load
// (measured by `npm run bench:tokens`: that load was most of what `run` added before its child
// started). The feed that keeps --file tokens fresh is loaded once the child runs. Only the case it
// can finish exactly as the full CLI does: each token answered fresh for --min-valid. Anything else —
// a usage error, --help, an error or a short-lived token (the full CLI words those), no agent, a token
// folder that cannot be made — is handed over before anything is printed or started.
import { constants } from 'node:os';
import { join } from 'node:path';
import { parseRunArgs, type RunCommand } from '../cli/runArgs';
import type { TokenAnswer } from '../daemon/api';
import type { AgentPaths } from '../daemon/paths';
import { childEnv } from '../run/childEnv';
import { MaskSet } from '../run/masker';
import { exitLike, forwarded, supervise } from '../run/supervise';
import type { TokenFolder } from '../run/tokenFolder';
import { askAgent } from './askAgent';
import type * as FastFiles from './fastFiles';

/** The `run` command the small entry point may take, or undefined. */
export function fastRunCommand(argv: readonly string[], env: NodeJS.ProcessEnv): RunCommand | undefined {
  if (argv[0] !== 'run' || env.TOKEN_AGENT_NO_AGENT === '1') return undefined;
  const command = parseRunArgs(argv.slice(1));
  return command.kind === 'run' ? command : undefined;
}

/** The agent's answer, when the full CLI would use it without a word; else undefined. */
export function freshAnswer(status: number, text: string): TokenAnswer | undefined {
  if (status !== 200) return undefined;
  try {
    const answer = JSON.parse(text) as Partial<Record<keyof TokenAnswer, unknown>>;
    if (typeof answer.access_token !== 'string' || answer.access_token === '') return undefined;
    if (answer.short_of_min_valid !== undefined) return undefined;
    // The feed times its refreshes by these: a shape it does not know is the full CLI's to judge.
    for (const field of ['expires_at', 'expires_in'] as const)
      if (answer[field] !== undefined && typeof answer[field] !== 'number') return undefined;
    return answer as TokenAnswer;
  } catch {
    return undefined;
  }
}

/** Every token (--env and --file), fresh; undefined as soon as one is not. */
async function fetchTokens(
  command: RunCommand,
  paths: AgentPaths,
): Promise<Map<string, TokenAnswer> | undefined> {
  const tokens = new Map<string, TokenAnswer>();
  for (const { name } of [...command.env, ...command.files]) {
    if (tokens.has(name)) continue;
    const reply = await askAgent(
      paths,
      `/v1/tokens/${encodeURIComponent(name)}?min_valid=${command.minValidSeconds}`,
    );
    const answer = reply && freshAnswer(reply.status, reply.text);
    if (answer === undefined) return undefined;
    tokens.set(name, answer);
  }
  return tokens;
}

/**
 * Fetches every token, writes the token files and runs the child to its end, then ends this process
 * as it ended. False (and nothing printed, started or left behind) when the full CLI must take the
 * command instead.
 */
export async function fastRun(command: RunCommand, paths: AgentPaths): Promise<boolean> {
  let folder: TokenFolder | undefined;
  const removeFolder = () => folder?.removeSync();
  // Until the child runs, a signal ends `run` itself, the folder removed first, as in the full CLI
  // (runProgram.ts).
  const early = (signal: NodeJS.Signals) => {
    removeFolder();
    process.exit(128 + (constants.signals[signal] ?? 0));
  };
  for (const signal of forwarded) process.on(signal, early);
  process.once('exit', removeFolder);
  let tokens: Map<string, TokenAnswer> | undefined;
  let files: typeof FastFiles | undefined;
  try {
    tokens = await fetchTokens(command, paths);
    if (tokens && command.files.length > 0) {
      // Required here, not imported: its node:fs/promises and node:crypto would slow every `run --env`.
      files = require('./fastFiles') as typeof FastFiles;
      folder = await files.writeTokenFiles(command, tokens);
      if (!folder) tokens = undefined;
    }
  } finally {
    for (const signal of forwarded) process.off(signal, early);
  }
  if (!tokens) {
    process.off('exit', removeFolder);
    return false;
  }
  const masks = new MaskSet();
  for (const answer of tokens.values()) masks.add(answer.access_token);
  const env = childEnv(
    process.env,
    command.env.map((binding) => ({ binding, token: tokens.get(binding.name)?.access_token ?? '' })),
    command.files.map((binding) => ({ binding, path: join(folder?.path ?? '', binding.variable) })),
  );
  // supervise() starts the child before it returns; the feed follows after.
  const running = supervise(command, env, command.mask ? masks : undefined);
  const stopFeed = folder && files?.followLater(command, tokens, folder, masks);
  const outcome = await running;
  stopFeed?.();
  await folder?.remove();
  process.off('exit', removeFolder);
  exitLike(outcome);
  return true;
}
