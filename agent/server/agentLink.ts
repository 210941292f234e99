// One editor window's link to the user agent: the language server is a client like any other. It
// subscribes to the agent's status (so every window sees a refresh at once), keeps the held tokens'
// digests for the live-token lint, and reconnects — starting the agent again if it is gone, which
// two windows may do at the same moment and still start one.
import type { AgentClient } from '../daemon/client';
import { connectAgent } from '../daemon/start';
import type { LogLevel } from '../engine/tokenEngine';
import type { AgentStatus } from '../protocol';
import { agentVersion } from '../version';

export interface AgentLinkOptions {
  log: (level: LogLevel, message: string) => void;
  /** Called with every status the agent pushes, and with a synthetic one while it is down. */
  onStatus: (status: AgentStatus) => void;
  /** Called with the held tokens whenever a token changed, for the lint's keyed-digest index. */
  onHeld: (held: [string, string | undefined][]) => void;
  connect?: typeof connectAgent;
  env?: NodeJS.ProcessEnv;
}

const retryMs = { first: 500, max: 10_000 };

export class AgentLink {
  #client: AgentClient | undefined;
  #closed = false;
  #abort = new AbortController();
  #heldKey = '';
  #heldAsked = 0;
  readonly #options: AgentLinkOptions;
  readonly #startedAt = Date.now();

  constructor(options: AgentLinkOptions) {
    this.#options = options;
  }

  /** The client of the agent, or undefined while it is down. */
  get client(): AgentClient | undefined {
    return this.#client;
  }

  /** Connects (starting the agent if needed) and follows it until close(). Never throws. */
  start(): void {
    void this.#run();
  }

  close(): void {
    this.#closed = true;
    this.#abort.abort();
  }

  async #run(): Promise<void> {
    let delay = retryMs.first;
    const connect = this.#options.connect ?? connectAgent;
    while (!this.#closed) {
      try {
        const { client, started } = await connect({
          ...(this.#options.env ? { env: this.#options.env } : {}),
        });
        if (started) this.#options.log('info', `started the token agent on ${client.socketPath}`);
        this.#client = client;
        delay = retryMs.first;
        await client.events((status) => this.#onStatus(client, status), this.#abort.signal);
      } catch (error) {
        if (this.#closed) return;
        this.#down(`The token agent is not running: ${(error as Error).message}`);
        this.#options.log('warn', `token agent unavailable: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(retryMs.max, delay * 2);
        continue;
      }
      this.#client = undefined;
      if (this.#closed) return;
      // The stream ended: the agent stopped. Say so, then look for (or start) the next one.
      this.#down('The token agent stopped; starting it again…');
    }
  }

  #onStatus(client: AgentClient, status: AgentStatus): void {
    this.#options.onStatus(status);
    // Fetch the tokens themselves only when one of them changed, not on every status.
    const key = JSON.stringify(status.tokens.map((t) => [t.name, t.expiresAt, t.lastRefreshAt, t.phase]));
    if (key === this.#heldKey) return;
    this.#heldKey = key;
    // Only the newest answer counts: an older one arriving late must not replace it.
    const asked = ++this.#heldAsked;
    client.held().then(
      (held) => {
        if (asked === this.#heldAsked) this.#options.onHeld(held.tokens.map((t) => [t.name, t.accessToken]));
      },
      (error: unknown) =>
        this.#options.log('debug', `could not read held tokens: ${(error as Error).message}`),
    );
  }

  #down(message: string): void {
    this.#heldKey = '';
    this.#heldAsked++;
    this.#options.onHeld([]);
    this.#options.onStatus({
      version: agentVersion,
      problems: [],
      pid: process.pid,
      startedAt: this.#startedAt,
      health: 'error',
      message,
      store: { tier: 'none', plaintext: false },
      lint: { enabled: true },
      tokens: [],
      agentDown: message,
    });
  }
}
