import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RestartPolicy } from '../../extension/restartPolicy';

describe('RestartPolicy', () => {
  const options = { initialDelayMs: 500, maxDelayMs: 4_000, stableAfterMs: 60_000 };

  it('doubles the delay on each crash up to the cap', () => {
    const policy = new RestartPolicy(options);
    const delays = [1, 2, 3, 4, 5, 6].map(() => policy.crashed(0).delayMs);
    assert.deepEqual(delays, [500, 1_000, 2_000, 4_000, 4_000, 4_000]);
  });

  it('keeps counting when the agent crashes again soon after starting', () => {
    const policy = new RestartPolicy(options);
    policy.crashed(0);
    policy.started(1_000);
    assert.deepEqual(policy.crashed(5_000), { attempt: 2, delayMs: 1_000 });
  });

  it('starts over once the agent stayed up long enough', () => {
    const policy = new RestartPolicy(options);
    policy.crashed(0);
    policy.crashed(0);
    policy.started(1_000);
    assert.deepEqual(policy.crashed(61_000), { attempt: 1, delayMs: 500 });
  });
});
