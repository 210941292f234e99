// The token engine: keeps every configured token fresh, refreshing each one exactly once per expiry
// however many callers ask. Inside the process, callers share one in-flight refresh; across
// processes on this machine, a lock file per token serialises refreshes, and whoever takes the lock
// re-reads the secret store first, since another process may have refreshed meanwhile (refresh.ts).
// With a coordinator (team mode), the same holds across machines sharing a Redis.

import { codes, TokenAgentError } from '../base/errors';
import { JwtInfoCache } from '../base/jwtInfo';
import { redactKnown } from '../base/redact';
import type { TokenDefinition } from '../config/types';
import type { TokenState } from '../protocol';
import type { SecretKind, SecretStore } from '../store/secretStore';
import { adoptStored } from './adopt';
import { adoptBudgets, BudgetBook, budgetRecords } from './budgetFile';
import type { TeamHealth } from './coordinator';
import { diffDefinitions, reorder } from './definitions';
import {
  type EngineOptions,
  forcedRefreshCoalesceMs,
  type IssuedToken,
  issued,
  unknownToken,
} from './engineTypes';
import { adoptFromPeers, PeerWatch } from './peerWatch';
import { forgetPending, SaveRetrier } from './pendingSave';
import { type LogLevel, type RefreshContext, usable } from './refresh';
import { republishUnderLock } from './republish';
import { SecretWitness } from './secretWitness';
import { SlotRunner } from './slotRunner';
import { nodeTimers, type Timers } from './timer';
import { type HeldToken, type RefreshOutcome, TokenSlot } from './tokenSlot';
import { describeVerification, VerificationTracker } from './verificationTracker';

export type { EngineOptions, IssuedToken, LogLevel };
export { forcedRefreshCoalesceMs };

export class TokenEngine {
  readonly #slots = new Map<string, TokenSlot>();
  readonly #listeners = new Set<() => void>();
  readonly #options: EngineOptions;
  readonly #context: RefreshContext;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #verifier: VerificationTracker | undefined;
  readonly #timers: Timers;
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
    this.#random = options.random ?? Math.random;
    this.#timers = options.timers ?? nodeTimers;
    this.#saves = new SaveRetrier({
      store: () => this.#store(),
      now: this.#now,
      timers: this.#timers,
      log: (level, message) => this.#log(level, message),
      changed: () => this.#emit(),
    });
    this.#budgets = new BudgetBook({
      dataDir: options.dataDir,
      now: this.#now,
      windowMs: 3_600_000,
      log: (level, message) => this.#log(level, message),
      collect: () => budgetRecords(this.#slots.values(), this.#now()),
      adopt: (records, initial) => adoptBudgets(this.#slots.values(), records, initial, this.#now()),
    });
    this.#context = {
      store: () => this.#store(),
      coordinator: options.coordinator,
      dataDir: options.dataDir,
      lock: options.lock,
      discovered: new Map(),
      jwtInfo: new JwtInfoCache(),
      grantTimeoutMs: options.grantTimeoutMs ?? 30_000,
      fetch: options.fetch,
      now: this.#now,
      log: (level, message) => this.#log(level, message),
      redact: (text) => this.redact(text),
      budget: { sync: () => this.#budgets.sync(), spent: () => this.#budgets.persist() },
    };
    this.#runner = new SlotRunner({
      context: this.#context,
      saves: this.#saves,
      budgets: this.#budgets,
      timers: this.#timers,
      now: this.#now,
      random: this.#random,
      // Without a store nothing can be refreshed; the status already says what to fix.
      scheduling: () => options.schedule && !this.#stopped && options.store !== undefined,
      live: (slot) => this.#slots.get(slot.name) === slot,
      emit: () => this.#emit(),
    });
    for (const definition of options.definitions) this.#slots.set(definition.name, new TokenSlot(definition));
    this.#unwatchTeam = options.coordinator?.onHealthChange?.(() => {
      this.#emit();
      this.#rejoinTeam();
    });
    this.#verifier = options.verifyTokens
      ? new VerificationTracker({
          // The grants' discovery results are reused: the metadata names the key set as well.
          context: {
            discovered: this.#context.discovered,
            keySets: new Map(),
            now: this.#now,
            fetch: options.fetch,
          },
          onAnswer: (name, answer) => {
            this.#log('debug', `token '${name}': ${describeVerification(answer)}`);
            this.#emit();
          },
        })
      : undefined;
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
    return redactKnown(text, { secrets: this.#heldSecrets(), ...(find ? { find } : {}) });
  }

  /**
   * Every secret the engine holds right now: access tokens, what the store has not taken yet, and the
   * refresh tokens and client secrets it last read or wrote.
   */
  #heldSecrets(): string[] {
    const held: string[] = this.#witness.values();
    for (const slot of [...this.#slots.values(), ...this.#detached]) {
      if (slot.current) held.push(slot.current.accessToken);
      const pending = slot.pending?.values;
      if (pending?.refresh_token) held.push(pending.refresh_token);
      if (pending?.access_token) held.push(pending.access_token);
    }
    return held;
  }

  names(): string[] {
    return [...this.#slots.keys()];
  }

  states(): TokenState[] {
    const now = this.#now();
    return [...this.#slots.values()].map((slot) => {
      const state = this.#stateOf(slot, now);
      if (!this.#options.store && this.#options.storeError && !slot.current) {
        state.phase = 'error';
        state.lastError = { code: this.#options.storeError.code, message: this.#options.storeError.message };
      }
      if (state.lastError) state.lastError.message = this.redact(state.lastError.message);
      if (state.pendingSave) state.pendingSave.message = this.redact(state.pendingSave.message);
      return state;
    });
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
      for (const slot of this.#detached) if (!slot.inFlight && !slot.pending) this.#detached.delete(slot);
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
    const { removed, changed } = diffDefinitions(this.#slots, definitions);
    if (removed.length === 0 && changed.length === 0) return;
    for (const slot of this.#detached) if (!slot.inFlight && !slot.pending) this.#detached.delete(slot);
    const now = this.#now();
    for (const slot of removed) {
      slot.timer?.cancel();
      slot.nextRefreshAt = undefined;
      // A removed token's kept refresh token is still the live one: its retries go on until saved.
      if (slot.inFlight || slot.pending) this.#detached.add(slot);
    }
    const added: TokenSlot[] = [];
    for (const { definition, old } of changed) {
      const slot = new TokenSlot(definition);
      // A name removed a moment ago and back again: its old slot may still hold the live refresh token.
      const previous = old ?? [...this.#detached].find((each) => each.name === definition.name);
      if (previous) {
        this.#detached.delete(previous);
        this.#runner.succeed(previous, slot, now);
      }
      added.push(slot);
    }
    reorder(this.#slots, definitions, added);
    const loading = Promise.all(
      added.map((slot) =>
        this.#started && !this.#stopped
          ? this.#runner.load(slot).then(() => {
              this.#saves.watch(slot);
              this.#runner.schedule(slot);
            })
          : undefined,
      ),
    ).then(() => this.#emit());
    this.#background.add(loading);
    void loading.finally(() => this.#background.delete(loading));
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
    // After any write of this token still running, so that a kept older secret cannot overwrite it.
    await slot.serialWrite(() => store.set(name, kind, value));
    // The user's (or a sign-in's) secret replaces whatever was kept unsaved of the same kind.
    if (kind === 'refresh_token' || kind === 'access_token') forgetPending(slot, kind);
    if (kind === 'static_token') forgetPending(slot, 'access_token');
    if (!slot.pending) this.#saves.forget(slot);
    if (kind === 'static_token' || kind === 'access_token') {
      slot.current = undefined;
      await adoptStored(this.#context, slot);
      slot.markSucceeded();
      this.#runner.schedule(slot);
      this.#emit();
      return;
    }
    slot.markSucceeded();
    // Found by the fault suite: a new agent's first refresh (with no refresh token yet) was still in
    // flight when the user's refresh token arrived, and joining it reported "needs sign-in" for good.
    await this.#runner.refresh(slot, { minValidMs: 0, force: true, afterInFlight: true });
  }

  /** Deletes every secret of a token and forgets its access token. */
  async removeSecrets(name: string): Promise<void> {
    const slot = this.#slots.get(name);
    const store = this.#store();
    if (!slot) return store.delete(name);
    await slot.serialWrite(() => store.delete(name));
    // Kept secrets of a removed token must not be written back by a later retry.
    forgetPending(slot);
    this.#saves.forget(slot);
    slot.timer?.cancel();
    slot.current = undefined;
    slot.nextRefreshAt = undefined;
    this.#emit();
  }

  /** The access token each token holds now, for the leak lint's keyed-hash index (never leaves the process). */
  heldTokens(): [string, string | undefined][] {
    return [...this.#slots.values()].map((slot) => [slot.name, slot.current?.accessToken]);
  }

  state(name: string): TokenState {
    return this.#stateOf(this.#slot(name), this.#now());
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

  #stateOf(slot: TokenSlot, now: number): TokenState {
    const state = slot.toState(now);
    // Only an answer about the token held right now: the tracker matches it by the token's digest.
    const verification = this.#verifier?.answer(slot.name, slot.current?.accessToken);
    // A failed check's reason may quote the issuer's answer: it passes the redactor like the rest.
    if (verification)
      state.verification =
        'reason' in verification
          ? { ...verification, reason: this.redact(verification.reason) }
          : verification;
    return state;
  }

  /**
   * A token valid for at least `minValidSeconds` more, refreshing first when that helps. A minimum
   * the token cannot meet (its kind does not live that long) refreshes only once the token is past its
   * refresh point, and the freshest token comes back with `shortOfMinValid`; only when no valid token
   * can be had at all does this throw.
   */
  async get(name: string, options: { minValidSeconds?: number } = {}): Promise<IssuedToken> {
    const askedMs = (options.minValidSeconds ?? 0) * 1000;
    const slot = await this.#loadedSlot(name);
    let outcome: RefreshOutcome = { ok: true };
    if (!this.#usable(slot.current, slot.effectiveMinValidMs(askedMs)) && !this.#justObtained(slot))
      outcome = await this.#runner.refresh(slot, { minValidMs: askedMs, force: false });
    const held = slot.current;
    // Nothing dates it: the command's fresh answer (or one of the last 10 s) is the best there is.
    if (held?.expiryUnknown) {
      if (outcome.ok) return issued(held);
      throw outcome.error;
    }
    if (this.#usable(held, askedMs)) return issued(held);
    const lifetime = slot.lifetimeMs();
    // An assumed lifetime proves nothing unattainable: past it, a refresh or an error, never the same
    // token as if it were known to last.
    const unattainable = !slot.current?.expiryAssumed && lifetime !== undefined && lifetime <= askedMs;
    if (this.#usable(held, 1) && (outcome.ok || unattainable)) return issued(held, true);
    if (!outcome.ok) throw outcome.error;
    throw (
      slot.lastError ??
      new TokenAgentError(
        codes.tokenExpired,
        `Token '${name}' could not be made valid for ${askedMs / 1000}s.`,
      )
    );
  }

  /**
   * Refreshes now, whatever the current token's validity; within 10 s of the last refresh it hands
   * over the token that refresh obtained instead, so that no single client (a button pressed twice, a
   * script) can spend the refresh budget the others depend on.
   */
  async refresh(name: string): Promise<IssuedToken> {
    const slot = await this.#loadedSlot(name);
    const held = slot.current;
    const last = slot.lastRefreshAt;
    if (
      held !== undefined &&
      last !== undefined &&
      this.#now() - last < forcedRefreshCoalesceMs &&
      (held.expiryUnknown || this.#usable(held, 1))
    )
      return issued(held);
    const outcome = await this.#runner.refresh(slot, { minValidMs: 0, force: true });
    if (!outcome.ok) throw outcome.error;
    if (!slot.current)
      throw new TokenAgentError(codes.refreshFailed, `Token '${name}' has no access token after refreshing.`);
    return issued(slot.current);
  }

  /**
   * A token of assumed or unknown expiry obtained in the last 10 s is the freshest there is: a burst
   * of gets asking more than it is known to last shares it rather than refreshing once each.
   */
  #justObtained(slot: TokenSlot): boolean {
    const last = slot.lastRefreshAt;
    return (
      (slot.current?.expiryAssumed === true || slot.current?.expiryUnknown === true) &&
      last !== undefined &&
      this.#now() - last < forcedRefreshCoalesceMs
    );
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

  /**
   * Team mode is back: a token that could not be refreshed while it was away (ERR_TEAM_UNAVAILABLE)
   * takes the team's newest state now, instead of at the end of its backoff; any other shares what
   * this machine holds, if it is newer than the team's (republish.ts).
   */
  #rejoinTeam(): void {
    const team = this.#options.coordinator;
    if (team?.health().state !== 'ok' || !this.#started || this.#stopped || !this.#options.store) return;
    for (const slot of this.#slots.values()) {
      if (slot.lastError?.code === codes.teamUnavailable)
        void this.#runner.refresh(slot, { minValidMs: 0, force: false, scheduled: true });
      else if (!slot.inFlight && team.shares(slot.definition)) {
        // Best effort: a failed republish leaves the token as it was, and the next refresh shares it.
        const sharing = republishUnderLock(this.#context, slot)
          .then(() => this.#emit())
          .catch(() => undefined);
        this.#background.add(sharing);
        void sharing.finally(() => this.#background.delete(sharing));
      }
    }
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

  #usable(held: HeldToken | undefined, minValidMs: number): held is HeldToken {
    return usable(held, minValidMs, this.#now());
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
