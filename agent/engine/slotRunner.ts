// The machinery behind each slot: loading it from the store once, one refresh at a time (later
// callers join the one in flight), the timer of its next background refresh, and the hand-over to a
// new slot when its definition changes. The engine (tokenEngine.ts) owns the slots and the public API.
import { redactError } from '../base/redact';
import { adoptStored } from './adopt';
import type { BudgetBook } from './budgetFile';
import { takeOver } from './definitions';
import type { SaveRetrier } from './pendingSave';
import { type RefreshContext, type RefreshWant, refreshUnderLock, toCoded, usable } from './refresh';
import { plannedRefreshAt } from './refreshPlan';
import { restoreMark } from './rotationMark';
import { armTimer, type Timers } from './timer';
import type { HeldToken, RefreshOutcome, TokenSlot } from './tokenSlot';

export interface SlotRunnerOptions {
  context: RefreshContext;
  saves: SaveRetrier;
  budgets: BudgetBook;
  timers: Timers;
  now: () => number;
  random: () => number;
  /** Whether background refreshes run at all: a scheduling engine, with a store, not stopped. */
  scheduling: () => boolean;
  /** Whether the slot is still the engine's for its name (not removed or replaced). */
  live: (slot: TokenSlot) => boolean;
  emit: () => void;
}

export class SlotRunner {
  readonly #o: SlotRunnerOptions;

  constructor(options: SlotRunnerOptions) {
    this.#o = options;
  }

  #usable(held: HeldToken | undefined, minValidMs: number): held is HeldToken {
    return usable(held, minValidMs, this.#o.now());
  }

  /** Reads the store once per slot; later reads happen under the lock, where they matter. */
  load(slot: TokenSlot): Promise<void> {
    const context = this.#o.context;
    const loading =
      slot.loaded ??
      adoptStored(context, slot).then(
        // A refresh token a failed refresh may have retired is reported from the start (rotationMark.ts).
        () => restoreMark(context, slot),
        (error: unknown) => {
          // Forget the failed load so the next caller tries again (the store may come back).
          slot.loaded = undefined;
          // The store's words (D-Bus, the file system) pass the redactor like a refresh's.
          slot.lastError = redactError(toCoded(error), this.#o.context.redact);
        },
      );
    slot.loaded = loading;
    return loading;
  }

  /** One refresh per slot at a time: later callers join the one in flight. */
  async refresh(slot: TokenSlot, want: RefreshWant): Promise<RefreshOutcome> {
    // Loop: several callers may wake from the same refresh; only one of them may start the next.
    while (slot.inFlight) {
      const joined = await slot.inFlight;
      if (want.afterInFlight) continue;
      const minValidMs = slot.effectiveMinValidMs(want.minValidMs);
      if (want.force || this.#usable(slot.current, minValidMs) || !joined.ok) return joined;
    }
    const tokenBefore = slot.current?.accessToken;
    slot.refreshing = true;
    this.#o.emit();
    const failuresBefore = slot.failures;
    // The budget spent before a restart counts: budget.json is read before the first refresh. Inside
    // the promise, so that `inFlight` is set in this turn and every later caller joins this refresh.
    const running = this.#o.budgets
      .ready()
      .then(() => refreshUnderLock(this.#o.context, slot, want, tokenBefore))
      .finally(() => {
        slot.refreshing = false;
        this.#o.saves.watch(slot);
        this.schedule(slot);
        this.#o.emit();
        // The failures in a row and the next try, for an agent that restarts during a backoff; saved
        // before callers hear the outcome. (The spent refresh itself was saved before the request.)
        return slot.failures !== failuresBefore ? this.#o.budgets.persist() : undefined;
      });
    slot.inFlight = running;
    try {
      return await running;
    } finally {
      if (slot.inFlight === running) slot.inFlight = undefined;
    }
  }

  schedule(slot: TokenSlot): void {
    slot.timer?.cancel();
    slot.timer = undefined;
    slot.nextRefreshAt = undefined;
    // Without a store nothing can be refreshed; the status already says what to fix. A slot that was
    // removed or replaced (setDefinitions) is never scheduled again.
    if (!this.#o.scheduling() || slot.needsSignIn || !this.#o.live(slot)) return;
    const at = plannedRefreshAt(slot, this.#o.now(), this.#o.random);
    if (at === undefined) return;
    slot.nextRefreshAt = at;
    // armTimer, not setTimeout: a refresh 60 days away must wait, not spin (timer.ts).
    slot.timer = armTimer(
      at,
      this.#o.now,
      () => void this.refresh(slot, { minValidMs: 0, force: false, scheduled: true }),
      this.#o.timers,
    );
  }

  /** `slot` replaces `old`, taking over what still holds and the end of a refresh `old` has in flight. */
  succeed(old: TokenSlot, slot: TokenSlot, now: number): void {
    old.timer?.cancel();
    this.#o.saves.forget(old);
    takeOver(old, slot, now);
    if (!old.inFlight) return;
    slot.refreshing = true;
    const chained = old.inFlight.then((outcome) => {
      takeOver(old, slot, this.#o.now());
      return outcome;
    });
    slot.inFlight = chained;
    void chained
      .finally(() => {
        if (slot.inFlight === chained) slot.inFlight = undefined;
        slot.refreshing = false;
        this.#o.saves.forget(old);
        this.#o.saves.watch(slot);
        this.schedule(slot);
        this.#o.emit();
      })
      // A refresh reports its failure as an outcome; whoever awaits `chained` hears anything else.
      .catch(() => undefined);
  }
}
