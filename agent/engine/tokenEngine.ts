// The token engine: keeps every configured token fresh, refreshing each one exactly once per expiry
// however many callers ask. Inside the process, callers share one in-flight refresh; across
// processes on this machine, a lock file per token serialises refreshes, and whoever takes the lock
// re-reads the secret store first, since another process may have refreshed meanwhile (refresh.ts).
// With a coordinator (team mode), the same holds across machines sharing a Redis.

import { codes, TokenAgentError } from '../base/errors';
import { redactKnown } from '../base/redact';
import type { TokenDefinition } from '../config/types';
import type { TokenState } from '../protocol';
import type { SecretKind, SecretStore } from '../store/secretStore';
import type { BudgetBook } from './budgetFile';
import type { TeamHealth } from './coordinator';
import { engineParts } from './engineParts';
import { heldSecrets, reportedStates, stateOf } from './engineStatus';
import { type EngineOptions, forcedRefreshCoalesceMs, type IssuedToken, unknownToken } from './engineTypes';
import { refreshedToken, validToken } from './handOver';
import { adoptFromPeers, PeerWatch } from './peerWatch';
import type { SaveRetrier } from './pendingSave';
import { pruneDetached, redefine } from './redefine';
import type { LogLevel, RefreshContext } from './refresh';
import { rejoinTeam } from './republish';
import { SecretWitness } from './secretWitness';
import { removeSlotSecrets, setSlotSecret } from './secretWrites';
import type { SlotRunner } from './slotRunner';
import { nodeTimers } from './timer';
import { TokenSlot } from './tokenSlot';
import type { VerificationTracker } from './verificationTracker';

export type { EngineOptions, IssuedToken, LogLevel };
export { forcedRefreshCoalesceMs };

export class TokenEngine {
  readonly #slots = new Map<string, TokenSlot>();
  readonly #listeners = new Set<() => void>();
  readonly #options: EngineOptions;
  readonly #context: RefreshContext;
  readonly #now: () => number;
  readonly #verifier: VerificationTracker | undefined;
  readonly #saves: SaveRetrier;
  readonly #budgets: BudgetBook;
  readonly #runner: SlotRunner;
  /** The store's secrets the engine has seen, for the redactor. */
  readonly #witness = new SecretWitness();
  /** Slots of names no longer defined whose refresh or kept secrets have not ended yet. */
  readonly #detached = new Set<TokenSlot>();
  /** Loads started by setDefinitions; idle() waits for them. */
  readonly #background = new Set<Promise<unknown>>();
  #started = false;
  #stopped = false;
  #peers: PeerWatch | undefined;
  readonly #unwatchTeam: (() => void) | undefined;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const parts = engineParts(options, {
      now: this.#now,
      random: options.random ?? Math.random,
      timers: options.timers ?? nodeTimers,
      store: () => this.#store(),
      log: (level, message) => this.#log(level, message),
      redact: (text) => this.redact(text),
      emit: () => this.#emit(),
      slots: () => this.#slots.values(),
      stopped: () => this.#stopped,
      live: (slot) => this.#slots.get(slot.name) === slot,
    });
    this.#saves = parts.saves;
    this.#budgets = parts.budgets;
    this.#context = parts.context;
    this.#runner = parts.runner;
    this.#verifier = parts.verifier;
    for (const definition of options.definitions) this.#slots.set(definition.name, new TokenSlot(definition));
    this.#unwatchTeam = options.coordinator?.onHealthChange?.(() => {
      this.#emit();
      this.#rejoinTeam();
    });
  }

  get storeError(): TokenAgentError | undefined {
    return this.#options.storeError;
  }

  /** Team mode's health, its detail redacted (it quotes Redis); undefined when there is no team. */
  teamHealth(): TeamHealth | undefined {
    const health = this.#options.coordinator?.health();
    return health?.state === 'degraded' ? { ...health, detail: this.redact(health.detail) } : health;
  }

  /**
   * Masks, in text about to leave the engine (a log line, a status message, an error), the secrets it
   * holds right now and whatever the leak lint's rules find. Outside strings inside the text were
   * already redacted where they came in (obtain.ts, the team, the store); this catches a held token
   * echoed back in any shape.
   */
  redact(text: string): string {
    const find = this.#options.findSecrets;
    const secrets = heldSecrets(this.#witness, [...this.#slots.values(), ...this.#detached]);
    return redactKnown(text, { secrets, ...(find ? { find } : {}) });
  }

  names(): string[] {
    return [...this.#slots.keys()];
  }

  states(): TokenState[] {
    const store = { open: this.#options.store !== undefined, error: this.#options.storeError };
    return reportedStates(this.#slots.values(), this.#now(), store, this.#statusParts());
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The secret store, once it can be opened: an engine made while the keyring was locked or its daemon
   * absent (a login session's first minute) starts from here instead of waiting for a restart.
   */
  async useStore(store: SecretStore): Promise<void> {
    if (this.#options.store) return;
    this.#options.store = store;
    this.#options.storeError = undefined;
    await this.start();
  }

  /** Loads what the store holds and, when scheduling, arms the refresh timers. */
  async start(): Promise<void> {
    this.#started = true;
    await this.#budgets.ready();
    await Promise.all(
      [...this.#slots.values()].map((slot) =>
        this.#runner.load(slot).then(() => this.#runner.schedule(slot)),
      ),
    );
    this.#emit();
  }

  /**
   * Stops the timers at once. Refreshes in flight run to their end (they persist what they obtain),
   * and the team connection closes after them.
   */
  stop(): void {
    this.#stopped = true;
    this.#saves.stop();
    this.#verifier?.close();
    this.#unwatchTeam?.();
    for (const slot of this.#slots.values()) slot.timer?.cancel();
    this.#peers?.close();
    const coordinator = this.#options.coordinator;
    if (coordinator) void this.idle().then(() => coordinator.close());
  }

  /** Resolves once no refresh, no background write of kept secrets and no load is in flight. */
  async idle(): Promise<void> {
    for (;;) {
      const refreshing = [...this.#slots.values(), ...this.#detached].flatMap((slot) =>
        slot.inFlight ? [slot.inFlight] : [],
      );
      const running: Promise<unknown>[] = [...refreshing, ...this.#background];
      if (running.length === 0) {
        await this.#budgets.idle();
        return this.#saves.idle();
      }
      await Promise.allSettled(running);
    }
  }

  /**
   * Tries once more to write every secret still kept only in memory (a rotated refresh token the store
   * refused), waiting at most `timeoutMs`: a stopping agent calls it after stop() to save what it can.
   * Resolves to the names of the tokens whose secrets are still unsaved.
   */
  flushPending(timeoutMs: number): Promise<string[]> {
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0)
      throw new TypeError(`timeoutMs must be a non-negative number, got ${timeoutMs}`);
    const slots = [...this.#slots.values(), ...this.#detached];
    return this.#saves.flush(slots, timeoutMs).finally(() => {
      pruneDetached(this.#detached);
      this.#emit();
    });
  }

  /**
   * Changes the definitions in place, by name. A new name gets a slot (loaded and scheduled when the
   * engine is started); a removed one loses its timer and slot, keeps its secrets, and a refresh of it
   * in flight ends and is dropped; a changed definition gets a new slot that keeps the held token when
   * the grant is the same (definitions.ts). Untouched tokens keep their timers, state and refreshes.
   * Listeners hear one change, once the new slots are loaded.
   */
  setDefinitions(definitions: readonly TokenDefinition[]): void {
    const parts = {
      slots: this.#slots,
      detached: this.#detached,
      runner: this.#runner,
      saves: this.#saves,
      now: this.#now(),
    };
    const loading = redefine(parts, definitions, this.#started && !this.#stopped);
    if (loading) this.#track(loading.then(() => this.#emit()));
  }

  /**
   * Every refresh on this machine appends to the audit log, so watching it tells this agent at once
   * that another one (another VS Code window, a terminal call) stored a newer token.
   */
  async watchPeers(): Promise<void> {
    if (!this.#options.store || this.#peers || this.#stopped) return;
    this.#peers = new PeerWatch(this.#options.dataDir, (message) => this.#log('warn', message));
    await this.#peers.start(() =>
      adoptFromPeers(this.#context, this.#slots.values(), (slot) => {
        this.#runner.schedule(slot);
        this.#emit();
      }),
    );
  }

  /** Stores a secret and acts on it at once: a new refresh token or client secret is tried right away. */
  async setSecret(name: string, kind: SecretKind, value: string): Promise<void> {
    const slot = this.#slots.get(name);
    const store = this.#store();
    if (!slot) return store.set(name, kind, value);
    await setSlotSecret(this.#writeParts(), slot, store, kind, value);
  }

  /** Deletes every secret of a token and forgets its access token. */
  async removeSecrets(name: string): Promise<void> {
    const slot = this.#slots.get(name);
    const store = this.#store();
    if (!slot) return store.delete(name);
    await removeSlotSecrets(this.#writeParts(), slot, store);
  }

  /** The access token each token holds now, for the leak lint's keyed-hash index (never leaves the process). */
  heldTokens(): [string, string | undefined][] {
    return [...this.#slots.values()].map((slot) => [slot.name, slot.current?.accessToken]);
  }

  state(name: string): TokenState {
    return stateOf(this.#slot(name), this.#now(), this.#statusParts());
  }

  /**
   * `token` with the time from which the agent refreshes it (the lead before expiry, or a third of
   * a short life), when it is the token held now: the expiry the credential helpers report to git
   * and kubectl, so that they ask again in time.
   */
  withRefreshPoint(name: string, token: IssuedToken): IssuedToken {
    const slot = this.#slots.get(name);
    const refreshAt = slot?.current?.accessToken === token.accessToken ? slot.refreshPoint() : undefined;
    return refreshAt === undefined ? token : { ...token, refreshAt };
  }

  /** Resolves once every signature check started so far has answered, or false after `timeoutMs`. */
  verificationSettled(timeoutMs: number): Promise<boolean> {
    return this.#verifier?.settled(timeoutMs) ?? Promise.resolve(true);
  }

  /**
   * A token valid for at least `minValidSeconds` more, refreshing first when that helps. A minimum
   * the token cannot meet (its kind does not live that long) refreshes only once the token is past its
   * refresh point, and the freshest token comes back with `shortOfMinValid`; only when no valid token
   * can be had at all does this throw.
   */
  async get(name: string, options: { minValidSeconds?: number } = {}): Promise<IssuedToken> {
    const askedMs = (options.minValidSeconds ?? 0) * 1000;
    return validToken(this.#runner, await this.#loadedSlot(name), askedMs, this.#now);
  }

  /**
   * Refreshes now, whatever the current token's validity; within 10 s of the last refresh it hands
   * over the token that refresh obtained instead, so that no single client (a button pressed twice, a
   * script) can spend the refresh budget the others depend on.
   */
  async refresh(name: string): Promise<IssuedToken> {
    return refreshedToken(this.#runner, await this.#loadedSlot(name), this.#now);
  }

  #slot(name: string): TokenSlot {
    const slot = this.#slots.get(name);
    if (!slot) throw unknownToken(name, this.names());
    return slot;
  }

  /**
   * The slot of `name`, loaded. Looked up again after loading: setDefinitions may have replaced it
   * meanwhile, and a refresh must start on the slot that is current, never on one being replaced.
   */
  async #loadedSlot(name: string): Promise<TokenSlot> {
    for (;;) {
      const slot = this.#slot(name);
      await this.#runner.load(slot);
      if (this.#slots.get(name) === slot) return slot;
    }
  }

  /** Team mode is back: each token catches up with the team, or shares what is newer (republish.ts). */
  #rejoinTeam(): void {
    const team = this.#options.coordinator;
    if (team?.health().state !== 'ok' || !this.#started || this.#stopped || !this.#options.store) return;
    rejoinTeam(this.#context, this.#runner, this.#slots.values(), {
      emit: () => this.#emit(),
      track: (work) => this.#track(work),
    });
  }

  /** Keeps background work (a load, a republish) in the set idle() waits for, until it ends. */
  #track(work: Promise<unknown>): void {
    this.#background.add(work);
    void work.finally(() => this.#background.delete(work));
  }

  #store(): SecretStore {
    const store = this.#options.store;
    if (!store) {
      throw (
        this.#options.storeError ??
        new TokenAgentError(codes.storeUnavailable, 'No secret store is available.')
      );
    }
    return this.#witness.wrap(store);
  }

  #statusParts() {
    return { verifier: this.#verifier, redact: (text: string) => this.redact(text) };
  }

  #writeParts() {
    return { context: this.#context, saves: this.#saves, runner: this.#runner, emit: () => this.#emit() };
  }

  #log(level: LogLevel, message: string): void {
    const log = this.#options.log;
    if (log) log(level, this.redact(message));
  }

  #emit(): void {
    // Every change to a held token is announced through here, so this is where new ones get checked.
    if (this.#verifier)
      for (const slot of this.#slots.values())
        this.#verifier.observe(slot.name, slot.definition, slot.current?.accessToken);
    for (const listener of this.#listeners) listener();
  }
}
