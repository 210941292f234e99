// One GET on the user agent's Unix socket. Written on node:net rather than node:http: loading
// node:http costs ~15 ms of a ~250 ms Node start on a loaded 2-CPU machine (measured, interleaved
// medians of 40 runs: `node -e "require('http')"` 271 ms, `require('net')` 251 ms, `node -e 0` 254 ms),
// and the agent's answers are ours to know: HTTP/1.1, a Content-Length, a JSON body (routes.ts send()).
// Anything else — chunked, no length, a broken connection — is no answer, and the full CLI asks again.
import { connect } from 'node:net';

export interface Answer {
  status: number;
  text: string;
  /** The config file the agent serves (its x-token-agent-config header), when it says. */
  configPath?: string;
}

/**
 * The answer, or undefined when none came (no agent, a closed connection, no answer in time, or
 * `signal` aborted: the request is then dropped, so it keeps nothing running).
 */
export function ask(
  socketPath: string,
  path: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Answer | undefined> {
  return new Promise((settle) => {
    const socket = connect(socketPath);
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (answer: Answer | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      settle(answer);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    signal?.addEventListener('abort', () => finish(undefined), { once: true });
    socket.once('connect', () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`),
    );
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const answer = parseResponse(Buffer.concat(chunks));
      if (answer) finish(answer);
    });
    socket.once('error', () => finish(undefined));
    socket.once('close', () => finish(parseResponse(Buffer.concat(chunks))));
  });
}

/** A complete response with a Content-Length body, or undefined (incomplete, or not that shape). */
export function parseResponse(bytes: Buffer): Answer | undefined {
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...headers] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine);
  if (!status) return undefined;
  let length: number | undefined;
  let configPath: string | undefined;
  for (const header of headers) {
    const colon = header.indexOf(':');
    const name = header.slice(0, colon).trim().toLowerCase();
    const value = header.slice(colon + 1).trim();
    if (name === 'transfer-encoding') return undefined;
    if (name === 'x-token-agent-config') {
      try {
        configPath = decodeURIComponent(value);
      } catch {
        return undefined;
      }
    }
    if (name === 'content-length') {
      if (!/^\d+$/.test(value) || length !== undefined) return undefined;
      length = Number(value);
    }
  }
  if (length === undefined) return undefined;
  const body = bytes.subarray(headEnd + 4);
  if (body.length < length) return undefined;
  return {
    status: Number(status[1]),
    text: body.subarray(0, length).toString('utf8'),
    ...(configPath !== undefined ? { configPath } : {}),
  };
}
