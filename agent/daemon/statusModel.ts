// Holds the agent's reportable state and tells listeners when any of it changes.
// One instance per server: nothing here is module-global, so a restart starts clean.
import { join } from 'node:path';
import type { Problem } from '../config/types';
import type { AgentStatus, Health, StoreTier, TeamHealth } from '../protocol';
import type { Runtime } from '../runtime';
import { auditFileName } from '../store/auditLog';
import { agentVersion } from '../version';

export type StatusListener = (status: AgentStatus) => void;

export class StatusModel {
  readonly #startedAt: number;
  readonly #now: () => number;
  #lintEnabled = true;
  #runtime: Runtime | undefined;
  #startupError: string | undefined;
  #unsubscribe: (() => void) | undefined;
  #listeners = new Set<StatusListener>();

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#startedAt = now();
  }

  snapshot(): AgentStatus {
    const runtime = this.#runtime;
    const tokens = runtime?.engine.states() ?? [];
    const team = runtime?.engine.teamHealth();
    const { health, message } = this.#health(tokens, runtime?.problems ?? [], team);
    return {
      version: agentVersion,
      ...(runtime
        ? { configPath: runtime.configPath, auditLogPath: join(runtime.dataDir, auditFileName) }
        : {}),
      problems: (runtime?.problems ?? []).map((p) => `${p.severity}: ${p.message}`),
      pid: process.pid,
      startedAt: this.#startedAt,
      health,
      ...(message ? { message } : {}),
      store: this.#store(),
      ...(team ? { team } : {}),
      lint: { enabled: this.#lintEnabled },
      tokens,
    };
  }

  /** The store's error quotes the keyring (D-Bus) or the file system: it passes the engine's redactor. */
  #redact(text: string): string {
    return this.#runtime?.engine.redact(text) ?? text;
  }

  #store(): AgentStatus['store'] {
    const runtime = this.#runtime;
    if (runtime?.store) return { tier: runtime.store.tier, plaintext: runtime.store.plaintext };
    if (runtime?.storeError)
      return {
        tier: 'unavailable' as StoreTier,
        plaintext: false,
        detail: this.#redact(runtime.storeError.message),
        error: { code: runtime.storeError.code, message: this.#redact(runtime.storeError.message) },
      };
    return {
      tier: 'none',
      plaintext: false,
      detail: 'No token is configured, so no secret store is in use.',
    };
  }

  #health(
    tokens: AgentStatus['tokens'],
    problems: readonly Problem[],
    team: TeamHealth | undefined,
  ): { health: Health; message?: string } {
    if (this.#startupError) return { health: 'error', message: this.#startupError };
    const storeError = this.#runtime?.storeError;
    // With no token yet, a missing store only matters once one is added: say so without alarm.
    if (storeError && tokens.length === 0) {
      return {
        health: 'warning',
        message: `Tokens cannot be added until the secret store works: ${this.#redact(storeError.message)}`,
      };
    }
    if (storeError) return { health: 'error', message: this.#redact(storeError.message) };
    const troubled = tokens.filter(
      (t) => t.phase === 'error' || t.phase === 'needs-sign-in' || t.phase === 'expired',
    );
    if (troubled.length > 0) {
      const first = troubled[0];
      return {
        health: 'error',
        message: `${troubled.map((t) => t.name).join(', ')}: ${first?.lastError?.message ?? first?.phase}`,
      };
    }
    // Tokens still refresh while the team is away, but two machines may now each refresh once.
    if (team?.state === 'degraded')
      return {
        health: 'warning',
        message: `Team mode is degraded: ${team.detail}. Refreshing on this machine alone.`,
      };
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) return { health: 'warning', message: errors.map((p) => p.message).join('; ') };
    if (this.#runtime?.store?.plaintext && tokens.length > 0) {
      return { health: 'warning', message: 'Secrets are kept in plaintext.' };
    }
    return { health: 'ok' };
  }

  /** Swaps in a new runtime (a settings or config change); the old engine must already be stopped. */
  setRuntime(runtime: Runtime): void {
    this.#unsubscribe?.();
    this.#runtime = runtime;
    this.#startupError = undefined;
    this.#unsubscribe = runtime.engine.onChange(() => this.#emit());
    this.#emit();
  }

  /** The runtime's config or problems changed in place (an edit of the config file): tell listeners. */
  refresh(): void {
    this.#emit();
  }

  setStartupError(message: string): void {
    this.#startupError = message;
    this.#emit();
  }

  get runtime(): Runtime | undefined {
    return this.#runtime;
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
