// When the agent dies, restart it with exponential backoff instead of VS Code's default (give up after
// four crashes), and forget old crashes once the agent has stayed up for a while.

export interface RestartPolicyOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** An agent that stayed up this long is considered healthy again: the next crash starts over. */
  stableAfterMs: number;
}

export const defaultRestartPolicy: RestartPolicyOptions = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
};

export class RestartPolicy {
  #attempt = 0;
  #startedAt: number | undefined;

  constructor(readonly options: RestartPolicyOptions = defaultRestartPolicy) {}

  /** Call when the agent is up. */
  started(now: number): void {
    this.#startedAt = now;
  }

  /** Call when the agent died; returns which attempt this is and how long to wait before it. */
  crashed(now: number): { attempt: number; delayMs: number } {
    if (this.#startedAt !== undefined && now - this.#startedAt >= this.options.stableAfterMs)
      this.#attempt = 0;
    this.#startedAt = undefined;
    const delayMs = Math.min(this.options.maxDelayMs, this.options.initialDelayMs * 2 ** this.#attempt);
    this.#attempt += 1;
    return { attempt: this.#attempt, delayMs };
  }
}
