// The refresh feed of a `run --file` the small entry point started (fast/fastFiles.ts), built as its
// own bundle (dist/agent-run-feed.js) and loaded only once the child runs: the feed reaches the agent
// through node:http and daemon/start.ts (which may start an agent again), and loading those before the
// child started would cost most of what the fast path saves. The feed itself is the full CLI's
// (run/tokenFeed.ts), so a token file is kept fresh the same way whichever entry started the child.
import type { TokenAnswer } from '../daemon/api';
import { connectAgent } from '../daemon/start';
import { TokenFeed } from '../run/tokenFeed';

export interface FileFeedOptions {
  names: readonly string[];
  minValidSeconds: number;
  configFlag?: string;
  /** The tokens already in the files, by name: refreshed when due, not fetched again now. */
  handedOut: ReadonlyMap<string, TokenAnswer>;
  /** A newer token for `name`: masked, then written to its files (by the caller, which owns both). */
  onToken: (name: string, answer: TokenAnswer) => Promise<void>;
}

/** Follows the agent for newer tokens until the returned stop is called. */
export function followFiles(options: FileFeedOptions): () => void {
  const { configFlag } = options;
  const feed = new TokenFeed({
    names: options.names,
    minValidSeconds: options.minValidSeconds,
    connect: async () => (await connectAgent(configFlag ? { configFlag } : {})).client,
    onToken: options.onToken,
    // Worded as the full CLI words them (run/runProgram.ts).
    warn: (message) => process.stderr.write(`token-agent: run: ${message}\n`),
  });
  for (const [name, answer] of options.handedOut) feed.adopt(name, answer);
  feed.follow();
  return () => feed.stop();
}
