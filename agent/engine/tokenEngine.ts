// The token engine: keeps every configured token fresh, refreshing each one exactly once per expiry
// however many callers ask. Inside the process, callers share one in-flight refresh; across
// processes on this machine, a lock file per token serialises refreshes, and whoever takes the lock
// re-reads the secret store first, since another process may have refreshed meanwhile.
import { type FSWatcher, watch } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuthorizationServer } from 'oauth4webapi';
import type { TokenState } from '../protocol';
import { appendAudit } from '../store/auditLog';
import { acquireLock, type LockHandle } from '../store/lockFile';
import type { SecretKind, SecretStore } from '../store/secretStore';
import { backoffDelay, retryAfterApplies, retryAfterMs } from './backoff';
import type { TokenDefinition } from './config';
import { codes, isTokenAgentError, TokenAgentError } from './errors';
import { GrantError } from './grants';
import { describeAccessToken } from './jwtInfo';
import { type Obtained, obtainToken } from './obtain';
import { nextRefreshAt } from './schedule';
import { estimateSkewMs } from './skew';
import { type HeldToken, type RefreshOutcome, type StoredAccessToken, TokenSlot } from './tokenSlot';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface EngineOptions {
  definitions: readonly TokenDefinition[];
  /** Undefined when the secret store could not be opened; `storeError` then says why. */
  store: SecretStore | undefined;
  storeError?: TokenAgentError;
  dataDir: string;
  /** Run background refresh timers (the long-lived agent); one-shot CLI calls leave this off. */
  schedule: boolean;
  now?: () => number;
  random?: () => number;
  fetch?: typeof fetch;
  grantTimeoutMs?: number;
  lock?: { staleAfterMs?: number; timeoutMs?: number; heartbeatMs?: number };
  log?: (level: LogLevel, message: string) => void;
}

export interface IssuedToken {
  accessToken: string;
  expiresAt?: number;
}

/** A command token that says nothing about its expiry is assumed to last this long. */
const unknownExpiryMs = 5 * 60_000;

export class TokenEngine {
  readonly #slots = new Map<string, TokenSlot>();
  readonly #listeners = new Set<() => void>();
  readonly #discovered = new Map<string, AuthorizationServer>();
  readonly #options: EngineOptions;
  readonly #now: () => number;
  readonly #random: () => number;
  #stopped = false;
  #peerWatcher: FSWatcher | undefined;
  #peerTimer: NodeJS.Timeout | undefined;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    for (const definition of options.definitions) this.#slots.set(definition.name, new TokenSlot(definition));
  }

  get storeError(): TokenAgentError | undefined {
    return this.#options.storeError;
  }

  names(): string[] {
    return [...this.#slots.keys()];
  }

  states(): TokenState[] {
    const now = this.#now();
    return [...this.#slots.values()].map((slot) => {
      const state = slot.toState(now);
      if (!this.#options.store && this.#options.storeError && !slot.current) {
        state.phase = 'error';
        state.lastError = { code: this.#options.storeError.code, message: this.#options.storeError.message };
      }
      return state;
    });
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Loads what the store holds and, when scheduling, arms the refresh timers. */
  async start(): Promise<void> {
    await Promise.all(
      [...this.#slots.values()].map((slot) => this.#load(slot).then(() => this.#schedule(slot))),
    );
    this.#emit();
  }

  stop(): void {
    this.#stopped = true;
    for (const slot of this.#slots.values()) clearTimeout(slot.timer);
    this.#peerWatcher?.close();
    clearTimeout(this.#peerTimer);
  }

  /**
   * Every refresh on this machine appends to the audit log, so watching it tells this agent at once
   * that another one (another VS Code window, a terminal call) stored a newer token.
   */
  async watchPeers(): Promise<void> {
    if (!this.#options.store || this.#peerWatcher || this.#stopped) return;
    await mkdir(this.#options.dataDir, { recursive: true, mode: 0o700 });
    this.#peerWatcher = watch(this.#options.dataDir, (_event, file) => {
      if (file !== 'audit.jsonl') return;
      clearTimeout(this.#peerTimer);
      this.#peerTimer = setTimeout(() => void this.#adoptFromPeers(), 100);
    });
    this.#peerWatcher.on('error', (error) =>
      this.#log('warn', `cannot watch for other agents: ${error.message}`),
    );
  }

  async #adoptFromPeers(): Promise<void> {
    for (const slot of this.#slots.values()) {
      if (slot.inFlight) continue;
      try {
        if (await this.#adoptStored(slot)) {
          this.#log('debug', `token '${slot.name}': picked up a token refreshed by another process`);
          this.#succeeded(slot);
          this.#schedule(slot);
          this.#emit();
        }
      } catch {
        // A failing store shows up on the next refresh, with a proper error; nothing to do here.
      }
    }
  }

  /** Stores a secret and acts on it at once: a new refresh token or client secret is tried right away. */
  async setSecret(name: string, kind: SecretKind, value: string): Promise<void> {
    await this.#store().set(name, kind, value);
    const slot = this.#slots.get(name);
    if (!slot) return;
    if (kind === 'static_token' || kind === 'access_token') {
      slot.current = undefined;
      await this.#adoptStored(slot);
      this.#succeeded(slot);
      this.#schedule(slot);
      this.#emit();
      return;
    }
    this.#succeeded(slot);
    await this.#refresh(slot, { minValidMs: 0, force: true });
  }

  /** Deletes every secret of a token and forgets its access token. */
  async removeSecrets(name: string): Promise<void> {
    await this.#store().delete(name);
    const slot = this.#slots.get(name);
    if (!slot) return;
    clearTimeout(slot.timer);
    slot.current = undefined;
    slot.nextRefreshAt = undefined;
    this.#emit();
  }

  state(name: string): TokenState {
    return this.#slot(name).toState(this.#now());
  }

  /** A token valid for at least `minValidSeconds` more, refreshing first when needed. */
  async get(name: string, options: { minValidSeconds?: number } = {}): Promise<IssuedToken> {
    const slot = this.#slot(name);
    const minValidMs = (options.minValidSeconds ?? 0) * 1000;
    await this.#load(slot);
    if (!this.#usable(slot.current, minValidMs)) {
      const outcome = await this.#refresh(slot, { minValidMs, force: false });
      if (!outcome.ok && !this.#usable(slot.current, minValidMs)) throw outcome.error;
    }
    const held = slot.current;
    if (!held || !this.#usable(held, minValidMs)) {
      throw (
        slot.lastError ??
        new TokenAgentError(
          codes.tokenExpired,
          `Token '${name}' could not be made valid for ${minValidMs / 1000}s.`,
        )
      );
    }
    return {
      accessToken: held.accessToken,
      ...(held.expiresAt !== undefined ? { expiresAt: held.expiresAt } : {}),
    };
  }

  /** Refreshes now, whatever the current token's validity. */
  async refresh(name: string): Promise<IssuedToken> {
    const slot = this.#slot(name);
    await this.#load(slot);
    const outcome = await this.#refresh(slot, { minValidMs: 0, force: true });
    if (!outcome.ok) throw outcome.error;
    const held = slot.current;
    if (!held)
      throw new TokenAgentError(codes.refreshFailed, `Token '${name}' has no access token after refreshing.`);
    return {
      accessToken: held.accessToken,
      ...(held.expiresAt !== undefined ? { expiresAt: held.expiresAt } : {}),
    };
  }

  #slot(name: string): TokenSlot {
    const slot = this.#slots.get(name);
    if (!slot) {
      const known = this.names();
      throw new TokenAgentError(
        codes.tokenUnknown,
        `No token named '${name}' is configured${known.length ? ` (known: ${known.join(', ')})` : ''}.`,
      );
    }
    return slot;
  }

  #store(): SecretStore {
    const store = this.#options.store;
    if (!store) {
      throw (
        this.#options.storeError ??
        new TokenAgentError(codes.storeUnavailable, 'No secret store is available.')
      );
    }
    return store;
  }

  #usable(held: HeldToken | undefined, minValidMs: number): held is HeldToken {
    return held !== undefined && (held.expiresAt === undefined || held.expiresAt - this.#now() >= minValidMs);
  }

  /** Reads the store once per slot; later reads happen under the lock, where they matter. */
  #load(slot: TokenSlot): Promise<void> {
    const loading =
      slot.loaded ??
      this.#adoptStored(slot).then(
        () => undefined,
        (error: unknown) => {
          // Forget the failed load so the next caller tries again (the store may come back).
          slot.loaded = undefined;
          slot.lastError = toCoded(error);
        },
      );
    slot.loaded = loading;
    return loading;
  }

  /** Takes the stored token when it is not the one held and lives at least as long. */
  async #adoptStored(slot: TokenSlot): Promise<boolean> {
    const store = this.#store();
    if (slot.definition.type === 'static') {
      const token = await store.get(slot.name, 'static_token');
      if (!token || token === slot.current?.accessToken) return false;
      slot.current = this.#hold(token, {});
      return true;
    }
    const raw = await store.get(slot.name, 'access_token');
    if (!raw) return false;
    let stored: StoredAccessToken;
    try {
      stored = JSON.parse(raw) as StoredAccessToken;
    } catch {
      this.#log('warn', `token '${slot.name}': the stored access token is unreadable; it will be replaced`);
      return false;
    }
    if (typeof stored.accessToken !== 'string' || stored.accessToken === slot.current?.accessToken)
      return false;
    if ((stored.expiresAt ?? Number.POSITIVE_INFINITY) < (slot.current?.expiresAt ?? 0)) return false;
    slot.current = this.#hold(stored.accessToken, {
      ...(stored.expiresAt !== undefined ? { expiresAt: stored.expiresAt } : {}),
      ...(stored.issuedAt !== undefined ? { issuedAt: stored.issuedAt } : {}),
    });
    return true;
  }

  #hold(accessToken: string, known: { expiresAt?: number; issuedAt?: number }): HeldToken {
    const description = describeAccessToken(accessToken, { nowMs: this.#now() });
    const expiresAt = known.expiresAt ?? description.expiresAtMs;
    const issuedAt = known.issuedAt ?? description.jwt?.issuedAtMs;
    return {
      accessToken,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      ...(issuedAt !== undefined ? { issuedAt } : {}),
      ...(description.jwt ? { jwt: description.jwt } : {}),
    };
  }

  /** One refresh per slot at a time: later callers join the one in flight. */
  async #refresh(
    slot: TokenSlot,
    want: { minValidMs: number; force: boolean; scheduled?: boolean },
  ): Promise<RefreshOutcome> {
    if (slot.inFlight) {
      const joined = await slot.inFlight;
      if (want.force || this.#usable(slot.current, want.minValidMs) || !joined.ok) return joined;
    }
    const tokenBefore = slot.current?.accessToken;
    const running = this.#refreshUnderLock(slot, want, tokenBefore);
    slot.inFlight = running;
    try {
      return await running;
    } finally {
      slot.inFlight = undefined;
    }
  }

  async #refreshUnderLock(
    slot: TokenSlot,
    want: { minValidMs: number; force: boolean; scheduled?: boolean },
    tokenBefore: string | undefined,
  ): Promise<RefreshOutcome> {
    slot.refreshing = true;
    this.#emit();
    let lock: LockHandle | undefined;
    try {
      const store = this.#store();
      lock = await this.#lock(slot.name);
      // Another process may have refreshed while we waited for the lock.
      const adopted = await this.#adoptStored(slot);
      if (
        adopted &&
        slot.current?.accessToken !== tokenBefore &&
        this.#usable(slot.current, want.minValidMs)
      ) {
        this.#log('debug', `token '${slot.name}': another process refreshed it; reusing that token`);
        this.#succeeded(slot);
        return { ok: true };
      }
      const refreshDue = want.scheduled && (slot.refreshPoint() ?? 0) <= this.#now();
      if (!want.force && !refreshDue && this.#usable(slot.current, want.minValidMs)) return { ok: true };

      const now = this.#now();
      if (!slot.budget.canSpend(now)) {
        throw new TokenAgentError(
          codes.refreshBudgetExhausted,
          `Token '${slot.name}' was refreshed ${slot.budget.limit} times in the last hour; the next refresh is allowed at ${new Date(slot.budget.resetsAt(now)).toISOString()}.`,
        );
      }
      slot.budget.spend(now);
      const obtained = await this.#obtainWithReuseCheck(slot, store);
      // Rotation: the new refresh token is stored before anything else, so that a crash from here
      // on leaves the store holding the only refresh token the server still accepts.
      if (obtained.rotatedRefreshToken)
        await store.set(slot.name, 'refresh_token', obtained.rotatedRefreshToken);
      const held = this.#accept(slot, obtained);
      if (slot.definition.type !== 'static') {
        const stored: StoredAccessToken = {
          accessToken: held.accessToken,
          obtainedAt: obtained.responseReceivedAt,
          ...(held.expiresAt !== undefined ? { expiresAt: held.expiresAt } : {}),
          ...(held.issuedAt !== undefined ? { issuedAt: held.issuedAt } : {}),
        };
        await store.set(slot.name, 'access_token', JSON.stringify(stored));
      }
      slot.current = held;
      slot.lastRefreshAt = obtained.responseReceivedAt;
      this.#succeeded(slot);
      await this.#audit({
        token: slot.name,
        outcome: 'refreshed',
        ...(held.jwt?.jti ? { jti: held.jwt.jti } : {}),
        ...(held.expiresAt !== undefined ? { exp: Math.floor(held.expiresAt / 1000) } : {}),
      });
      this.#log(
        'info',
        `token '${slot.name}' refreshed; expires ${held.expiresAt ? new Date(held.expiresAt).toISOString() : 'never (unknown)'}`,
      );
      return { ok: true };
    } catch (error) {
      const coded = toCoded(error);
      slot.lastError = coded;
      slot.failures += 1;
      if (coded.code === codes.needsSignIn) slot.needsSignIn = true;
      this.#log('warn', `token '${slot.name}': refresh failed: ${coded.code}: ${coded.message}`);
      await this.#audit({
        token: slot.name,
        outcome: slot.needsSignIn ? 'needs-sign-in' : 'failed',
        error: coded.code,
      });
      return { ok: false, error: coded };
    } finally {
      await lock?.release().catch(() => undefined);
      slot.refreshing = false;
      this.#schedule(slot);
      this.#emit();
    }
  }

  /**
   * `invalid_grant` may only mean that another process rotated the refresh token between our read
   * and our request: if the store now holds a different one, try once more with it.
   */
  async #obtainWithReuseCheck(slot: TokenSlot, store: SecretStore): Promise<Obtained> {
    const context = {
      store,
      discovered: this.#discovered,
      grant: {
        timeoutMs: this.#options.grantTimeoutMs ?? 30_000,
        now: this.#now,
        ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
      },
    };
    const usedRefreshToken =
      slot.definition.type === 'oauth2-refresh-token'
        ? await store.get(slot.name, 'refresh_token')
        : undefined;
    try {
      return await obtainToken(slot.definition, context);
    } catch (error) {
      if (!(error instanceof GrantError && error.details.oauthError === 'invalid_grant')) throw error;
      const latest = await store.get(slot.name, 'refresh_token');
      if (latest === undefined || latest === usedRefreshToken) throw error;
      this.#log(
        'info',
        `token '${slot.name}': refresh token was rotated elsewhere; retrying once with the new one`,
      );
      return obtainToken(slot.definition, context);
    }
  }

  #accept(slot: TokenSlot, obtained: Obtained): HeldToken {
    const jwtIat = describeAccessToken(obtained.accessToken, { nowMs: obtained.requestStartedAt }).jwt
      ?.issuedAtMs;
    slot.skewMs = estimateSkewMs({
      ...(obtained.dateHeader ? { dateHeader: obtained.dateHeader } : {}),
      ...(jwtIat !== undefined ? { issuedAtSeconds: jwtIat / 1000 } : {}),
      requestStartMs: obtained.requestStartedAt,
      requestEndMs: obtained.responseReceivedAt,
    });
    const description = describeAccessToken(obtained.accessToken, {
      nowMs: obtained.requestStartedAt,
      skewMs: slot.skewMs,
      ...(obtained.expiresInSeconds !== undefined ? { expiresInSeconds: obtained.expiresInSeconds } : {}),
    });
    const expiresAt =
      description.expiresAtMs ??
      (slot.definition.type === 'command' ? obtained.requestStartedAt + unknownExpiryMs : undefined);
    const issuedAt =
      description.jwt?.issuedAtMs !== undefined
        ? description.jwt.issuedAtMs - slot.skewMs
        : obtained.requestStartedAt;
    return {
      accessToken: obtained.accessToken,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      issuedAt,
      ...(description.jwt ? { jwt: description.jwt } : {}),
    };
  }

  #succeeded(slot: TokenSlot): void {
    slot.failures = 0;
    slot.lastError = undefined;
    slot.needsSignIn = false;
  }

  #schedule(slot: TokenSlot): void {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.nextRefreshAt = undefined;
    // Without a store nothing can be refreshed; the status already says what to fix.
    if (!this.#options.schedule || this.#stopped || slot.needsSignIn || !this.#options.store) return;
    const now = this.#now();
    let at: number | undefined;
    const error = slot.lastError;
    if (error && slot.failures > 0 && slot.definition.type !== 'static') {
      const backoff = backoffDelay({ attempt: slot.failures, random: this.#random });
      const details = error instanceof GrantError ? error.details : {};
      const serverWait =
        details.status !== undefined && retryAfterApplies(details.status)
          ? retryAfterMs(details.retryAfter, now)
          : undefined;
      at = now + Math.max(backoff, serverWait ?? 0);
      if (error.code === codes.refreshBudgetExhausted) at = slot.budget.resetsAt(now);
    } else if (!slot.current && slot.definition.type !== 'static') {
      // Nothing held yet (first start, or only a refresh token stored): fetch one now.
      at = now;
    } else if (slot.current?.expiresAt !== undefined && slot.definition.type !== 'static') {
      at = nextRefreshAt({
        expiresAtMs: slot.current.expiresAt,
        nowMs: now,
        refreshBeforeSeconds: slot.definition.refreshBeforeSeconds,
        jitter: this.#random,
        ...(slot.current.issuedAt !== undefined ? { issuedAtMs: slot.current.issuedAt } : {}),
      });
    }
    if (at === undefined) return;
    slot.nextRefreshAt = at;
    slot.timer = setTimeout(
      () => {
        void this.#refresh(slot, { minValidMs: 0, force: false, scheduled: true });
      },
      Math.max(0, at - now),
    );
  }

  async #lock(name: string): Promise<LockHandle> {
    const dir = join(this.#options.dataDir, 'locks');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return acquireLock({ path: join(dir, `${name}.lock`), ...this.#options.lock });
  }

  async #audit(entry: Parameters<typeof appendAudit>[1]): Promise<void> {
    try {
      await appendAudit(this.#options.dataDir, entry);
    } catch (error) {
      this.#log('warn', `could not write the audit log: ${(error as Error).message}`);
    }
  }

  #log(level: LogLevel, message: string): void {
    this.#options.log?.(level, message);
  }

  #emit(): void {
    for (const listener of this.#listeners) listener();
  }
}

function toCoded(error: unknown): TokenAgentError {
  if (isTokenAgentError(error)) return error;
  return new TokenAgentError(
    codes.refreshFailed,
    `Refresh failed: ${(error as Error)?.message ?? String(error)}`,
    { cause: error },
  );
}
