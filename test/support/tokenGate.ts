// A transparent HTTP gate in front of the test token server's token endpoint, one path per token
// (`/NAME/token`), so that a test knows the moment a refresh reaches the provider and can hold it
// there: "the request is at the provider now" is a state the test can wait for, rather than guess
// with a sleep. It records each token request (its token, when it arrived and was answered, the
// status, and the rotated refresh token the provider handed back) and forwards everything verbatim.
import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatedRequest {
  /** The token whose endpoint path it came in on. */
  name: string;
  /** Date.now() when the whole request had arrived at the gate. */
  arrivedAt: number;
  /** Date.now() when the provider's whole answer had come back (undefined while in flight). */
  answeredAt?: number;
  /** The provider's HTTP status, or 0 when the provider could not be reached. */
  status?: number;
  /** The refresh token the provider's answer carried, if any (rotation). */
  rotatedRefreshToken?: string;
  /** Whether the client (the agent) was gone by the time the answer came. */
  clientGone?: boolean;
}

export interface TokenGate {
  /** The URL to put in a token's `tokenEndpoint`. */
  endpointFor(name: string): string;
  /** Every token request so far, oldest first; live. */
  readonly requests: readonly GatedRequest[];
  /** Requests of `name` (or all) that arrived and have not been answered yet. */
  inFlight(name?: string): GatedRequest[];
  /** From now on, requests of `name` wait at the gate, before the provider sees them, until release(). */
  hold(name: string): void;
  /** How many requests of `name` are waiting at the gate. */
  held(name: string): number;
  /** Lets the held requests of `name` through, and stops holding them. */
  release(name: string): void;
  close(): Promise<void>;
}

export async function startTokenGate(tokenEndpoint: string): Promise<TokenGate> {
  const target = new URL(tokenEndpoint);
  const requests: GatedRequest[] = [];
  const holding = new Set<string>();
  const waiting = new Map<string, (() => void)[]>();

  const server = createServer((req, res) => {
    void (async () => {
      const match = /^\/([^/]+)\/token$/.exec(req.url ?? '');
      if (!match || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      const name = decodeURIComponent(match[1] as string);
      const body = await readBody(req);
      const entry: GatedRequest = { name, arrivedAt: Date.now() };
      requests.push(entry);
      if (holding.has(name)) {
        await new Promise<void>((go) => {
          const list = waiting.get(name) ?? [];
          list.push(go);
          waiting.set(name, list);
        });
      }
      // A held request whose client gave up never reached the provider: do not spend its refresh token.
      if (req.socket.destroyed) {
        entry.answeredAt = Date.now();
        entry.status = 0;
        entry.clientGone = true;
        return;
      }
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
      const upstream = request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers },
        (answer) => {
          void readBody(answer).then((text) => {
            entry.answeredAt = Date.now();
            entry.status = answer.statusCode ?? 0;
            entry.rotatedRefreshToken = refreshTokenIn(text);
            entry.clientGone = res.destroyed || req.socket.destroyed;
            const { connection: _c, 'keep-alive': _k, 'transfer-encoding': _t, ...kept } = answer.headers;
            res.writeHead(answer.statusCode ?? 502, { ...kept, 'content-length': String(text.length) });
            res.end(text);
          });
        },
      );
      upstream.once('error', (error) => {
        entry.answeredAt = Date.now();
        entry.status = 0;
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'gate', error_description: error.message }));
      });
      upstream.end(body);
    })();
  });
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(0, '127.0.0.1', listening);
  });
  const { port } = server.address() as AddressInfo;

  const release = (name: string) => {
    holding.delete(name);
    for (const go of waiting.get(name)?.splice(0) ?? []) go();
  };

  return {
    endpointFor: (name) => `http://127.0.0.1:${port}/${encodeURIComponent(name)}/token`,
    requests,
    inFlight: (name) =>
      requests.filter((r) => r.answeredAt === undefined && (name === undefined || r.name === name)),
    hold: (name) => void holding.add(name),
    held: (name) => waiting.get(name)?.length ?? 0,
    release,
    async close() {
      for (const name of [...waiting.keys()]) release(name);
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

function refreshTokenIn(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { refresh_token?: unknown };
    return typeof parsed.refresh_token === 'string' ? parsed.refresh_token : undefined;
  } catch {
    return undefined;
  }
}
