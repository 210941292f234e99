// Holds the agent's reportable state and tells listeners when any of it changes.
// One instance per server: nothing here is module-global, so a restart starts clean.
import type { AgentStatus, TokenState } from '../protocol';
import { agentVersion } from '../version';

export type StatusListener = (status: AgentStatus) => void;

export class StatusModel {
  readonly #startedAt: number;
  #lintEnabled = true;
  #tokens: TokenState[] = [];
  #listeners = new Set<StatusListener>();

  constructor(now: () => number = Date.now) {
    this.#startedAt = now();
  }

  snapshot(): AgentStatus {
    return {
      version: agentVersion,
      pid: process.pid,
      startedAt: this.#startedAt,
      health: 'ok',
      // The secret store arrives with the token engine; until then nothing secret is kept anywhere.
      store: { tier: 'none', plaintext: false, detail: 'No token needs the secret store yet.' },
      lint: { enabled: this.#lintEnabled },
      tokens: this.#tokens.map((t) => ({ ...t })),
    };
  }

  setLintEnabled(enabled: boolean): void {
    if (enabled === this.#lintEnabled) return;
    this.#lintEnabled = enabled;
    this.#emit();
  }

  get lintEnabled(): boolean {
    return this.#lintEnabled;
  }

  onChange(listener: StatusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(): void {
    const status = this.snapshot();
    for (const listener of this.#listeners) listener(status);
  }
}
