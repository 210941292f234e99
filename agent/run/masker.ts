// Masks token values in a child's output as it streams. A token may arrive split across any number of
// chunks, so each stream holds back the shortest tail that could still be the start of a token — at
// most the longest token's length minus one byte — and masks it once the rest arrives. Works on bytes,
// so a multi-byte character split between chunks passes through intact.
import { mask } from '../base/redact';

/** The token values to mask, shared by the streams of one child; grows on every refresh. */
export class MaskSet {
  readonly #secrets: { bytes: Buffer; masked: Buffer }[] = [];
  #seen = new Set<string>();

  add(secret: string): void {
    if (secret === '' || this.#seen.has(secret)) return;
    this.#seen.add(secret);
    this.#secrets.push({ bytes: Buffer.from(secret), masked: Buffer.from(mask(secret)) });
  }

  get secrets(): readonly { bytes: Buffer; masked: Buffer }[] {
    return this.#secrets;
  }

  get longest(): number {
    return this.#secrets.reduce((max, secret) => Math.max(max, secret.bytes.length), 0);
  }
}

export class StreamMasker {
  #held: Buffer = Buffer.alloc(0);

  constructor(readonly set: MaskSet) {}

  /** The bytes that can be written now; the rest waits for the next chunk or end(). */
  push(chunk: Buffer): Buffer {
    return this.#scan(this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk]), false);
  }

  /** The stream ended: whatever is held cannot become a token any more. */
  end(): Buffer {
    return this.#scan(this.#held, true);
  }

  /** How many bytes are held back now (for tests). */
  get held(): number {
    return this.#held.length;
  }

  #scan(buffer: Buffer, final: boolean): Buffer {
    const out: Buffer[] = [];
    const secrets = this.set.secrets;
    let from = 0;
    for (;;) {
      // The earliest whole token from `from`, the longest one where two start at the same byte.
      let at = -1;
      let found: { bytes: Buffer; masked: Buffer } | undefined;
      for (const secret of secrets) {
        const index = buffer.indexOf(secret.bytes, from);
        if (
          index >= 0 &&
          (at < 0 || index < at || (index === at && secret.bytes.length > (found?.bytes.length ?? 0)))
        ) {
          at = index;
          found = secret;
        }
      }
      const partial = final ? -1 : this.#partialStart(buffer, from);
      if (partial >= 0 && (at < 0 || partial <= at)) {
        out.push(buffer.subarray(from, partial));
        this.#held = Buffer.from(buffer.subarray(partial));
        return Buffer.concat(out);
      }
      if (at < 0 || !found) {
        out.push(buffer.subarray(from));
        this.#held = Buffer.alloc(0);
        return Buffer.concat(out);
      }
      out.push(buffer.subarray(from, at), found.masked);
      from = at + found.bytes.length;
    }
  }

  /** The first position from which the rest of the buffer is a proper prefix of some token, or -1. */
  #partialStart(buffer: Buffer, from: number): number {
    const start = Math.max(from, buffer.length - this.set.longest + 1);
    for (let i = start; i < buffer.length; i++) {
      const rest = buffer.length - i;
      for (const { bytes } of this.set.secrets)
        if (bytes.length > rest && buffer.compare(bytes, 0, rest, i, buffer.length) === 0) return i;
    }
    return -1;
  }
}
