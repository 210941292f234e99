// What a change of definitions does to the engine's slots, by name: new slots for new and changed
// names (keeping the held token when the grant is the same, definitions.ts), and detached slots for
// removed names whose refresh or kept secrets have not ended yet. The engine (tokenEngine.ts) owns
// the slots and tracks the loading this starts, which idle() waits for.

import type { TokenDefinition } from '../config/types';
import { diffDefinitions, reorder } from './definitions';
import type { SaveRetrier } from './pendingSave';
import type { SlotRunner } from './slotRunner';
import { TokenSlot } from './tokenSlot';

export interface RedefineParts {
  /** The slots of the names defined now, in the definitions' order; changed in place. */
  slots: Map<string, TokenSlot>;
  /** Slots of names no longer defined whose refresh or kept secrets have not ended yet. */
  detached: Set<TokenSlot>;
  runner: SlotRunner;
  saves: SaveRetrier;
  now: number;
}

/** Lets go of the detached slots whose refresh and kept secrets have ended. */
export function pruneDetached(detached: Set<TokenSlot>): void {
  for (const slot of detached) if (!slot.inFlight && !slot.pending) detached.delete(slot);
}

/**
 * Changes the slots to match `definitions`; undefined when nothing changed. Otherwise resolves once
 * the new slots are loaded and scheduled (when `load`, i.e. the engine is started and not stopped).
 */
export function redefine(
  parts: RedefineParts,
  definitions: readonly TokenDefinition[],
  load: boolean,
): Promise<unknown> | undefined {
  const { slots, detached, runner, saves, now } = parts;
  const { removed, changed } = diffDefinitions(slots, definitions);
  if (removed.length === 0 && changed.length === 0) return undefined;
  pruneDetached(detached);
  for (const slot of removed) {
    slot.timer?.cancel();
    slot.nextRefreshAt = undefined;
    // A removed token's kept refresh token is still the live one: its retries go on until saved.
    if (slot.inFlight || slot.pending) detached.add(slot);
  }
  const added: TokenSlot[] = [];
  for (const { definition, old } of changed) {
    const slot = new TokenSlot(definition);
    // A name removed a moment ago and back again: its old slot may still hold the live refresh token.
    const previous = old ?? [...detached].find((each) => each.name === definition.name);
    if (previous) {
      detached.delete(previous);
      runner.succeed(previous, slot, now);
    }
    added.push(slot);
  }
  reorder(slots, definitions, added);
  return Promise.all(
    added.map((slot) =>
      load
        ? runner.load(slot).then(() => {
            saves.watch(slot);
            runner.schedule(slot);
          })
        : undefined,
    ),
  );
}
