// Knows the access tokens the agent holds without keeping them: each is stored as an HMAC-SHA256
// under a key drawn at random when the index is made (so per process), which cannot be reversed
// and cannot be compared with digests from any other process. Only lengths are kept in clear, to
// skip hashing candidates that cannot match.
import { createHmac, randomBytes } from 'node:crypto';

export class LiveTokenIndex {
  readonly #key = randomBytes(32);
  readonly #digestByName = new Map<string, string>();
  readonly #nameByDigest = new Map<string, string>();
  readonly #lengths = new Map<number, number>();
  #version = 0;

  /** Records the token `name` now holds, or forgets it with `undefined`. */
  update(name: string, token: string | undefined): void {
    const previous = this.#digestByName.get(name);
    const digest = token === undefined || token === '' ? undefined : this.#digest(token);
    if (previous === digest) return;
    if (previous !== undefined) {
      this.#digestByName.delete(name);
      if (this.#nameByDigest.get(previous) === name) this.#nameByDigest.delete(previous);
      const [length] = previous.split(':');
      this.#release(Number(length));
    }
    if (token !== undefined && digest !== undefined) {
      this.#digestByName.set(name, digest);
      this.#nameByDigest.set(digest, name);
      this.#lengths.set(token.length, (this.#lengths.get(token.length) ?? 0) + 1);
    }
    this.#version++;
  }

  /**
   * Makes the index hold exactly these tokens: updates each name given, forgets every other. Returns
   * whether anything changed (so the caller re-lints open documents only then).
   */
  replaceAll(held: Iterable<readonly [string, string | undefined]>): boolean {
    const before = this.#version;
    const seen = new Set<string>();
    for (const [name, token] of held) {
      seen.add(name);
      this.update(name, token);
    }
    for (const name of [...this.#digestByName.keys()]) if (!seen.has(name)) this.update(name, undefined);
    return this.#version !== before;
  }

  /** The name of the live token equal to `candidate`, if any. */
  match(candidate: string): string | undefined {
    if (!this.#lengths.has(candidate.length)) return undefined;
    return this.#nameByDigest.get(this.#digest(candidate));
  }

  hasLength(length: number): boolean {
    return this.#lengths.has(length);
  }

  /** The shortest token held, so scanners can skip shorter words. */
  get minLength(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const length of this.#lengths.keys()) min = Math.min(min, length);
    return min;
  }

  get size(): number {
    return this.#digestByName.size;
  }

  /** Changes whenever the set of tokens does, so callers know when to re-lint. */
  get version(): number {
    return this.#version;
  }

  #digest(token: string): string {
    // The length prefix lets `update` release the length without keeping the token.
    return `${token.length}:${createHmac('sha256', this.#key).update(token).digest('base64')}`;
  }

  #release(length: number): void {
    const count = (this.#lengths.get(length) ?? 1) - 1;
    if (count <= 0) this.#lengths.delete(length);
    else this.#lengths.set(length, count);
  }
}
