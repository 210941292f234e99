// A load driver: `node --import tsx test/support/teamLoad.ts JSON`, where JSON is a LoadPlan. It runs
// `clients` concurrent HTTP clients against `token-agent serve` sockets for `durationMs`, each one
// asking for a token, checking it on arrival, pausing a little and asking again (each time on the
// next socket), then prints one JSON line: a LoadReport. It runs in its own process so that the
// test's process, which hosts the token server, is never starved by the load.
import { Agent, request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { decodeJwt } from 'jose';

export interface LoadPlan {
  sockets: string[];
  token: string;
  clients: number;
  durationMs: number;
  minValidSeconds: number;
  /** Each client pauses between pauseMs[0] and pauseMs[1] between two requests. */
  pauseMs: [number, number];
}

export interface LoadReport {
  requests: number;
  ok: number;
  /** `STATUS CODE` → count, for every answer that was not a token. */
  failures: Record<string, number>;
  /** When the last request that got no token was sent (Date.now()), if any did. */
  lastFailureSentAt?: number;
  /** Tokens whose `exp` had passed when the client had the whole answer. */
  expired: number;
  /** The least validity left on arrival, in ms, over all tokens handed out. */
  minLeftMs: number;
  /**
   * Requests sent again because a kept-alive connection was closed by the server just as it was
   * reused (EPIPE, ECONNRESET): a transport race every HTTP client retries, as Node's docs advise.
   */
  resent: number;
  /** Each distinct token: its `iat`, `exp` and when a client first saw it. */
  tokens: { iat: number; exp: number; firstSeenAt: number }[];
  latencyMs: { p50: number; p99: number; max: number };
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2] ?? '') as LoadPlan;
  const agents = plan.sockets.map(() => new Agent({ keepAlive: true, maxSockets: plan.clients }));
  const report: LoadReport = {
    requests: 0,
    ok: 0,
    failures: {},
    expired: 0,
    minLeftMs: Number.POSITIVE_INFINITY,
    resent: 0,
    tokens: [],
    latencyMs: { p50: 0, p99: 0, max: 0 },
  };
  const seen = new Map<string, { iat: number; exp: number; firstSeenAt: number }>();
  const latencies: number[] = [];
  const endAt = Date.now() + plan.durationMs;
  const path = `/v1/tokens/${plan.token}?min_valid=${plan.minValidSeconds}`;

  const client = async (index: number) => {
    for (let turn = 0; Date.now() < endAt; turn++) {
      const socket = (index + turn) % plan.sockets.length;
      const sentAt = Date.now();
      const send = () => get(plan.sockets[socket] as string, agents[socket] as Agent, path);
      const answer = await send()
        .catch((error: Error & { reusedSocket?: boolean }) => {
          if (!error.reusedSocket) throw error;
          report.resent++;
          return send();
        })
        .catch((error: Error) => ({ status: 0, text: error.message, receivedAt: Date.now() }));
      report.requests++;
      latencies.push(answer.receivedAt - sentAt);
      let body: { access_token?: string; error?: { code?: string } } = {};
      try {
        body = JSON.parse(answer.text) as typeof body;
      } catch {
        // Counted as a failure below.
      }
      if (answer.status === 200 && typeof body.access_token === 'string') {
        report.ok++;
        const claims = decodeJwt(body.access_token);
        const expMs = (claims.exp ?? 0) * 1000;
        const leftMs = expMs - answer.receivedAt;
        if (leftMs <= 0) report.expired++;
        report.minLeftMs = Math.min(report.minLeftMs, leftMs);
        if (!seen.has(body.access_token))
          seen.set(body.access_token, {
            iat: claims.iat ?? 0,
            exp: claims.exp ?? 0,
            firstSeenAt: answer.receivedAt,
          });
      } else {
        const key = `${answer.status} ${body.error?.code ?? answer.text.slice(0, 80)}`;
        report.failures[key] = (report.failures[key] ?? 0) + 1;
        report.lastFailureSentAt = Math.max(report.lastFailureSentAt ?? 0, sentAt);
      }
      const [low, high] = plan.pauseMs;
      await delay(low + Math.random() * (high - low));
    }
  };
  await Promise.all(Array.from({ length: plan.clients }, (_, index) => client(index)));
  for (const agent of agents) agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] ?? 0;
  report.latencyMs = { p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? 0 };
  report.tokens = [...seen.values()].sort((a, b) => a.firstSeenAt - b.firstSeenAt);
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function get(
  socketPath: string,
  agent: Agent,
  path: string,
): Promise<{ status: number; text: string; receivedAt: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, agent, path, headers: { host: 'localhost' }, timeout: 30_000 });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', (error: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
      const code = error.code ?? '';
      if (req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) error.reusedSocket = true;
      reject(error);
    });
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, text, receivedAt: Date.now() }));
      res.once('error', reject);
    });
    req.end();
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
