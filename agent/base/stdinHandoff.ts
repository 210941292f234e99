// The small entry point (agent/fast/) reads a credential helper's stdin before it knows whether it can
// answer by itself; when it then hands the command to the full CLI, the stream is spent, so the text it
// read goes along. The two are separate bundles in one process: a registered symbol on globalThis is
// what they share.
const key = Symbol.for('token-agent.stdin');
type Holder = Record<symbol, string | undefined>;

export function handStdin(text: string): void {
  (globalThis as unknown as Holder)[key] = text;
}

/** The stdin the small entry point read and handed over, taken once; undefined when none was. */
export function takeHandedStdin(): string | undefined {
  const holder = globalThis as unknown as Holder;
  const text = holder[key];
  delete holder[key];
  return text;
}
