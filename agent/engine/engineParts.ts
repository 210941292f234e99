// How the engine's parts are put together: the save retrier, the refresh budget, the refresh context
// every grant reads, the slot runner and the optional signature checker, each wired to the engine
// through the hooks below. The engine (tokenEngine.ts) owns the slots, their lifecycle and the API.

import { JwtInfoCache } from '../base/jwtInfo';
import type { SecretStore } from '../store/secretStore';
import { adoptBudgets, BudgetBook, budgetRecords } from './budgetFile';
import type { EngineOptions } from './engineTypes';
import { SaveRetrier } from './pendingSave';
import type { LogLevel, RefreshContext } from './refresh';
import { SlotRunner } from './slotRunner';
import type { Timers } from './timer';
import type { TokenSlot } from './tokenSlot';
import { describeVerification, VerificationTracker } from './verificationTracker';

/** What the parts call back into the engine for; each reads the engine's state at call time. */
export interface EngineHooks {
  now: () => number;
  random: () => number;
  timers: Timers;
  store: () => SecretStore;
  log: (level: LogLevel, message: string) => void;
  redact: (text: string) => string;
  emit: () => void;
  /** The slots of the names defined now. */
  slots: () => Iterable<TokenSlot>;
  stopped: () => boolean;
  /** Whether the slot is still the engine's for its name (not removed or replaced). */
  live: (slot: TokenSlot) => boolean;
}

export interface EngineParts {
  saves: SaveRetrier;
  budgets: BudgetBook;
  context: RefreshContext;
  runner: SlotRunner;
  verifier: VerificationTracker | undefined;
}

export function engineParts(options: EngineOptions, hooks: EngineHooks): EngineParts {
  const { now, timers } = hooks;
  const saves = new SaveRetrier({
    store: () => hooks.store(),
    now,
    timers,
    log: (level, message) => hooks.log(level, message),
    changed: () => hooks.emit(),
  });
  const budgets = new BudgetBook({
    dataDir: options.dataDir,
    now,
    windowMs: 3_600_000,
    log: (level, message) => hooks.log(level, message),
    collect: () => budgetRecords(hooks.slots(), now()),
    adopt: (records, initial) => adoptBudgets(hooks.slots(), records, initial, now()),
  });
  const context: RefreshContext = {
    store: () => hooks.store(),
    coordinator: options.coordinator,
    dataDir: options.dataDir,
    lock: options.lock,
    discovered: new Map(),
    jwtInfo: new JwtInfoCache(),
    grantTimeoutMs: options.grantTimeoutMs ?? 30_000,
    fetch: options.fetch,
    now,
    log: (level, message) => hooks.log(level, message),
    redact: (text) => hooks.redact(text),
    budget: { sync: () => budgets.sync(), spent: () => budgets.persist() },
  };
  const runner = new SlotRunner({
    context,
    saves,
    budgets,
    timers,
    now,
    random: hooks.random,
    // Without a store nothing can be refreshed; the status already says what to fix.
    scheduling: () => options.schedule && !hooks.stopped() && options.store !== undefined,
    live: (slot) => hooks.live(slot),
    emit: () => hooks.emit(),
  });
  const verifier = options.verifyTokens
    ? new VerificationTracker({
        // The grants' discovery results are reused: the metadata names the key set as well.
        context: {
          discovered: context.discovered,
          keySets: new Map(),
          now,
          fetch: options.fetch,
        },
        onAnswer: (name, answer) => {
          hooks.log('debug', `token '${name}': ${describeVerification(answer)}`);
          hooks.emit();
        },
      })
    : undefined;
  return { saves, budgets, context, runner, verifier };
}
