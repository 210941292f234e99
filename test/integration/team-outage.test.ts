// #16 item 5, "Redis outages cost no grant": two machines (two data folders) share one grant through
// a real redis-server, each running `token-agent serve`, with 4-second tokens from a real oidc-provider
// that rotates refresh tokens and revokes the grant when a retired one comes back. Under a load of
// concurrent gets, Redis is SIGKILLed for TEAM_OUTAGE_SECONDS (30 by default) and started again,
// empty; then, in a second run, it refuses every write (out of memory) for TEAM_OOM_SECONDS (15) and
// keeps its data. Only the machine that wrote the newest refresh token may refresh meanwhile: no grant
// is revoked, no expired token is handed out, every request that gets no token gets
// ERR_TEAM_UNAVAILABLE, and once Redis is back both machines serve valid tokens again (the time it
// takes is reported). A last test: after an outage the machine that refreshed alone shares its token
// again without a refresh, and the other machine refreshes from it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { decodeJwt } from 'jose';
import { verifyAccessToken } from '../support/agentCli';
import { startProcess } from '../support/agentProcess';
import { type RedisNode, startRedis } from '../support/redis';
import { createTeamWorkspace, httpGet, type Serving } from '../support/team';
import type { LoadPlan, LoadReport } from '../support/teamLoad';
import { startTokenServer, type TokenServer } from '../support/tokenServer';
import { waitUntil } from '../support/waitFor';

const outageSeconds = Number(process.env.TEAM_OUTAGE_SECONDS ?? 30);
const oomSeconds = Number(process.env.TEAM_OOM_SECONDS ?? 15);
const beforeSeconds = 8;
const afterSeconds = 10;
const loadDriver = resolve(__dirname, '..', 'support', 'teamLoad.ts');

const cleanups: (() => Promise<unknown>)[] = [];

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** How Redis fails and comes back. */
interface Fault {
  name: string;
  start(redis: RedisNode): Promise<void>;
  end(redis: RedisNode): Promise<void>;
}

const killed: Fault = {
  name: 'SIGKILLed (restarted empty)',
  start: (redis) => redis.kill(),
  end: (redis) => redis.restart(),
};

/** Out of memory under `noeviction`: reads and pub/sub still work, every write is refused. */
const outOfMemory: Fault = {
  name: 'out of memory (keeps its data)',
  async start(redis) {
    await redis.cli('config', 'set', 'maxmemory-policy', 'noeviction');
    await redis.cli('config', 'set', 'maxmemory', '1');
  },
  async end(redis) {
    await redis.cli('config', 'set', 'maxmemory', '0');
  },
};

const teamState = async (serving: Serving) =>
  (
    (await httpGet({ socketPath: serving.socketPath ?? '' }, '/v1/status')).body as {
      team?: { state: string };
    }
  ).team?.state;

/**
 * The first time `serving` hands out a token with at least a second left, polling every 100 ms;
 * undefined if none comes within `boundMs` (a revoked grant never recovers: the run must still report).
 */
async function firstValidToken(
  server: TokenServer,
  serving: Serving,
  boundMs: number,
): Promise<{ at: number; verified: string } | undefined> {
  const deadline = Date.now() + boundMs;
  while (Date.now() < deadline) {
    const answer = await httpGet({ socketPath: serving.socketPath ?? '' }, '/v1/tokens/api?min_valid=1');
    const token = (answer.body as { access_token?: string }).access_token;
    if (answer.status === 200 && token && (decodeJwt(token).exp ?? 0) * 1000 > answer.receivedAt) {
      // Checked at once: a 4-second token checked later may have expired by then.
      const verified = await verifyAccessToken(server, token).then(
        () => 'valid',
        (error: Error) => error.message,
      );
      return { at: answer.receivedAt, verified };
    }
    await delay(100);
  }
  return undefined;
}

async function outageUnderLoad(t: TestContext, fault: Fault, seconds: number): Promise<void> {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const server = await startTokenServer({ accessTokenTtlSeconds: 4 });
  cleanups.push(() => server.close());
  const workspace = await createTeamWorkspace({
    server,
    redis: redis.url,
    tokens: [{ name: 'api', refreshBeforeSeconds: 2 }],
  });
  cleanups.push(() => workspace.remove());
  const servings: Serving[] = [];
  const [a, b] = [workspace.machine('a'), workspace.machine('b')];
  await a.setSecret(
    'api',
    'refresh_token',
    await server.mintRefreshToken({ clientId: server.publicClientId }),
  );
  // Machine a signs in and shares the grant through Redis; b has no refresh token of its own.
  const first = await a.run(['get', 'api']);
  assert.equal(first.code, 0, first.stderr);
  servings.push(await a.serve(), await b.serve());
  await waitUntil(
    async () => (await Promise.all(servings.map(teamState))).every((state) => state === 'ok'),
    'team mode to connect',
  );
  const firstLog = server.log.length;

  const plan: LoadPlan = {
    sockets: servings.map((serving) => serving.socketPath ?? ''),
    token: 'api',
    clients: 40,
    durationMs: (beforeSeconds + seconds + afterSeconds) * 1000,
    minValidSeconds: 1,
    pauseMs: [20, 80],
  };
  const startedAt = Date.now();
  const driver = startProcess(['--import', 'tsx', loadDriver, JSON.stringify(plan)], process.env, '');

  await delay(beforeSeconds * 1000);
  await fault.start(redis);
  const killedAt = Date.now();
  const grantsAtKill = server.log.filter((event) => event.outcome === 'success').length;
  await delay(seconds * 1000);
  const grantsInOutage = server.log.filter((event) => event.outcome === 'success').length - grantsAtKill;
  await fault.end(redis);
  const restartedAt = Date.now();
  const recovered = await Promise.all(servings.map((serving) => firstValidToken(server, serving, 20_000)));
  const bothAt = Math.max(...recovered.map((each) => each?.at ?? Number.POSITIVE_INFINITY));
  const verified = recovered.map((each) => each?.verified ?? 'none');

  const result = await driver.done;
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as LoadReport;
  const events = server.log.slice(firstLog);
  const summary = {
    fault: fault.name,
    requests: report.requests,
    ok: report.ok,
    failures: report.failures,
    expired: report.expired,
    minLeftMs: report.minLeftMs,
    revoked: server.events.grantRevoked,
    endpointErrors: events.filter((event) => event.outcome !== 'success').length,
    grants: events.filter((event) => event.outcome === 'success').length,
    grantsInOutage,
    recoveryMs: recovered.map((each) => (each ? each.at - restartedAt : 'never')),
    bothRecoveredMs: Number.isFinite(bothAt) ? bothAt - restartedAt : 'never',
    failuresAfterRecovery: (report.lastFailureSentAt ?? 0) > bothAt,
    outageMs: restartedAt - killedAt,
    startedToKillMs: killedAt - startedAt,
  };
  t.diagnostic(`team outage: ${JSON.stringify(summary)}`);
  console.log(`team outage: ${JSON.stringify(summary)}`);

  // The grant lives: no replayed refresh token, nothing revoked, every refresh accepted.
  assert.equal(server.events.grantRevoked, 0);
  assert.deepEqual(
    events.filter((event) => event.outcome !== 'success'),
    [],
  );
  // No expired token handed out, and nothing but tokens and ERR_TEAM_UNAVAILABLE.
  assert.equal(report.expired, 0);
  assert.ok(report.minLeftMs > 0, `a token arrived with ${report.minLeftMs} ms left`);
  assert.deepEqual(
    Object.keys(report.failures).filter((key) => key !== '503 ERR_TEAM_UNAVAILABLE'),
    [],
  );
  assert.ok(report.ok > report.requests / 2, `${report.ok} of ${report.requests} requests got a token`);
  // The path under test ran. With Redis gone, the machine that did not write last had to refuse at
  // some point. Out of memory, Redis still answers reads and pub/sub, and a run may pass without a
  // refusal (seen once in CI: 14,437 of 14,437 requests got a valid token); there the refreshes made
  // while writes were refused, with the grant intact (asserted above), are the evidence.
  if (fault === killed)
    assert.ok((report.failures['503 ERR_TEAM_UNAVAILABLE'] ?? 0) > 0, 'no request was refused');
  else assert.ok(grantsInOutage > 0, 'no refresh while Redis refused writes');
  // Both serve valid tokens again once Redis is back, and from then on nobody is refused.
  assert.deepEqual(verified, ['valid', 'valid'], 'each machine served a valid token after Redis came back');
  assert.ok(
    !summary.failuresAfterRecovery,
    `a request sent at ${report.lastFailureSentAt} failed after ${bothAt}`,
  );
  for (const serving of servings) assert.equal(await teamState(serving), 'ok');
  await Promise.all(servings.map((serving) => serving.stop('SIGKILL')));
}

describe('a Redis outage under load, two machines sharing a grant', () => {
  const bound = (seconds: number) => ({ timeout: (beforeSeconds + seconds + afterSeconds + 60) * 1000 });

  it(
    `Redis SIGKILLed for ${outageSeconds} s: 0 revoked, 0 expired, only ERR_TEAM_UNAVAILABLE, both serve again`,
    bound(outageSeconds),
    (t) => outageUnderLoad(t, killed, outageSeconds),
  );

  it(`Redis out of memory for ${oomSeconds} s (its data kept): the same`, bound(oomSeconds), (t) =>
    outageUnderLoad(t, outOfMemory, oomSeconds),
  );

  it('after an outage, the machine that refreshed alone shares its token again at once, without a refresh, and the other takes it', async () => {
    const own = await startRedis();
    const longServer = await startTokenServer({ accessTokenTtlSeconds: 600 });
    const team = await createTeamWorkspace({
      server: longServer,
      redis: own.url,
      tokens: [{ name: 'api', refreshBeforeSeconds: 60 }],
    });
    try {
      const [a, b] = [team.machine('a'), team.machine('b')];
      await a.setSecret(
        'api',
        'refresh_token',
        await longServer.mintRefreshToken({ clientId: longServer.publicClientId }),
      );
      assert.equal((await a.run(['get', 'api'])).code, 0);
      const fromTeam = await b.run(['get', 'api']);
      assert.equal(fromTeam.code, 0, fromTeam.stderr);
      const serving = [await a.serve(), await b.serve()];
      await waitUntil(
        async () => (await Promise.all(serving.map(teamState))).every((state) => state === 'ok'),
        'team mode to connect',
      );

      await own.kill();
      await waitUntil(
        async () => (await Promise.all(serving.map(teamState))).every((state) => state === 'degraded'),
        'both to see Redis gone',
      );
      // Machine a wrote last: it may refresh alone; b may not (its copy of the refresh token is the
      // one a has just spent), and says so.
      const alone = await a.run(['refresh', 'api']);
      assert.equal(alone.code, 0, alone.stderr);
      const refused = await b.run(['refresh', 'api']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /ERR_TEAM_UNAVAILABLE: .*Fix: bring Redis back/);
      const grants = longServer.events.grantSuccess;

      // Redis comes back empty; a's serve shares the token it refreshed meanwhile, with no refresh.
      await own.restart();
      const stateKey = async () => (await own.cli('--scan', '--pattern', '*:state')).trim();
      await waitUntil(
        async () =>
          (await stateKey()) !== '' && (await own.cli('hget', await stateKey(), 'refresh')).trim() !== '',
        'machine a to share its refresh token again',
        15_000,
      );
      assert.equal(longServer.events.grantSuccess, grants, 'shared without a refresh');
      // Machine b now refreshes from the team's refresh token, the live one: nothing is revoked.
      const refreshed = await b.run(['refresh', 'api']);
      assert.equal(refreshed.code, 0, refreshed.stderr);
      assert.equal(longServer.events.grantRevoked, 0);
      assert.equal(longServer.events.grantError, 0);
      await Promise.all(serving.map((each) => each.stop()));
    } finally {
      await team.remove();
      await longServer.close();
      await own.stop();
    }
  });

  it('a revoked grant: the machine the provider refuses tells the team, and the other says "sign in again" without asking', async () => {
    const own = await startRedis();
    const longServer = await startTokenServer({ accessTokenTtlSeconds: 600 });
    const team = await createTeamWorkspace({
      server: longServer,
      redis: own.url,
      tokens: [{ name: 'api', refreshBeforeSeconds: 60 }],
    });
    try {
      const [a, b] = [team.machine('a'), team.machine('b')];
      await a.setSecret(
        'api',
        'refresh_token',
        await longServer.mintRefreshToken({ clientId: longServer.publicClientId }),
      );
      assert.equal((await a.run(['get', 'api'])).code, 0);
      assert.equal((await b.run(['get', 'api'])).code, 0);
      // Someone else spends the grant's live refresh token: the copy both machines hold is retired.
      const secrets = JSON.parse(await readFile(join(a.dataDir, 'secrets.json'), 'utf8')) as {
        tokens: Record<string, { refresh_token?: string }>;
      };
      const stolen = await fetch(longServer.tokenEndpoint, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: secrets.tokens.api?.refresh_token ?? '',
          client_id: longServer.publicClientId,
          resource: longServer.resource,
        }),
      });
      assert.equal(stolen.status, 200);

      // Machine a presents the retired one: the provider revokes the grant and a is told so.
      const refused = await a.run(['refresh', 'api']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /ERR_NEEDS_SIGN_IN/);
      assert.equal(longServer.events.grantRevoked, 1);
      const asked = longServer.log.length;
      // Machine b holds the same refresh token: it says "sign in again" without sending it. (A get
      // that needs a refresh: a forced one would hand back the token b obtained a moment ago.)
      await delay(2000);
      for (let i = 0; i < 3; i++) {
        const told = await b.run(['get', 'api', '--min-valid', '599']);
        assert.equal(told.code, 1, `${told.stdout.slice(0, 12)} ${told.stderr}`);
        assert.match(
          told.stderr,
          /ERR_NEEDS_SIGN_IN: .*refused its refresh token \(invalid_grant\).*Sign in again/,
        );
      }
      assert.equal(longServer.log.length, asked, 'machine b asked the provider nothing');
    } finally {
      await team.remove();
      await longServer.close();
      await own.stop();
    }
  });
});
