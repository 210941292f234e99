// Issue #18 item 6: honest health. Team mode reports Redis from its last write (lock, fencing, store),
// not its last read. A real redis-server is driven out of memory (`maxmemory 1`, `noeviction`): it
// still answers reads and refuses every write. Checked on the coordinator itself, then through the
// built CLI and agent: the status says the team is degraded, with Redis's error, until a write works.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TokenDefinition } from '../../agent/config/types';
import { type SharedToken, type TeamLease, TeamUnavailableError } from '../../agent/engine/coordinator';
import type { AgentStatus } from '../../agent/protocol';
import { MemoryStore } from '../../agent/store/memoryStore';
import { RedisCoordinator } from '../../agent/team/redisCoordinator';
import { TeamKey } from '../../agent/team/seal';
import { type AgentWorkspace, createWorkspace } from '../support/agentCli';
import { type RedisNode, startRedis } from '../support/redis';
import type { SecretService } from '../support/secretService';
import { startTokenServer, type TokenServer } from '../support/tokenServer';
import { killLeftoverAgents, stopAgent, tokenState } from '../support/userAgent';
import { nextEvent, waitUntil } from '../support/waitFor';

let redis: RedisNode;
let server: TokenServer;
const cleanups: (() => Promise<unknown>)[] = [];

before(async () => {
  redis = await startRedis();
  server = await startTokenServer({ accessTokenTtlSeconds: 600 });
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await server?.close();
  await redis?.stop();
});

async function outOfMemory(on: boolean): Promise<void> {
  await redis.cli('config', 'set', 'maxmemory-policy', 'noeviction');
  await redis.cli('config', 'set', 'maxmemory', on ? '1' : '0');
}

describe('team health follows the last write', () => {
  it('the coordinator: a refused write degrades it, a read that works does not clear it, a write that works does', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'token-agent-team-health-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const definition: TokenDefinition = {
      type: 'oauth2-refresh-token',
      name: 'health',
      tokenEndpoint: 'http://127.0.0.1:1/token',
      clientId: 'health-test',
      refreshBeforeSeconds: 60,
      refreshBudgetPerHour: 60,
    };
    const member = new RedisCoordinator({
      config: redis.url,
      key: TeamKey.parse(randomBytes(32).toString('base64')),
      store: new MemoryStore(),
      dataDir,
      grantTimeoutMs: 1000,
    });
    cleanups.push(() => member.close());
    await waitUntil(async () => member.health().state === 'ok', 'a connected team', 10_000);
    const lease = (await member.acquire(definition, () => false)) as TeamLease;
    const token = { accessToken: `at-${randomBytes(8).toString('hex')}`, expiresAt: Date.now() + 600_000 };
    assert.equal((await lease.commit(token, undefined)).outcome, 'committed');
    await lease.release();
    assert.deepEqual(member.health(), { state: 'ok' });

    await outOfMemory(true);
    try {
      await assert.rejects(
        member.acquire(definition, () => false),
        TeamUnavailableError,
      );
      const degraded = member.health();
      assert.equal(degraded.state, 'degraded');
      assert.match(degraded.state === 'degraded' ? degraded.detail : '', /a Redis write failed: .*OOM/);

      // Reads still work while Redis refuses writes; they must not make the health look fine.
      const read: SharedToken | undefined = await member.latest(definition);
      assert.equal(read?.accessToken, token.accessToken, 'the read itself succeeded');
      assert.equal(member.health().state, 'degraded', 'a successful read does not clear a failed write');
    } finally {
      await outOfMemory(false);
    }
    // The next write that works clears it.
    const again = (await member.acquire(definition, () => false)) as TeamLease;
    assert.ok('commit' in again);
    assert.deepEqual(member.health(), { state: 'ok' });
    await again.release();
  });

  it('the agent: while Redis refuses writes, `status` says the team is degraded with the error; refreshes go on locally, 0 revoked', {
    timeout: 90_000,
  }, async (t) => {
    const workspace: AgentWorkspace = await createWorkspace({
      server,
      secrets: { env: {} } as unknown as SecretService,
      tokens: [{ name: 'shared' }],
      store: 'file',
    });
    cleanups.push(() => workspace.remove());
    cleanups.push(() => killLeftoverAgents([workspace]));
    workspace.env.TEAM_KEY = randomBytes(32).toString('base64');
    const config = JSON.parse(await readFile(workspace.configPath, 'utf8')) as Record<string, unknown>;
    config.redis = { url: redis.url, keyEnv: 'TEAM_KEY', prefix: `health-${randomBytes(4).toString('hex')}` };
    await writeFile(workspace.configPath, `${JSON.stringify(config, null, 2)}\n`);
    const status = async () => JSON.parse((await workspace.run(['status', '--json'])).stdout) as AgentStatus;

    await workspace.setSecret(
      'shared',
      'refresh_token',
      await server.mintRefreshToken({ clientId: server.publicClientId }),
    );
    const revokedBefore = server.events.grantRevoked;
    await waitUntil(async () => (await status()).team?.state === 'ok', 'the team to be ok', 10_000);

    const last = (await tokenState(workspace, 'shared')).lastRefreshAt ?? Date.now();
    await waitUntil(() => Date.now() > last + 10_500, 'the forced-refresh coalescing window to pass', 15_000);
    await outOfMemory(true);
    try {
      const refreshed = await workspace.run(['refresh', 'shared']);
      assert.equal(refreshed.code, 0, `a refresh while Redis refuses writes: ${refreshed.stderr}`);
      const team = await nextEvent(async () => {
        const now = (await status()).team;
        return now?.state === 'degraded' ? now : undefined;
      }, 'the status to say the team is degraded');
      t.diagnostic(`team while Redis is out of memory: ${team.detail}`);
      assert.match(team.detail, /OOM command not allowed/);
      // Still degraded on a later look: nothing but a write may clear it.
      const got = await workspace.run(['get', 'shared']);
      assert.equal(got.code, 0, got.stderr);
      assert.equal((await status()).team?.state, 'degraded');
    } finally {
      await outOfMemory(false);
    }
    // Writes work again: the agent's probe write (every 15 s while they fail) clears it, no refresh needed.
    const recovering = Date.now();
    await waitUntil(async () => (await status()).team?.state === 'ok', 'the probe write to clear it', 40_000);
    t.diagnostic(`the team was ok again ${Date.now() - recovering} ms after Redis took writes`);
    await stopAgent(workspace);
    assert.equal(server.events.grantRevoked - revokedBefore, 0, 'no grant revoked');
  });
});
