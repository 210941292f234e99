// Nothing received is dropped. When the secret store refuses a write (a locked keyring, a Secret
// Service daemon that restarted, a full disk) after the token endpoint answered, the new secrets stay
// in the slot's memory: the rotated refresh token above all, since the provider has already retired
// the stored one and presenting that again makes a rotating provider revoke the whole grant. The slot
// hands out the new access token anyway, every later refresh presents the in-memory refresh token
// (refresh.ts), the status says what is unsaved, and SaveRetrier writes again in the background.

import { codes, isTokenAgentError, TokenAgentError } from '../base/errors';
import { redactOutside } from '../base/redact';
import type { SecretStore } from '../store/secretStore';
import { type PendingKind, type PendingSave, pendingState } from './pendingState';
import { armTimer, type TimerHandle, type Timers } from './timer';
import type { TokenSlot } from './tokenSlot';

export { type PendingKind, type PendingSave, pendingState };

/** The first background retry waits this long, doubling up to `maxRetryDelayMs`. */
export const firstRetryDelayMs = 1_000;
export const maxRetryDelayMs = 30_000;

export function retryDelayMs(retries: number): number {
  return Math.min(maxRetryDelayMs, firstRetryDelayMs * 2 ** Math.min(retries, 16));
}

/**
 * Writes one secret the token endpoint just gave, after any write of this token still running. On
 * failure the value is kept in `slot.pending` instead of being lost; returns whether it was saved.
 */
export function saveOrKeep(
  slot: TokenSlot,
  store: SecretStore,
  kind: PendingKind,
  value: string,
  now: () => number,
): Promise<boolean> {
  return slot.serialWrite(async () => {
    try {
      await store.set(slot.name, kind, value);
      // This value is newer than any kept one of its kind, which must then never be written.
      forgetPending(slot, kind);
      return true;
    } catch (error) {
      const pending = slot.pending ?? { values: {}, since: now(), error: asStoreError(error), retries: 0 };
      pending.values[kind] = value;
      pending.error = asStoreError(error);
      slot.pending = pending;
      return false;
    }
  });
}

/** Drops a kept value that something newer replaced (a sign-in, a secret the user set). */
export function forgetPending(slot: TokenSlot, kind?: PendingKind): void {
  const pending = slot.pending;
  if (!pending) return;
  if (kind === undefined) pending.values = {};
  else delete pending.values[kind];
  if (Object.keys(pending.values).length === 0) slot.pending = undefined;
}

/** Writes every kept value once more, the refresh token first; true when nothing is left unsaved. */
export function flushSlot(slot: TokenSlot, store: SecretStore): Promise<boolean> {
  return slot.serialWrite(async () => {
    for (const kind of ['refresh_token', 'access_token'] as const) {
      const value = slot.pending?.values[kind];
      if (value === undefined) continue;
      try {
        await store.set(slot.name, kind, value);
      } catch (error) {
        if (slot.pending) slot.pending.error = asStoreError(error);
        return false;
      }
      // Only this value is forgotten: a refresh may have kept a newer one meanwhile (it waits for this
      // write before its own, so the newer one is written after this one).
      if (slot.pending?.values[kind] === value) forgetPending(slot, kind);
    }
    return slot.pending === undefined;
  });
}

/** Any refusal is "not now" (ERR_STORE_UNAVAILABLE unless coded); the store's own words are redacted. */
function asStoreError(error: unknown): TokenAgentError {
  if (isTokenAgentError(error)) return error;
  return new TokenAgentError(
    codes.storeUnavailable,
    `The secret store refused the write (${redactOutside((error as Error)?.message ?? String(error))}).`,
    { cause: error },
  );
}

export interface SaveRetrierOptions {
  store: () => SecretStore;
  now: () => number;
  timers: Timers;
  log: (level: 'debug' | 'info' | 'warn', message: string) => void;
  /** Called whenever a slot's pending state changed (saved, or failed again with another reason). */
  changed: () => void;
}

/**
 * Retries the kept writes of each slot in the background, 1 s doubling to 30 s. Its timers stay ref'd
 * (an agent with an unsaved refresh token must not exit quietly) and are cleared by stop().
 */
export class SaveRetrier {
  readonly #options: SaveRetrierOptions;
  readonly #timers = new Map<TokenSlot, TimerHandle>();
  readonly #running = new Set<Promise<unknown>>();
  #stopped = false;

  constructor(options: SaveRetrierOptions) {
    this.#options = options;
  }

  /** Arms a retry for a slot with unsaved secrets, unless one is armed already. */
  watch(slot: TokenSlot): void {
    const pending = slot.pending;
    if (!pending || this.#stopped || this.#timers.has(slot)) return;
    if (pending.retries === 0) {
      this.#options.log(
        'warn',
        `token '${slot.name}': ${pendingState(pending).message}; retrying in the background`,
      );
    }
    const { now, timers } = this.#options;
    const at = now() + retryDelayMs(pending.retries);
    this.#timers.set(
      slot,
      armTimer(at, now, () => this.#retry(slot), timers),
    );
  }

  /** Stops retrying a slot (its secrets were removed, or saved by other means). */
  forget(slot: TokenSlot): void {
    this.#timers.get(slot)?.cancel();
    this.#timers.delete(slot);
  }

  /** Resolves once no background write is running. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /**
   * One last try for every slot given, within `timeoutMs`; the names still unsaved afterwards. Works
   * after stop(), which is when a stopping agent calls it.
   */
  async flush(slots: Iterable<TokenSlot>, timeoutMs: number): Promise<string[]> {
    const waiting = [...slots].filter((slot) => slot.pending);
    // A real timer, not the injected clock: this bounds how long a stopping process waits.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    try {
      await Promise.race([
        Promise.allSettled(waiting.map((slot) => this.#track(this.#attempt(slot)))),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
    return waiting.filter((slot) => slot.pending).map((slot) => slot.name);
  }

  stop(): void {
    this.#stopped = true;
    for (const handle of this.#timers.values()) handle.cancel();
    this.#timers.clear();
  }

  #retry(slot: TokenSlot): void {
    this.#timers.delete(slot);
    void this.#track(
      this.#attempt(slot).then((saved) => {
        if (saved || !slot.pending) return;
        slot.pending.retries += 1;
        this.watch(slot);
      }),
    );
  }

  async #attempt(slot: TokenSlot): Promise<boolean> {
    const before = slot.pending && pendingState(slot.pending).message;
    let saved = false;
    try {
      saved = await flushSlot(slot, this.#options.store());
    } catch (error) {
      // No store at all: the same as a refused write, kept for the next try.
      if (slot.pending) slot.pending.error = asStoreError(error);
    }
    if (saved) {
      this.forget(slot);
      this.#options.log('info', `token '${slot.name}': the kept secrets are now in the secret store`);
      this.#options.changed();
    } else if (slot.pending && pendingState(slot.pending).message !== before) {
      this.#options.changed();
    }
    return saved;
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#running.add(work);
    void work.finally(() => this.#running.delete(work)).catch(() => undefined);
    return work;
  }
}
