// The token files of a `run --file` the small entry point takes (fastRun.ts): written before the child
// starts, in the private folder the full CLI uses (run/tokenFolder.ts: 0700, made by mkdtemp, files
// 0600 replaced by rename), and kept fresh afterwards by the feed in its own bundle (fileFeed.ts).
import { join } from 'node:path';
import type { RunCommand } from '../cli/runArgs';
import type { TokenAnswer } from '../daemon/api';
import type { MaskSet } from '../run/masker';
import { createTokenFolder, type TokenFolder } from '../run/tokenFolder';
import type * as FileFeed from './fileFeed';

/**
 * How long after the child starts the feed is loaded. Nothing is missed meanwhile: the agent's first
 * status document names every token it holds, so a refresh made before the feed subscribes is
 * fetched then, and no refresh is due sooner than a second after a token is handed out
 * (tokenFeed.ts). A child that ends sooner — a script's `run` — never pays for the feed at all.
 */
const feedDelayMs = 200;

/** The folder with every --file token written, or undefined (and no folder left) when that failed. */
export async function writeTokenFiles(
  command: RunCommand,
  tokens: ReadonlyMap<string, TokenAnswer>,
): Promise<TokenFolder | undefined> {
  let folder: TokenFolder | undefined;
  try {
    folder = await createTokenFolder(process.env);
    for (const { variable, name } of command.files)
      await folder.write(variable, tokens.get(name)?.access_token ?? '');
    return folder;
  } catch {
    // The full CLI tries again and words the error (nothing is started or printed yet).
    await folder?.remove().catch(() => undefined);
    return undefined;
  }
}

/** Starts the feed shortly (feedDelayMs); the returned stop also cancels a feed not yet started. */
export function followLater(
  command: RunCommand,
  tokens: ReadonlyMap<string, TokenAnswer>,
  folder: TokenFolder,
  masks: MaskSet,
): () => void {
  let stopFeed: (() => void) | undefined;
  const names = command.files.map((binding) => binding.name);
  const start = () => {
    try {
      // Beside this bundle, as agent-main.js is (main.ts); a computed path, so never inlined here.
      const { followFiles } = require(join(__dirname, 'agent-run-feed.js')) as typeof FileFeed;
      stopFeed = followFiles({
        names,
        minValidSeconds: command.minValidSeconds,
        ...(command.config ? { configFlag: command.config } : {}),
        handedOut: new Map(names.map((name) => [name, tokens.get(name) as TokenAnswer])),
        onToken: async (name, answer) => {
          // Masked before the child can read it from the file.
          masks.add(answer.access_token);
          for (const binding of command.files)
            if (binding.name === name) await folder.write(binding.variable, answer.access_token);
        },
      });
    } catch (error) {
      process.stderr.write(
        `token-agent: run: cannot keep the token files fresh (${(error as Error).message}); reinstall token-agent\n`,
      );
    }
  };
  // Unref'd: the child, not this timer, decides how long `run` lives.
  const timer = setTimeout(start, feedDelayMs).unref();
  return () => {
    clearTimeout(timer);
    stopFeed?.();
  };
}
