// Keeps `run --file` tokens fresh for as long as the child runs. The agent pushes its status on every
// change (GET /v1/events, as each editor window follows it): when it holds a token for a name whose
// expiry differs from the one handed out, the new token is fetched. A timer fetches again shortly
// before the handed-out token stops meeting --min-valid, in case a push is missed (the agent restarting,
// say). When the stream ends, the agent is looked for — started again if need be — as agentLink.ts does.

import type { TokenAnswer } from '../daemon/api';
import type { AgentClient } from '../daemon/client';
import type { AgentStatus } from '../protocol';

export interface TokenFeedOptions {
  names: readonly string[];
  minValidSeconds: number;
  /** The client of the agent now; called again after the stream ends (it may start a new agent). */
  connect: () => Promise<AgentClient>;
  /** A newer token for `name`; called in order, never twice with the same token. */
  onToken: (name: string, answer: TokenAnswer) => Promise<void>;
  /** A problem worth a line on stderr (never with a token in it). */
  warn: (message: string) => void;
  now?: () => number;
}

const retryMs = { first: 500, max: 10_000 };
/** Fetch this long before the handed-out token stops being valid for --min-valid seconds. */
const leadMs = 1_000;

export class TokenFeed {
  readonly #options: TokenFeedOptions;
  readonly #current = new Map<string, TokenAnswer>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #fetching = new Map<string, Promise<void>>();
  readonly #abort = new AbortController();
  #client: AgentClient | undefined;
  #lastWarning = '';

  constructor(options: TokenFeedOptions) {
    this.#options = options;
  }

  /** Fetches every token once; throws (a coded error) when one cannot be had. */
  async start(client: AgentClient): Promise<void> {
    this.#client = client;
    for (const name of new Set(this.#options.names)) await this.#fetch(name, true);
  }

  /**
   * Takes tokens fetched before the feed existed (the small entry point's, fast/fastRun.ts) as the
   * ones handed out: their refreshes are timed as start()'s are, and onToken is not called for them.
   */
  adopt(name: string, answer: TokenAnswer): void {
    if (this.#abort.signal.aborted) return;
    this.#current.set(name, answer);
    this.#scheduleAfter(name, answer);
  }

  /** Follows the agent's status until stop(). Never throws. */
  follow(): void {
    void this.#follow();
  }

  stop(): void {
    this.#abort.abort();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  async #follow(): Promise<void> {
    let delay = retryMs.first;
    while (!this.#abort.signal.aborted) {
      try {
        const client = this.#client ?? (await this.#options.connect());
        this.#client = client;
        await client.events((status) => this.#onStatus(status), this.#abort.signal);
        delay = retryMs.first;
      } catch (error) {
        this.#warnOnce(`the token agent is unreachable (${(error as Error).message}); trying again`);
      }
      this.#client = undefined;
      if (this.#abort.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
      delay = Math.min(retryMs.max, delay * 2);
    }
  }

  #onStatus(status: AgentStatus): void {
    for (const state of status.tokens) {
      const current = this.#current.get(state.name);
      if (!current || state.expiresAt === undefined) continue;
      if (Math.floor(state.expiresAt / 1000) !== current.expires_at) void this.#fetchSoon(state.name);
    }
  }

  /** One fetch at a time per name; a change seen meanwhile is fetched after it. */
  #fetchSoon(name: string): Promise<void> {
    const before = this.#fetching.get(name) ?? Promise.resolve();
    const next = before.then(() => this.#fetch(name, false));
    this.#fetching.set(name, next);
    return next;
  }

  async #fetch(name: string, first: boolean): Promise<void> {
    const client = this.#client ?? (await this.#options.connect());
    let answer: TokenAnswer;
    try {
      answer = await client.getToken(name, this.#options.minValidSeconds, { timeoutMs: 60_000 });
    } catch (error) {
      if (first) throw error;
      const code = (error as { code?: string }).code;
      this.#warnOnce(
        `could not refresh '${name}' for the program: ${code ? `${code}: ` : ''}${(error as Error).message}`,
      );
      this.#schedule(name, 5_000);
      return;
    }
    if (this.#abort.signal.aborted) return;
    const current = this.#current.get(name);
    if (current?.access_token !== answer.access_token) {
      this.#current.set(name, answer);
      await this.#options.onToken(name, answer);
    }
    this.#scheduleAfter(name, answer);
  }

  /** The next fetch of `name`, timed by the token just handed out. */
  #scheduleAfter(name: string, answer: TokenAnswer): void {
    if (answer.expires_at === undefined) return;
    const now = (this.#options.now ?? Date.now)();
    // A token that lives less than --min-valid (short_of_min_valid) is the freshest there is: ask
    // again halfway through its life, not every second.
    const due = answer.short_of_min_valid
      ? now + (answer.expires_in ?? 0) * 500
      : answer.expires_at * 1000 - this.#options.minValidSeconds * 1000 - leadMs;
    this.#schedule(name, Math.max(1_000, due - now));
  }

  #schedule(name: string, delayMs: number): void {
    if (this.#abort.signal.aborted) return;
    clearTimeout(this.#timers.get(name));
    // Unref'd: the child, not this timer, decides how long `run` lives.
    this.#timers.set(name, setTimeout(() => void this.#fetchSoon(name), delayMs).unref());
  }

  #warnOnce(message: string): void {
    if (message === this.#lastWarning) return;
    this.#lastWarning = message;
    this.#options.warn(message);
  }
}
