// What a waiter for the team's refresh lock hears on the token's channel, one queue per waiter.

/** `token`: a holder committed a token with this fence; `locked`: a member took the lock with this
 *  fence; `released`: the holder let go without a token (its fence, from agents that send it);
 *  `down`: the connection to Redis closed (so no message may come). */
export type Message =
  | { t: 'token'; fence: number }
  | { t: 'locked'; fence: number }
  | { t: 'released'; fence?: number }
  | { t: 'down' };

/** Messages for one waiter, with a bounded wait for the next. */
export class Inbox {
  readonly #queue: Message[] = [];
  readonly #onClose: () => void;
  #wake: (() => void) | undefined;

  constructor(onClose: () => void) {
    this.#onClose = onClose;
  }

  push(message: Message): void {
    this.#queue.push(message);
    this.#wake?.();
  }

  async next(ms: number): Promise<Message | undefined> {
    if (this.#queue.length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#wake = done;
      });
      this.#wake = undefined;
    }
    return this.#queue.shift();
  }

  close(): void {
    this.#onClose();
  }
}

/** The open inboxes of each token's channel: a message on the channel reaches each of them. */
export class Inboxes {
  readonly #byChannel = new Map<string, Set<Inbox>>();

  /** A new inbox on `channel`; closing it lets it go. */
  listen(channel: string): Inbox {
    let inboxes = this.#byChannel.get(channel);
    if (!inboxes) {
      inboxes = new Set();
      this.#byChannel.set(channel, inboxes);
    }
    const set = inboxes;
    const inbox = new Inbox(() => {
      set.delete(inbox);
      if (set.size === 0) this.#byChannel.delete(channel);
    });
    set.add(inbox);
    return inbox;
  }

  deliver(channel: string, message: Message): void {
    const inboxes = this.#byChannel.get(channel);
    // Waiters wait for the holder to finish; a new lock taken tells them nothing.
    if (!inboxes || message.t === 'locked') return;
    for (const inbox of inboxes) inbox.push(message);
  }

  /** Tells every open inbox, whatever its channel. */
  pushAll(message: Message): void {
    for (const inboxes of this.#byChannel.values()) for (const inbox of inboxes) inbox.push(message);
  }
}
