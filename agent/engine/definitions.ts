// Changing the token definitions of a running engine in place (TokenEngine.setDefinitions): which
// slots stay, which go, and what a changed definition's new slot takes over from the old one.
import type { TokenDefinition } from '../config/types';
import type { TokenSlot } from './tokenSlot';

/** Deep equality of two definitions: plain JSON data, so key order does not matter. */
export function sameDefinition(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  // An absent key and a key set to undefined mean the same in a definition.
  const keys = (value: Record<string, unknown>) =>
    Object.keys(value).filter((key) => value[key] !== undefined);
  const leftKeys = keys(left);
  if (leftKeys.length !== keys(right).length) return false;
  return leftKeys.every((key) => Object.hasOwn(right, key) && sameDefinition(left[key], right[key]));
}

/**
 * Whether an access token obtained under `before` is still one of `after`: the same kind of grant at
 * the same token endpoint or issuer for the same client (and, for a command token, the same command).
 * Anything else (a scope, the refresh lead, the budget) changes how the next token is obtained, not
 * whether the held one is still good.
 */
export function sameGrant(before: TokenDefinition, after: TokenDefinition): boolean {
  const source = (definition: TokenDefinition) => ({
    type: definition.type,
    tokenEndpoint: 'tokenEndpoint' in definition ? definition.tokenEndpoint : undefined,
    issuer: 'issuer' in definition ? definition.issuer : undefined,
    clientId: 'clientId' in definition ? definition.clientId : undefined,
    command: definition.type === 'command' ? definition.command : undefined,
  });
  return sameDefinition(source(before), source(after));
}

/** Puts `added` into `slots` and orders them as `definitions` (the order names() and states() use). */
export function reorder(
  slots: Map<string, TokenSlot>,
  definitions: readonly TokenDefinition[],
  added: readonly TokenSlot[],
): void {
  const replaced = new Map(added.map((slot) => [slot.name, slot]));
  const kept = new Map(slots);
  slots.clear();
  for (const { name } of definitions) {
    const slot = replaced.get(name) ?? kept.get(name);
    if (slot) slots.set(name, slot);
  }
}

export interface DefinitionsDiff {
  /** Names no longer defined. */
  removed: TokenSlot[];
  /** Definitions that are new or changed, with the slot they replace, if any. */
  changed: { definition: TokenDefinition; old: TokenSlot | undefined }[];
}

export function diffDefinitions(
  slots: ReadonlyMap<string, TokenSlot>,
  definitions: readonly TokenDefinition[],
): DefinitionsDiff {
  const names = new Set(definitions.map((definition) => definition.name));
  const removed = [...slots.values()].filter((slot) => !names.has(slot.name));
  const changed = definitions.flatMap((definition) => {
    const old = slots.get(definition.name);
    return old && sameDefinition(old.definition, definition) ? [] : [{ definition, old }];
  });
  return { removed, changed };
}

/**
 * What the new slot of a changed definition takes over from the old one. Always: the refreshes spent
 * (a config edit must not reset the budget), the secrets kept unsaved (they are the store entries of
 * this name, and the rotated refresh token among them is the only live one) and the queue of store
 * writes. With the same grant, also the held token and the refresh state; with another grant, stored
 * access tokens obtained until now belong to the old one and are not adopted. Called when the slot is
 * replaced and again when a refresh the old slot had in flight has ended, so it takes that one's end.
 */
export function takeOver(old: TokenSlot, slot: TokenSlot, now: number): void {
  slot.inheritWrites(old);
  slot.budget.restore(old.budget.spentTimes(now), now);
  if (old.pending) {
    slot.pending = old.pending;
    old.pending = undefined;
  }
  if (!sameGrant(old.definition, slot.definition)) {
    slot.ignoreStoredBefore = now;
    return;
  }
  slot.current = old.current;
  slot.loaded = old.loaded;
  slot.skewMs = old.skewMs;
  slot.lastRefreshAt = old.lastRefreshAt;
  slot.lastError = old.lastError;
  slot.failures = old.failures;
  slot.needsSignIn = old.needsSignIn;
  slot.backoffUntil = old.backoffUntil;
}
