// What the engine reports about its tokens, and what it must mask in what it says: each slot's state
// with its signature check, the store's error where no token could be loaded, and the secrets the
// engine holds right now for the redactor. The engine (tokenEngine.ts) owns the slots.

import type { TokenAgentError } from '../base/errors';
import type { TokenState } from '../protocol';
import type { SecretWitness } from './secretWitness';
import type { TokenSlot } from './tokenSlot';
import type { VerificationTracker } from './verificationTracker';

export interface StatusParts {
  verifier: VerificationTracker | undefined;
  redact: (text: string) => string;
}

/** The state of every slot, as the status reports it: redacted, with the store's error where it bites. */
export function reportedStates(
  slots: Iterable<TokenSlot>,
  now: number,
  store: { open: boolean; error: TokenAgentError | undefined },
  parts: StatusParts,
): TokenState[] {
  return [...slots].map((slot) => {
    const state = stateOf(slot, now, parts);
    if (!store.open && store.error && !slot.current) {
      state.phase = 'error';
      state.lastError = { code: store.error.code, message: store.error.message };
    }
    if (state.lastError) state.lastError.message = parts.redact(state.lastError.message);
    if (state.pendingSave) state.pendingSave.message = parts.redact(state.pendingSave.message);
    return state;
  });
}

export function stateOf(slot: TokenSlot, now: number, { verifier, redact }: StatusParts): TokenState {
  const state = slot.toState(now);
  // Only an answer about the token held right now: the tracker matches it by the token's digest.
  const verification = verifier?.answer(slot.name, slot.current?.accessToken);
  // A failed check's reason may quote the issuer's answer: it passes the redactor like the rest.
  if (verification)
    state.verification =
      'reason' in verification ? { ...verification, reason: redact(verification.reason) } : verification;
  return state;
}

/**
 * Every secret the engine holds right now: access tokens, what the store has not taken yet, and the
 * refresh tokens and client secrets it last read or wrote.
 */
export function heldSecrets(witness: SecretWitness, slots: Iterable<TokenSlot>): string[] {
  const held: string[] = witness.values();
  for (const slot of slots) {
    if (slot.current) held.push(slot.current.accessToken);
    const pending = slot.pending?.values;
    if (pending?.refresh_token) held.push(pending.refresh_token);
    if (pending?.access_token) held.push(pending.access_token);
  }
  return held;
}
