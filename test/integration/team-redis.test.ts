// Team mode against a real Redis: the fencing check refuses the late write of a holder that was
// paused (SIGSTOP) past its lock; two machines that share nothing but Redis refresh once per window
// and pass the rotating refresh token to each other, sealed; and the same works through a three-node
// Redis Cluster.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import type { TokenDefinition } from '../../agent/config/types';
import type { TeamLease } from '../../agent/engine/coordinator';
import { MemoryStore } from '../../agent/store/memoryStore';
import { RedisCoordinator } from '../../agent/team/redisCoordinator';
import { TeamKey } from '../../agent/team/seal';
import { verifyAccessToken } from '../support/agentCli';
import { startProcess } from '../support/agentProcess';
import { type RedisCluster, type RedisNode, startRedis, startRedisCluster } from '../support/redis';
import { createTeamWorkspace, httpGet, type TeamWorkspace } from '../support/team';
import type { HolderPlan } from '../support/teamHolder';
import type { LoadPlan, LoadReport } from '../support/teamLoad';
import { startTokenServer, type TokenServer } from '../support/tokenServer';
import { waitUntil } from '../support/waitFor';

const holderScript = resolve(__dirname, '..', 'support', 'teamHolder.ts');
const loadDriver = resolve(__dirname, '..', 'support', 'teamLoad.ts');

let redis: RedisNode;
let server: TokenServer;
const cleanups: (() => Promise<unknown>)[] = [];

before(async () => {
  redis = await startRedis();
  server = await startTokenServer({ accessTokenTtlSeconds: 5 });
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await server?.close();
  await redis?.stop();
});

describe('team mode over Redis', () => {
  it('refuses the late write of a holder paused past its lock (fencing)', async () => {
    const key = randomBytes(32).toString('base64');
    const definition: TokenDefinition = {
      type: 'oauth2-refresh-token',
      name: 'fenced',
      tokenEndpoint: 'http://127.0.0.1:1/token',
      clientId: 'fencing-test',
      refreshBeforeSeconds: 60,
      refreshBudgetPerHour: 60,
    };
    const plan: HolderPlan = { redis: redis.url, key, lockTtlMs: 1000, definition };
    const holder = startProcess(['--import', 'tsx', holderScript, JSON.stringify(plan)], process.env, null);
    cleanups.push(async () => {
      holder.child.kill('SIGKILL');
      await holder.done;
    });
    const lines = createInterface({ input: holder.child.stdout })[Symbol.asyncIterator]();
    const { fence: lateFence } = JSON.parse((await lines.next()).value as string) as { fence: number };
    holder.child.kill('SIGSTOP');

    // Another member waits for the paused holder's lock and takes it when it expires.
    const dataDir = await mkdtemp(join(tmpdir(), 'token-agent-fence-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const member = new RedisCoordinator({
      config: redis.url,
      key: TeamKey.parse(key),
      store: new MemoryStore(),
      dataDir,
      grantTimeoutMs: 1000,
      lockTtlMs: 1000,
    });
    cleanups.push(() => member.close());
    const lease = (await member.acquire(definition, () => false)) as TeamLease;
    assert.ok('commit' in lease, 'the second member holds the lock');
    // A higher fence than the paused holder's: the lock changed hands only once its lease expired.
    assert.ok(lease.fence > lateFence, `fence ${lease.fence} after ${lateFence}`);
    const written = await lease.commit(
      { accessToken: 'token-of-the-new-holder', expiresAt: Date.now() + 60_000 },
      'rt-new',
    );
    assert.deepEqual(written, { outcome: 'committed' });
    await lease.release();

    // The paused holder wakes up and writes what it obtained: refused, and told the team's token.
    holder.child.kill('SIGCONT');
    holder.child.stdin.end('commit\n');
    const late = JSON.parse((await lines.next()).value as string) as {
      outcome: string;
      latest?: { accessToken: string; fence: number };
    };
    assert.equal(late.outcome, 'superseded');
    assert.equal(late.latest?.accessToken, 'token-of-the-new-holder');
    assert.equal(late.latest?.fence, lease.fence);
    assert.equal((await holder.done).code, 0);
    const stored = await member.latest(definition);
    assert.equal(stored?.accessToken, 'token-of-the-new-holder');
  });

  it('tells the status when Redis goes away and when it is back', async () => {
    const own = await startRedis();
    cleanups.push(() => own.stop());
    const dataDir = await mkdtemp(join(tmpdir(), 'token-agent-health-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const member = new RedisCoordinator({
      config: own.url,
      key: TeamKey.parse(randomBytes(32).toString('base64')),
      store: new MemoryStore(),
      dataDir,
      grantTimeoutMs: 1000,
    });
    cleanups.push(() => member.close());
    await waitUntil(async () => member.health().state === 'ok', 'a connected team', 10_000);
    const seen: string[] = [];
    member.onHealthChange(() => seen.push(member.health().state));

    await own.kill();
    await waitUntil(async () => seen.includes('degraded'), 'a degraded health reported', 15_000);
    const degraded = member.health();
    assert.equal(degraded.state, 'degraded');
    assert.match(degraded.state === 'degraded' ? degraded.detail : '', /unreachable/);
    await own.restart();
    await waitUntil(async () => seen.at(-1) === 'ok', 'the team reported back', 30_000);
    assert.equal(member.health().state, 'ok');
  });

  describe('two machines that share only Redis', () => {
    let workspace: TeamWorkspace;

    before(async () => {
      workspace = await createTeamWorkspace({
        server,
        redis: redis.url,
        tokens: [{ name: 'api', refreshBeforeSeconds: 2 }],
      });
      cleanups.push(() => workspace.remove());
    });

    it('refresh once per window between them, and pass the rotating refresh token through Redis', async () => {
      const [a, b] = [workspace.machine('a'), workspace.machine('b')];
      await a.setSecret(
        'api',
        'refresh_token',
        await server.mintRefreshToken({ clientId: server.publicClientId }),
      );
      const first = await a.run(['get', 'api']);
      assert.equal(first.code, 0, first.stderr);
      // Machine b has no refresh token of its own: everything it gets comes through Redis.
      const servings = [
        await a.serve(),
        await a.serve([`unix:${join(a.runtimeDir, 'second.sock')}`]),
        await b.serve(),
      ];
      cleanups.push(() => Promise.all(servings.map((serving) => serving.stop('SIGKILL'))));
      const logged = server.log.length;
      const plan: LoadPlan = {
        sockets: servings.map((serving) => serving.socketPath ?? ''),
        token: 'api',
        clients: 30,
        durationMs: 12_000,
        minValidSeconds: 1,
        pauseMs: [20, 60],
      };
      const driver = await startProcess(
        ['--import', 'tsx', loadDriver, JSON.stringify(plan)],
        process.env,
        '',
      ).done;
      assert.equal(driver.code, 0, driver.stderr);
      const report = JSON.parse(driver.stdout.trim()) as LoadReport;
      assert.deepEqual(report.failures, {});
      assert.equal(report.expired, 0);

      const events = server.log.slice(logged);
      assert.deepEqual(
        events.filter((event) => event.outcome !== 'success'),
        [],
      );
      const grants = events.map((event) => event.at);
      assert.ok(grants.length >= 3, `${grants.length} refreshes in 12 s`);
      const gaps = grants.slice(1).map((at, index) => at - (grants[index] as number));
      assert.ok(Math.min(...gaps) >= 1500, `refreshes ${Math.min(...gaps)} ms apart`);
      for (const serving of servings) {
        const status = await httpGet({ socketPath: serving.socketPath ?? '' }, '/v1/status');
        assert.deepEqual((status.body as { team: unknown }).team, { state: 'ok' });
      }

      // Machine b ends with the live refresh token in its own store (after its next look at the team),
      // though it never had one of its own; Redis holds it sealed, never in clear.
      await Promise.all(servings.map((serving) => serving.stop()));
      const got = await b.run(['get', 'api']);
      assert.equal(got.code, 0, got.stderr);
      const secrets = JSON.parse(await readFile(join(b.dataDir, 'secrets.json'), 'utf8')) as {
        tokens: Record<string, { refresh_token?: string }>;
      };
      const stateKey = (await redis.cli('--scan', '--pattern', 'token-agent:{api:*}:state')).trim();
      const sealed = (await redis.cli('hget', stateKey, 'refresh')).trim();
      assert.match(sealed, /^tae1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$/);
      const opened = TeamKey.parse(workspace.teamKey).open(sealed, stateKey);
      assert.ok('text' in opened, 'the team key opens it');
      assert.equal(secrets.tokens.api?.refresh_token, opened.text);
      assert.ok(!(await redis.cli('get', stateKey.replace(/:state$/, ':access'))).includes('eyJ'));
      // It is the live one: a refresh with it works and revokes nothing.
      const refreshed = await b.run(['refresh', 'api']);
      assert.equal(refreshed.code, 0, refreshed.stderr);
      assert.equal(server.events.grantRevoked, 0);
    });
  });

  describe('a three-node Redis Cluster', () => {
    let cluster: RedisCluster;
    let workspace: TeamWorkspace;

    before(async () => {
      cluster = await startRedisCluster();
      cleanups.push(() => cluster.stop());
      workspace = await createTeamWorkspace({
        server,
        redis: { cluster: cluster.urls },
        tokens: [{ name: 'api', refreshBeforeSeconds: 2 }],
      });
      cleanups.push(() => workspace.remove());
    });

    it('refreshes on one machine and serves the same token to another, all keys on one node', async () => {
      const [a, b] = [workspace.machine('a'), workspace.machine('b')];
      await a.setSecret(
        'api',
        'refresh_token',
        await server.mintRefreshToken({ clientId: server.publicClientId }),
      );
      const counted = server.events.grantSuccess;
      const refreshed = await a.run(['refresh', 'api']);
      assert.equal(refreshed.code, 0, refreshed.stderr);
      const got = await b.run(['get', 'api']);
      assert.equal(got.code, 0, got.stderr);
      await verifyAccessToken(server, got.stdout.trim());
      const fromA = await a.run(['get', 'api']);
      assert.equal(fromA.stdout, got.stdout, 'b was handed the token a refreshed');
      assert.equal(server.events.grantSuccess - counted, 1, 'one refresh in all');

      // The token's keys share a hash tag, so one node holds them all.
      const perNode = await Promise.all(
        cluster.nodes.map((node) => node.cli('--scan', '--pattern', 'token-agent:*')),
      );
      const holding = perNode.map((keys) => keys.split('\n').filter(Boolean));
      assert.equal(holding.filter((keys) => keys.length > 0).length, 1, JSON.stringify(holding));
      assert.deepEqual(
        holding
          .flat()
          .map((name) => name.split(':').at(-1))
          .sort(),
        ['access', 'fence', 'state'],
      );

      const serving = await b.serve();
      cleanups.push(() => serving.stop('SIGKILL'));
      await waitUntil(async () => {
        const status = await httpGet({ socketPath: serving.socketPath ?? '' }, '/v1/status');
        return (status.body as { team?: { state: string } }).team?.state === 'ok';
      }, 'serve to report the cluster ok');
      await serving.stop();
    });
  });
});
