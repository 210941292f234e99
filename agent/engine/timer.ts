// The engine's timers. Node clamps a setTimeout delay above 2^31-1 ms (about 24.8 days) to 1 ms, so a
// token whose next refresh is 60 days away would fire at once, be rescheduled, fire again: a busy loop.
// Every engine timer therefore goes through armTimer, which never asks for more than `maxTimerDelayMs`
// and, on waking early, looks at the clock again and re-arms for the rest of the wait.

/** Below Node's 2^31-1 ms limit, with room to spare: 24 days. */
export const maxTimerDelayMs = 24 * 24 * 3_600_000;

/** The two timer functions the engine uses; tests inject a fake clock through this. */
export interface Timers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's own timers, left ref'd: a long-lived agent must stay alive while it waits for a refresh. */
export const nodeTimers: Timers = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};

export interface TimerHandle {
  /** When the callback is due, on the clock given to armTimer. */
  readonly at: number;
  /** Idempotent; after it the callback never runs. */
  cancel(): void;
}

/**
 * Calls `callback` once `now()` has reached `at`. The wait is cut into pieces of at most
 * `maxTimerDelayMs`; each piece re-reads the clock, so a clock that jumps (a suspended laptop, a test's
 * fake clock) is followed rather than trusted once. A due time in the past fires on the next turn.
 */
export function armTimer(
  at: number,
  now: () => number,
  callback: () => void,
  timers: Timers = nodeTimers,
): TimerHandle {
  let handle: unknown;
  let cancelled = false;
  const arm = (): void => {
    const delayMs = at - now();
    // NaN (a bad `at`) is caught here as well: it fails `> 0` and fires at once, never spins.
    if (!(delayMs > 0)) {
      handle = timers.setTimeout(fire, 0);
      return;
    }
    handle = timers.setTimeout(delayMs > maxTimerDelayMs ? arm : fire, Math.min(delayMs, maxTimerDelayMs));
  };
  const fire = (): void => {
    if (!cancelled) callback();
  };
  arm();
  return {
    at,
    cancel: () => {
      cancelled = true;
      timers.clearTimeout(handle);
    },
  };
}
