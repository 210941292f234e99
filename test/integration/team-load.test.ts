// Issue 6's load test: 4 `token-agent serve` processes in team mode (one Redis, one machine), 200
// concurrent clients for a minute, 5-second tokens from a rotating oidc-provider, and Redis killed
// and restarted in the middle. The identity provider must see exactly one refresh per expiry window,
// no grant may be revoked, no client may ever be handed an expired token, and the status must say
// "degraded" while Redis is gone and "ok" once it is back.
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startProcess } from '../support/agentProcess';
import { type RedisNode, startRedis } from '../support/redis';
import { createTeamWorkspace, httpGet, type Serving, type TeamWorkspace } from '../support/team';
import type { LoadPlan, LoadReport } from '../support/teamLoad';
import { startTokenServer, type TokenServer } from '../support/tokenServer';
import { waitUntil } from '../support/waitFor';

const seconds = Number(process.env.TEAM_LOAD_SECONDS ?? 60);
const ttlSeconds = 5;
const refreshBeforeSeconds = 2;
const loadDriver = resolve(__dirname, '..', 'support', 'teamLoad.ts');

let redis: RedisNode;
let server: TokenServer;
let workspace: TeamWorkspace;
const servings: Serving[] = [];

before(async () => {
  redis = await startRedis();
  server = await startTokenServer({ accessTokenTtlSeconds: ttlSeconds });
  workspace = await createTeamWorkspace({
    server,
    redis: redis.url,
    tokens: [{ name: 'api', refreshBeforeSeconds }],
  });
});

after(async () => {
  await Promise.allSettled(servings.map((serving) => serving.stop('SIGKILL')));
  await workspace?.remove();
  await server?.close();
  await redis?.stop();
});

type RedisState = 'ok' | 'degraded' | 'off';

async function redisStates(): Promise<RedisState[]> {
  return Promise.all(
    servings.map(async (serving) => {
      const status = await httpGet({ socketPath: serving.socketPath ?? '' }, '/v1/status');
      // The status document names team mode's health `team`; absent means no team.
      return (status.body as { team?: { state: RedisState } }).team?.state ?? 'off';
    }),
  );
}

const grantsSoFar = () => server.log.filter((event) => event.outcome === 'success').length;

describe('team mode under load', () => {
  it(`4 serve processes, 200 clients for ${seconds} s, Redis killed and restarted midway: one refresh per window`, async () => {
    const machine = workspace.machine('host');
    await machine.setSecret(
      'api',
      'refresh_token',
      await server.mintRefreshToken({ clientId: server.publicClientId }),
    );
    for (let i = 0; i < 4; i++)
      servings.push(await machine.serve([`unix:${join(machine.runtimeDir, `serve-${i}.sock`)}`]));
    await waitUntil(
      async () => (await redisStates()).every((state) => state === 'ok'),
      'team mode to connect',
    );
    const firstLog = server.log.length;

    const plan: LoadPlan = {
      sockets: servings.map((serving) => serving.socketPath ?? ''),
      token: 'api',
      clients: 200,
      durationMs: seconds * 1000,
      minValidSeconds: 1,
      pauseMs: [50, 150],
    };
    const startedAt = Date.now();
    const driver = startProcess(['--import', 'tsx', loadDriver, JSON.stringify(plan)], process.env, '');

    // A third of the way in, Redis dies; each serve carries on alone, sharing this machine's lock.
    await delay(Math.max(0, startedAt + (seconds * 1000) / 3 - Date.now()));
    assert.deepEqual(await redisStates(), ['ok', 'ok', 'ok', 'ok']);
    await redis.kill();
    const killedAt = Date.now();
    await waitUntil(async () => (await redisStates()).every((state) => state === 'degraded'), 'degraded');
    // Two refreshes without Redis, then it comes back (empty: nothing was persisted).
    const grantsAtKill = grantsSoFar();
    await waitUntil(() => grantsSoFar() >= grantsAtKill + 2, 'two refreshes without Redis', 15_000);
    await redis.restart();
    const restartedAt = Date.now();
    await waitUntil(
      async () => (await redisStates()).every((state) => state === 'ok'),
      'team mode to rejoin',
    );
    // The first refresh after the restart goes through Redis again: it seeds the team's state.
    await waitUntil(
      async () => (await redis.cli('--scan', '--pattern', '*:state')).trim() !== '',
      'a refresh through Redis after the restart',
      10_000,
    );

    const result = await driver.done;
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as LoadReport;
    const events = server.log.slice(firstLog);
    const grants = events.filter((event) => event.outcome === 'success').map((event) => event.at);
    const gaps = grants.slice(1).map((at, index) => at - (grants[index] as number));
    const summary = {
      requests: report.requests,
      ok: report.ok,
      failures: report.failures,
      expired: report.expired,
      minLeftMs: report.minLeftMs,
      resent: report.resent,
      grants: grants.length,
      distinctTokens: report.tokens.length,
      minGapMs: Math.min(...gaps),
      latencyMs: report.latencyMs,
      killedAfterMs: killedAt - startedAt,
      restartedAfterMs: restartedAt - startedAt,
    };
    console.log(`team load: ${JSON.stringify(summary)}`);

    // Every request got a token, and none had expired on arrival.
    assert.deepEqual(report.failures, {});
    assert.equal(report.ok, report.requests);
    assert.ok(report.requests > 200 * seconds, `only ${report.requests} requests`);
    assert.equal(report.expired, 0);
    assert.ok(report.minLeftMs > 0, `a token arrived with ${report.minLeftMs} ms left`);
    // Only refreshes, all accepted: no replayed refresh token, no revoked grant.
    assert.deepEqual(
      events.filter((event) => event.outcome !== 'success'),
      [],
    );
    assert.equal(server.events.grantRevoked, 0);
    // One refresh per expiry window: a token lives 4 to 5 s (`exp` is whole seconds) and is refreshed
    // 2 s (plus up to 0.2 s of jitter) before it ends, so refreshes are 1.8 to 3 s apart. A second
    // refresh in one window would come within milliseconds of the first.
    assert.ok(summary.minGapMs >= 1500, `two refreshes ${summary.minGapMs} ms apart`);
    assert.ok(grants.length >= seconds / 3.5, `only ${grants.length} refreshes in ${seconds} s`);
    assert.ok(grants.length <= seconds / 1.8 + 1, `${grants.length} refreshes in ${seconds} s`);
    // Each refresh's token was handed out: none was wasted (the last one may come after the run).
    assert.ok(
      report.tokens.length >= grants.length - 1,
      `${report.tokens.length} tokens, ${grants.length} grants`,
    );
  });
});
