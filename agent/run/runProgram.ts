// `token-agent run`: fetches the tokens from the user agent, starts the program with them (in its
// environment, or in files kept fresh while it runs), masks their values in its output, forwards
// SIGINT, SIGTERM and SIGHUP to it, and exits as it did. Parsing, masking and the environment are pure
// (runArgs.ts, masker.ts, childEnv.ts); the child's supervision is supervise.ts; this module is the wiring.
import { constants } from 'node:os';
import { join } from 'node:path';
import { shortOfMinValid } from '../cli/messages';
import { fail, wantsLocal } from '../cli/run';
import type { RunCommand } from '../cli/runArgs';
import type { TokenAnswer } from '../daemon/api';
import { connectAgent } from '../daemon/start';
import { childEnv } from './childEnv';
import { MaskSet } from './masker';
import { forwarded, type RunOutcome, supervise } from './supervise';
import { TokenFeed } from './tokenFeed';
import { createTokenFolder, type TokenFolder } from './tokenFolder';

export async function runProgram(command: RunCommand): Promise<RunOutcome> {
  if (wantsLocal({}, process.env))
    return usage("'run' needs the user agent, which keeps --file tokens fresh; unset TOKEN_AGENT_NO_AGENT.");
  const masks = new MaskSet();
  /** Names already warned about living less than --min-valid: once each, not on every refresh. */
  const warned = new Set<string>();
  let folder: TokenFolder | undefined;
  const removeFolder = () => folder?.removeSync();
  process.once('exit', removeFolder);
  // Until the child runs, a signal ends `run` itself, the folder removed first.
  const early = (signal: NodeJS.Signals) => {
    removeFolder();
    process.exit(128 + (constants.signals[signal] ?? 0));
  };
  for (const signal of forwarded) process.on(signal, early);
  const connect = async () =>
    (await connectAgent({ ...(command.config ? { configFlag: command.config } : {}) })).client;
  const feed = new TokenFeed({
    names: command.files.map((binding) => binding.name),
    minValidSeconds: command.minValidSeconds,
    connect,
    onToken: async (name, answer) => {
      // Masked before the child can read it from the file.
      masks.add(answer.access_token);
      if (!warned.has(name)) {
        warned.add(name);
        warnIfShort(name, answer, command.minValidSeconds);
      }
      for (const binding of command.files)
        if (binding.name === name) await folder?.write(binding.variable, answer.access_token);
    },
    warn: (message) => process.stderr.write(`token-agent: run: ${message}\n`),
  });
  let env: NodeJS.ProcessEnv;
  try {
    const client = await connect();
    const tokens = new Map<string, TokenAnswer>();
    for (const { name } of command.env) {
      if (tokens.has(name)) continue;
      const answer = await client.getToken(name, command.minValidSeconds);
      masks.add(answer.access_token);
      tokens.set(name, answer);
      warned.add(name);
      warnIfShort(name, answer, command.minValidSeconds);
    }
    if (command.files.length > 0) {
      folder = await createTokenFolder(process.env);
      await feed.start(client);
    }
    env = childEnv(
      process.env,
      command.env.map((binding) => ({ binding, token: tokens.get(binding.name)?.access_token ?? '' })),
      command.files.map((binding) => ({ binding, path: join(folder?.path ?? '', binding.variable) })),
    );
  } catch (error) {
    feed.stop();
    await folder?.remove();
    for (const signal of forwarded) process.off(signal, early);
    return { code: fail(error) };
  }
  for (const signal of forwarded) process.off(signal, early);
  if (command.files.length > 0) feed.follow();
  try {
    return await supervise(command, env, command.mask ? masks : undefined);
  } finally {
    feed.stop();
    await folder?.remove();
    process.off('exit', removeFolder);
  }
}

function usage(message: string): RunOutcome {
  process.stderr.write(`token-agent: ${message}\n`);
  return { code: 2 };
}

function warnIfShort(name: string, answer: TokenAnswer, minValidSeconds: number): void {
  if (answer.short_of_min_valid)
    process.stderr.write(shortOfMinValid(name, (answer.expires_in ?? 0) * 1000, minValidSeconds));
}
