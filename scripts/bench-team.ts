// `npm run bench:team`: team mode (agent/team/) beside the recipe it replaces, side by side, under the
// same load, against one Redis and the test token server (oidc-provider with rotating refresh tokens,
// which revokes the whole grant when a refresh token is replayed).
//
// Each side runs 4 "machines" (processes that share nothing but Redis) with 25 concurrent callers
// each, calling `get` in a loop for 60 s (BENCH_TEAM_SECONDS), twice: with a token endpoint that
// answers at once, then with one that takes 4 s. Tokens live 12 s.
// - this implementation: the token engine with the Redis coordinator, in-process, as a library user
//   (or `token-agent serve`) runs it; refresh 6 s before expiry;
// - the common recipe, ported faithfully: read the token from Redis and decode its `exp`; once it has
//   expired, `SET lock 1 NX EX 3`, refresh, `DEL lock` in a `finally`; when the lock is taken, sleep
//   0.5 s and try again.
// Prints a markdown table per run: token-endpoint calls per expiry window, expired tokens handed out, revoked
// grants, failed gets, and p50/p99 latency of a `get`. It builds nothing: run it from the repository.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import type { TokenDefinition } from '../agent/config/types';
import { parseConfig } from '../agent/config/validate';
import { TokenEngine } from '../agent/engine/tokenEngine';
import { MemoryStore } from '../agent/store/memoryStore';
import { RedisCoordinator } from '../agent/team/redisCoordinator';
import { TeamKey } from '../agent/team/seal';
import { startRedis } from '../test/support/redis';
import { startTokenServer, type TokenServer } from '../test/support/tokenServer';

const seconds = Number(process.env.BENCH_TEAM_SECONDS ?? 60);
const machines = 4;
const callersPerMachine = 25;
const ttlSeconds = 12;
const endpointDelayMs = 4000;
const refreshBeforeSeconds = 6;
const naiveClientId = 'naive-recipe';

interface WorkerPlan {
  redis: string;
  issuer: string;
  tokenEndpoint: string;
  clientId: string;
  scope: string;
  resource: string;
  /** The machine seeds the team with this refresh token (the first machine only). */
  refreshToken?: string;
  teamKey: string;
  durationMs: number;
}

interface WorkerReport {
  gets: number;
  failed: number;
  /** Gets still waiting when the run ended (plus 5 s); their wait so far is in latenciesMs. */
  stuck: number;
  failures: Record<string, number>;
  expired: number;
  underOneSecond: number;
  latenciesMs: number[];
}

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

// ---------------------------------------------------------------------------------------------
// The two implementations, as one machine runs them.

/** This implementation: the engine with the Redis coordinator, its refresh timers on. */
async function oursMachine(plan: WorkerPlan): Promise<() => Promise<string>> {
  const { config } = parseConfig(
    JSON.stringify({
      store: 'memory',
      redis: { url: plan.redis, prefix: 'bench-ours' },
      tokens: [
        {
          name: 'api',
          type: 'oauth2-refresh-token',
          issuer: plan.issuer,
          clientId: plan.clientId,
          scope: plan.scope,
          resource: plan.resource,
          refreshBeforeSeconds,
        },
      ],
    }),
  );
  const store = new MemoryStore();
  if (plan.refreshToken) await store.set('api', 'refresh_token', plan.refreshToken);
  const dataDir = await mkdtemp(join(tmpdir(), 'token-agent-bench-'));
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const engine = new TokenEngine({
    definitions: config.tokens as TokenDefinition[],
    store,
    dataDir,
    schedule: true,
    coordinator: new RedisCoordinator({
      config: config.redis ?? plan.redis,
      key: TeamKey.parse(plan.teamKey),
      store,
      dataDir,
      grantTimeoutMs: 30_000,
    }),
  });
  await engine.start();
  await engine.get('api');
  stopWith.push(() => engine.stop());
  return async () => (await engine.get('api')).accessToken;
}

/** The recipe, as it is usually written. */
async function naiveMachine(plan: WorkerPlan): Promise<() => Promise<string>> {
  const redis = new Redis(plan.redis);
  stopWith.push(() => redis.disconnect());
  const keys = { token: 'bench-naive:token', lock: 'bench-naive:lock', refresh: 'bench-naive:refresh_token' };
  if (plan.refreshToken) await redis.set(keys.refresh, plan.refreshToken);
  const as: oauth.AuthorizationServer = { issuer: plan.issuer, token_endpoint: plan.tokenEndpoint };
  const client: oauth.Client = { client_id: plan.clientId };
  const refresh = async (refreshToken: string) => {
    const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, {
      [oauth.allowInsecureRequests]: true,
      additionalParameters: { scope: plan.scope, resource: plan.resource },
    });
    return oauth.processRefreshTokenResponse(as, client, response);
  };
  return async function getToken(): Promise<string> {
    for (;;) {
      const token = await redis.get(keys.token);
      if (token && (decodeJwt(token).exp ?? 0) * 1000 > Date.now()) return token;
      if (await redis.set(keys.lock, '1', 'EX', 3, 'NX')) {
        try {
          const response = await refresh((await redis.get(keys.refresh)) ?? '');
          if (response.refresh_token) await redis.set(keys.refresh, response.refresh_token);
          await redis.set(keys.token, response.access_token);
          return response.access_token;
        } finally {
          await redis.del(keys.lock);
        }
      }
      await sleep(500);
    }
  };
}

const stopWith: (() => void)[] = [];

async function worker(kind: 'ours' | 'naive', plan: WorkerPlan): Promise<void> {
  const get = kind === 'ours' ? await oursMachine(plan) : await naiveMachine(plan);
  process.stdout.write('ready\n');
  const report: WorkerReport = {
    gets: 0,
    failed: 0,
    stuck: 0,
    failures: {},
    expired: 0,
    underOneSecond: 0,
    latenciesMs: [],
  };
  const endAt = Date.now() + plan.durationMs;
  const waiting = new Set<{ startedAt: number }>();
  const caller = async () => {
    while (Date.now() < endAt) {
      const call = { startedAt: performance.now() };
      waiting.add(call);
      try {
        const token = await get();
        const receivedAt = Date.now();
        report.latenciesMs.push(performance.now() - call.startedAt);
        const leftMs = (decodeJwt(token).exp ?? 0) * 1000 - receivedAt;
        if (leftMs <= 0) report.expired++;
        else if (leftMs < 1000) report.underOneSecond++;
      } catch (error) {
        report.latenciesMs.push(performance.now() - call.startedAt);
        report.failed++;
        const code = (error as { error?: string }).error ?? (error as Error).message.slice(0, 60);
        report.failures[code] = (report.failures[code] ?? 0) + 1;
      }
      waiting.delete(call);
      report.gets++;
      await sleep(20 + Math.random() * 60);
    }
  };
  // The recipe's callers can wait for minutes behind a lock that keeps failing: the run ends anyway,
  // and a get still waiting counts with the wait so far (a lower bound of its latency).
  await Promise.race([
    Promise.all(Array.from({ length: callersPerMachine }, caller)),
    sleep(Math.max(0, endAt - Date.now()) + 5_000),
  ]);
  for (const call of waiting) {
    report.stuck++;
    report.gets++;
    report.latenciesMs.push(performance.now() - call.startedAt);
  }
  for (const stop of stopWith) stop();
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// The bench itself.

function startWorker(kind: 'ours' | 'naive', plan: WorkerPlan) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', __filename, 'worker', kind, JSON.stringify(plan)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout });
  const output: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line === 'ready') resolve();
      else output.push(line);
    });
    child.once('exit', (code) => reject(new Error(`${kind} worker exited (${code}) before it was ready`)));
  });
  const report = new Promise<WorkerReport>((resolve, reject) => {
    child.once('exit', (code) => {
      const last = output.at(-1);
      if (code === 0 && last) resolve(JSON.parse(last) as WorkerReport);
      else reject(new Error(`${kind} worker failed (${code})`));
    });
  });
  ready.catch(() => undefined);
  return { child, ready, report };
}

function describeDelay(ms: number): string {
  return ms === 0 ? 'at once' : `in ${ms / 1000} s`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

function formatMs(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`;
}

async function main(): Promise<void> {
  const redis = await startRedis();
  try {
    // The same load twice: with a token endpoint that answers at once, then with one that takes 4 s.
    for (const delayMs of [0, endpointDelayMs]) {
      await redis.cli('flushall');
      await scenario(redis.url, delayMs);
    }
  } finally {
    await redis.stop();
  }
}

async function scenario(redisUrl: string, delayMs: number): Promise<void> {
  const server: TokenServer = await startTokenServer({
    accessTokenTtlSeconds: ttlSeconds,
    tokenEndpointDelayMs: delayMs,
    clients: [
      {
        client_id: naiveClientId,
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        grant_types: ['refresh_token', 'authorization_code'],
        redirect_uris: ['http://127.0.0.1/callback'],
      },
    ],
  });
  const workers: ReturnType<typeof startWorker>[] = [];
  try {
    const common = {
      redis: redisUrl,
      issuer: server.issuer,
      tokenEndpoint: server.tokenEndpoint,
      scope: server.scope,
      resource: server.resource,
      teamKey: randomBytes(32).toString('base64'),
      durationMs: seconds * 1000,
    };
    const sides = {
      ours: { ...common, clientId: server.publicClientId },
      naive: { ...common, clientId: naiveClientId },
    };
    const seeds = {
      ours: await server.mintRefreshToken({ clientId: server.publicClientId }),
      naive: await server.mintRefreshToken({ clientId: naiveClientId }),
    };
    progress(
      `${machines} machines × ${callersPerMachine} callers per side, ${seconds} s, ${ttlSeconds}-second tokens, token endpoint answering ${describeDelay(delayMs)}`,
    );
    // Each side's first machine seeds the team with the refresh token; the others start once it can.
    const started = Date.now();
    const byKind: Record<'ours' | 'naive', ReturnType<typeof startWorker>[]> = { ours: [], naive: [] };
    for (const kind of ['ours', 'naive'] as const) {
      const first = startWorker(kind, { ...sides[kind], refreshToken: seeds[kind] });
      byKind[kind].push(first);
      workers.push(first);
    }
    await Promise.all(workers.map((worker) => worker.ready));
    for (const kind of ['ours', 'naive'] as const) {
      for (let i = 1; i < machines; i++) {
        const next = startWorker(kind, {
          ...sides[kind],
          durationMs: common.durationMs - (Date.now() - started),
        });
        byKind[kind].push(next);
        workers.push(next);
      }
    }
    const rows: Record<string, string[]> = {};
    const add = (label: string, values: string[]) => {
      rows[label] = values;
    };
    const results = {
      ours: await Promise.all(byKind.ours.map((worker) => worker.report)),
      naive: await Promise.all(byKind.naive.map((worker) => worker.report)),
    };
    const columns = (['ours', 'naive'] as const).map((kind) => {
      const reports = results[kind];
      const events = server.log.filter((event) => event.clientId === sides[kind].clientId);
      const calls = events.filter((event) => event.outcome !== 'revoked').length;
      const successes = events.filter((event) => event.outcome === 'success').length;
      const latencies = reports.flatMap((report) => report.latenciesMs).sort((a, b) => a - b);
      const failures: Record<string, number> = {};
      for (const report of reports)
        for (const [code, count] of Object.entries(report.failures))
          failures[code] = (failures[code] ?? 0) + count;
      return {
        calls,
        successes,
        perWindow: successes === 0 ? '∞' : (calls / successes).toFixed(2),
        expired: reports.reduce((sum, report) => sum + report.expired, 0),
        underOneSecond: reports.reduce((sum, report) => sum + report.underOneSecond, 0),
        revoked: events.filter((event) => event.outcome === 'revoked').length,
        gets: reports.reduce((sum, report) => sum + report.gets, 0),
        failed: reports.reduce((sum, report) => sum + report.failed, 0),
        stuck: reports.reduce((sum, report) => sum + report.stuck, 0),
        failures,
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        max: latencies.at(-1) ?? Number.NaN,
      };
    });
    add(
      'token-endpoint calls (new tokens obtained)',
      columns.map((c) => `${c.calls} (${c.successes})`),
    );
    add(
      'token-endpoint calls per expiry window',
      columns.map((c) => c.perWindow),
    );
    add(
      'expired tokens handed out',
      columns.map((c) => String(c.expired)),
    );
    add(
      'tokens handed out with < 1 s left',
      columns.map((c) => String(c.underOneSecond)),
    );
    add(
      'revoked grants',
      columns.map((c) => String(c.revoked)),
    );
    add(
      'failed gets / all gets',
      columns.map((c) => `${c.failed} / ${c.gets}`),
    );
    add(
      'gets still waiting at the end (+5 s)',
      columns.map((c) => String(c.stuck)),
    );
    add(
      'get latency p50',
      columns.map((c) => formatMs(c.p50)),
    );
    add(
      'get latency p99',
      columns.map((c) => formatMs(c.p99)),
    );
    add(
      'get latency max',
      columns.map((c) => formatMs(c.max)),
    );

    console.log(
      `\n### Team refresh under load: ${machines} machines × ${callersPerMachine} callers, ${seconds} s, ${ttlSeconds}-s tokens, token endpoint answering ${describeDelay(delayMs)}\n`,
    );
    console.log('| | token-agent team mode | the common recipe |');
    console.log('|---|---:|---:|');
    for (const [label, [ours, naive]] of Object.entries(rows))
      console.log(`| ${label} | ${ours} | ${naive} |`);
    const naiveFailures = columns[1]?.failures ?? {};
    if (Object.keys(naiveFailures).length > 0)
      console.log(`\nThe recipe's failed gets: ${JSON.stringify(naiveFailures)}`);
    const oursFailures = columns[0]?.failures ?? {};
    if (Object.keys(oursFailures).length > 0)
      console.log(`\nTeam mode's failed gets: ${JSON.stringify(oursFailures)}`);
  } finally {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await server.close();
  }
}

if (process.argv[2] === 'worker') {
  const kind = process.argv[3] === 'naive' ? 'naive' : 'ours';
  worker(kind, JSON.parse(process.argv[4] ?? '') as WorkerPlan).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
