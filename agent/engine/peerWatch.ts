// Every refresh on this machine appends a line to the audit log, so watching the data folder tells an
// agent at once that another one (another VS Code window, a terminal call) stored a newer token.
import { type FSWatcher, watch } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { auditFileName } from '../store/auditLog';
import { adoptStored } from './adopt';
import type { RefreshContext } from './engineTypes';
import type { TokenSlot } from './tokenSlot';

/** Watches the audit log; calls back at most once per 100 ms burst of appends. */
export class PeerWatch {
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    readonly dataDir: string,
    readonly warn: (message: string) => void,
  ) {}

  async start(onAppend: () => Promise<void>): Promise<void> {
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    if (this.#closed) return;
    this.#watcher = watch(this.dataDir, (_event, file) => {
      if (file !== auditFileName) return;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void onAppend(), 100);
    });
    this.#watcher.on('error', (error) => this.warn(`cannot watch for other agents: ${error.message}`));
  }

  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    clearTimeout(this.#timer);
  }
}

/** Takes what other processes stored into every slot not refreshing itself; `adopted` per slot taken. */
export async function adoptFromPeers(
  context: RefreshContext,
  slots: Iterable<TokenSlot>,
  adopted: (slot: TokenSlot) => void,
): Promise<void> {
  for (const slot of [...slots]) {
    if (slot.inFlight) continue;
    try {
      if (await adoptStored(context, slot)) {
        context.log('debug', `token '${slot.name}': picked up a token refreshed by another process`);
        slot.markSucceeded();
        adopted(slot);
      }
    } catch {
      // A failing store shows up on the next refresh, with a proper error; nothing to do here.
    }
  }
}
