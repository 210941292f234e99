// A team member that takes the refresh lock and then does as it is told, for the fencing test:
// `node --import tsx test/support/teamHolder.ts JSON` with {redis, key, lockTtlMs, token}. It takes
// the lock for `token` and prints {"fence": N}; then, on a line `commit` on stdin (after the test
// paused and resumed it), it writes a token of its own with that fence and prints what the team said.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TokenDefinition } from '../../agent/config/types';
import { MemoryStore } from '../../agent/store/memoryStore';
import { RedisCoordinator } from '../../agent/team/redisCoordinator';
import { TeamKey } from '../../agent/team/seal';

export interface HolderPlan {
  redis: string;
  key: string;
  lockTtlMs: number;
  definition: TokenDefinition;
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2] ?? '') as HolderPlan;
  const dataDir = await mkdtemp(join(tmpdir(), 'token-agent-holder-'));
  const coordinator = new RedisCoordinator({
    config: plan.redis,
    key: TeamKey.parse(plan.key),
    store: new MemoryStore(),
    dataDir,
    grantTimeoutMs: 1000,
    lockTtlMs: plan.lockTtlMs,
  });
  try {
    const lease = await coordinator.acquire(plan.definition, () => false);
    if (!('commit' in lease)) throw new Error('expected a lease');
    process.stdout.write(`${JSON.stringify({ fence: lease.fence })}\n`);
    const lines = createInterface({ input: process.stdin });
    for await (const line of lines) {
      if (line !== 'commit') continue;
      const result = await lease.commit(
        { accessToken: 'token-written-late', expiresAt: Date.now() + 60_000 },
        'refresh-token-written-late',
      );
      await lease.release();
      process.stdout.write(`${JSON.stringify(result)}\n`);
      break;
    }
  } finally {
    process.stdin.destroy();
    await coordinator.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
