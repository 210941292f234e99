// What a secret written or deleted by the user (or a sign-in) does to a defined token's slot: it
// waits for the slot's writes in flight, replaces what was kept unsaved, and is acted on at once.
// The engine (tokenEngine.ts) handles names it does not define by writing to the store alone.

import type { SecretKind, SecretStore } from '../store/secretStore';
import { adoptStored } from './adopt';
import { forgetPending, type SaveRetrier } from './pendingSave';
import type { RefreshContext } from './refresh';
import type { SlotRunner } from './slotRunner';
import type { TokenSlot } from './tokenSlot';

export interface SecretWriteParts {
  context: RefreshContext;
  saves: SaveRetrier;
  runner: SlotRunner;
  emit: () => void;
}

/** Stores a secret and acts on it at once: a new refresh token or client secret is tried right away. */
export async function setSlotSecret(
  parts: SecretWriteParts,
  slot: TokenSlot,
  store: SecretStore,
  kind: SecretKind,
  value: string,
): Promise<void> {
  const { context, saves, runner } = parts;
  // After any write of this token still running, so that a kept older secret cannot overwrite it.
  await slot.serialWrite(() => store.set(slot.name, kind, value));
  // The user's (or a sign-in's) secret replaces whatever was kept unsaved of the same kind.
  if (kind === 'refresh_token' || kind === 'access_token') forgetPending(slot, kind);
  if (kind === 'static_token') forgetPending(slot, 'access_token');
  if (!slot.pending) saves.forget(slot);
  if (kind === 'static_token' || kind === 'access_token') {
    slot.current = undefined;
    await adoptStored(context, slot);
    slot.markSucceeded();
    runner.schedule(slot);
    parts.emit();
    return;
  }
  slot.markSucceeded();
  // Found by the fault suite: a new agent's first refresh (with no refresh token yet) was still in
  // flight when the user's refresh token arrived, and joining it reported "needs sign-in" for good.
  await runner.refresh(slot, { minValidMs: 0, force: true, afterInFlight: true });
}

/** Deletes every secret of a token and forgets its access token. */
export async function removeSlotSecrets(
  parts: SecretWriteParts,
  slot: TokenSlot,
  store: SecretStore,
): Promise<void> {
  await slot.serialWrite(() => store.delete(slot.name));
  // Kept secrets of a removed token must not be written back by a later retry.
  forgetPending(slot);
  parts.saves.forget(slot);
  slot.timer?.cancel();
  slot.current = undefined;
  slot.nextRefreshAt = undefined;
  parts.emit();
}
