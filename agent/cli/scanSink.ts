// Where `token-agent scan` writes its report: stdout, a few tens of kilobytes at a time, waiting for
// the reader when the pipe is full. A scan can find millions of things (#13 item 8); the report is
// written as it is found, never built as one string (V8 caps a string near 512 MB, and long before
// that the process would hold gigabytes).

/** What the report is written to: process.stdout, or a plain collector in tests. */
export interface OutputTarget {
  write(text: string): unknown;
  /** When present, a `false` from write() means: wait for 'drain' (a Node stream's backpressure). */
  once?(event: 'drain' | 'close', listener: () => void): unknown;
  off?(event: 'drain' | 'close', listener: () => void): unknown;
}

/** One write() per this many characters: a write per finding would be a system call per finding. */
const chunkChars = 64 * 1024;

export class OutputSink {
  #buffer: string[] = [];
  #buffered = 0;
  #pressured = false;

  constructor(readonly target: OutputTarget) {}

  /** Queues text; hands a full chunk to the target. Call settle() often enough to honour backpressure. */
  write(text: string): void {
    this.#buffer.push(text);
    this.#buffered += text.length;
    if (this.#buffered >= chunkChars) this.#flush();
  }

  /** Whether the target asked to wait: the caller should `await settle()` before writing much more. */
  get pressured(): boolean {
    return this.#pressured;
  }

  /** Resolves once the target has taken what it was given (at once unless it said it was full). */
  async settle(): Promise<void> {
    if (!this.#pressured) return;
    this.#pressured = false;
    const target = this.target;
    if (!target.once) return;
    await new Promise<void>((resolve) => {
      // 'close' too: a reader that went away (EPIPE) never drains, and the stream reports that itself.
      const done = () => {
        target.off?.('drain', done);
        target.off?.('close', done);
        resolve();
      };
      target.once?.('drain', done);
      target.once?.('close', done);
    });
  }

  /** Writes what is queued and waits for the target to take it. */
  async end(): Promise<void> {
    this.#flush();
    await this.settle();
  }

  #flush(): void {
    if (this.#buffered === 0) return;
    const chunk = this.#buffer.join('');
    this.#buffer = [];
    this.#buffered = 0;
    if (this.target.write(chunk) === false) this.#pressured = true;
  }
}

/** Stands for an array written item by item: put it where the array goes in the envelope. */
export const streamedItems = '\u0000items\u0000';

/**
 * Splits the pretty-printed JSON of `envelope` around the array that `streamedItems` stands for (the
 * last key of its object, so that what follows may be known only at the end). Writing head, then
 * each item as (`\n` or `,\n`) + itemIndent + item, then (`\n` + closeIndent, if any item) + tail,
 * gives exactly what JSON.stringify(…, null, 2) prints for the whole.
 */
export function splitEnvelope(envelope: object): {
  head: string;
  tail: string;
  itemIndent: string;
  closeIndent: string;
} {
  const text = `${JSON.stringify(envelope, null, 2)}\n`;
  const placeholder = JSON.stringify(streamedItems);
  const at = text.indexOf(placeholder);
  if (at === -1) throw new Error('splitEnvelope: the envelope holds no streamedItems');
  const lineStart = text.lastIndexOf('\n', at) + 1;
  const closeIndent = /^ */.exec(text.slice(lineStart))?.[0] ?? '';
  return {
    head: `${text.slice(0, at)}[`,
    tail: `]${text.slice(at + placeholder.length)}`,
    itemIndent: `${closeIndent}  `,
    closeIndent,
  };
}

/**
 * One array of an envelope, written item by item between the envelope's head and tail. The tail is
 * computed at the end, from the same envelope with what only the end knows (counts, skipped files).
 */
export class StreamedArray {
  #items = 0;
  readonly #parts: { itemIndent: string; closeIndent: string };

  constructor(
    readonly sink: OutputSink,
    envelope: object,
  ) {
    const { head, itemIndent, closeIndent } = splitEnvelope(envelope);
    this.#parts = { itemIndent, closeIndent };
    sink.write(head);
  }

  get count(): number {
    return this.#items;
  }

  item(value: unknown): void {
    const { itemIndent } = this.#parts;
    this.sink.write(`${this.#items === 0 ? '\n' : ',\n'}${itemIndent}${indentJson(value, itemIndent)}`);
    this.#items++;
  }

  /** Closes the array and writes the rest of `envelope` (the one given at the start, completed). */
  end(envelope: object): void {
    const { tail } = splitEnvelope(envelope);
    this.sink.write(`${this.#items === 0 ? '' : `\n${this.#parts.closeIndent}`}${tail}`);
  }
}

/** `JSON.stringify(value, null, 2)` nested at `indent` (JSON escapes newlines inside strings). */
export function indentJson(value: unknown, indent: string): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${indent}`);
}
