// #16 item 4: a client tells a wedged agent (holds its socket, answers nothing) from a slow request,
// under a fake clock: the /healthz watch, the request limits, the pid lookup's parsing and the error;
// and a helper whose agent begins stopping asks the next one.
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { codes, TokenAgentError } from '../../agent/base/errors';
import { limitFor } from '../../agent/daemon/client';
import {
  healthTimeoutMs,
  listeningInodes,
  noAnswerError,
  otherRequestMs,
  tokenRequestMs,
  watchLiveness,
} from '../../agent/daemon/liveness';
import { againWhileStopping, type TokenSource } from '../../agent/helpers/source';

/** Lets the ping's promise chain settle between clock ticks. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('watchLiveness', () => {
  it('calls the agent wedged after two unanswered pings in a row, and not before', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const answers = [true, false, true, false, false, true];
      let pings = 0;
      let wedged = 0;
      watchLiveness(
        async () => answers[pings++] ?? true,
        () => wedged++,
        { everyMs: 5_000, misses: 2 },
      );
      for (let tick = 0; tick < 4; tick++) {
        mock.timers.tick(5_000);
        await settle();
      }
      assert.equal(pings, 4);
      assert.equal(wedged, 0, 'a miss followed by an answer starts the count again');
      mock.timers.tick(5_000);
      await settle();
      assert.equal(wedged, 1, 'the second miss in a row');
      mock.timers.tick(20_000);
      await settle();
      assert.equal(pings, 5, 'no pings once called wedged');
      assert.equal(wedged, 1);
    } finally {
      mock.timers.reset();
    }
  });

  it('a ping that throws (connection refused: the request reports that) is not a miss; stop() ends it', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let pings = 0;
      let wedged = 0;
      const stop = watchLiveness(
        async () => {
          pings++;
          throw new Error('ECONNREFUSED');
        },
        () => wedged++,
        { everyMs: 1_000, misses: 1 },
      );
      for (let tick = 0; tick < 3; tick++) {
        mock.timers.tick(1_000);
        await settle();
      }
      assert.equal(pings, 3);
      assert.equal(wedged, 0);
      stop();
      mock.timers.tick(10_000);
      await settle();
      assert.equal(pings, 3, 'stopped');
    } finally {
      mock.timers.reset();
    }
  });
});

describe('request limits', () => {
  it('are sized to the route: /healthz short, token reads and refreshes long, the rest between', () => {
    assert.equal(limitFor('/healthz'), healthTimeoutMs);
    assert.equal(limitFor('/v1/tokens/api?min_valid=60'), tokenRequestMs);
    assert.equal(limitFor('/v1/tokens/api/refresh'), tokenRequestMs);
    // A helper's credential reads a token too, and may wait on its refresh as long.
    assert.equal(limitFor('/v1/credential?host=git.example.com&protocol=https'), tokenRequestMs);
    assert.equal(limitFor('/v1/status'), otherRequestMs);
    assert.equal(limitFor('/v1/secrets/api/refresh_token'), otherRequestMs);
    // A token request outlasts two grant timeouts (a refresh in flight, then its own) but ends.
    assert.ok(tokenRequestMs > 2 * 30_000 && tokenRequestMs <= 120_000);
  });
});

describe('the wedged-agent error', () => {
  it('is ERR_AGENT_UNAVAILABLE naming the pid and the kill that fixes it', () => {
    const error = noAnswerError({
      socketPath: '/run/user/1/token-agent/agent.sock',
      pid: 4242,
      waitedMs: 7_400,
      wedged: true,
    });
    assert.equal(error.code, codes.agentUnavailable);
    assert.equal(error.pid, 4242);
    assert.match(
      error.message,
      /pid 4242\) holds \/run\/user\/1\/token-agent\/agent\.sock but did not answer in 7 s/,
    );
    assert.match(error.message, /run 'kill 4242'/);
  });

  it('without a pid says how to find the process; a slow request is told apart from a wedge', () => {
    const error = noAnswerError({
      socketPath: '/s/agent.sock',
      pid: undefined,
      waitedMs: 75_000,
      wedged: false,
    });
    assert.match(error.message, /did not answer this request within its 75 s limit/);
    assert.match(error.message, /ss -xlp src \/s\/agent\.sock/);
  });
});

describe('listeningInodes', () => {
  it('finds the listening socket bound to the path, not its accepted connections or other paths', () => {
    const table = [
      'Num       RefCount Protocol Flags    Type St Inode Path',
      '0000000000000000: 00000002 00000000 00010000 0001 01 31337 /run/user/1/token-agent/agent.sock',
      '0000000000000000: 00000003 00000000 00000000 0001 03 31338 /run/user/1/token-agent/agent.sock',
      '0000000000000000: 00000002 00000000 00010000 0001 01 40000 /run/user/1/other.sock',
      '0000000000000000: 00000002 00000000 00010000 0001 01 40001 /tmp/with space.sock',
      '0000000000000000: 00000003 00000000 00000000 0001 03 40002',
    ].join('\n');
    assert.deepEqual([...listeningInodes(table, '/run/user/1/token-agent/agent.sock')], ['31337']);
    assert.deepEqual([...listeningInodes(table, '/tmp/with space.sock')], ['40001']);
    assert.deepEqual([...listeningInodes(table, '/nowhere.sock')], []);
  });
});

describe('a credential helper whose agent begins stopping', () => {
  const answer = { access_token: 'fake-access-value', token_type: 'Bearer' } as const;
  const source = (token: TokenSource['token']): TokenSource => ({
    served: async () => [],
    token,
    refresh: async () => undefined,
  });

  it('asks again on a new connection after ERR_STOPPING, and gets the next agent’s answer', async () => {
    const stopping = source(async () => {
      throw new TokenAgentError(codes.agentStopping, 'the token agent is stopping');
    });
    const next = source(async () => answer);
    let connections = 0;
    let forgotten = 0;
    const got = await againWhileStopping(
      async () => (connections++ === 0 ? stopping : next),
      () => forgotten++,
      (agent) => agent.token('api', 60),
    );
    assert.deepEqual(got, answer);
    assert.deepEqual({ connections, forgotten }, { connections: 2, forgotten: 1 });
  });

  it('passes any other error through at once, and gives up after three stopping agents', async () => {
    let calls = 0;
    const failing = (code: (typeof codes)[keyof typeof codes]) =>
      source(async () => {
        calls++;
        throw new TokenAgentError(code, 'no');
      });
    await assert.rejects(
      againWhileStopping(
        async () => failing(codes.needsSignIn),
        () => undefined,
        (agent) => agent.token('api', 0),
      ),
      (error: unknown) => (error as TokenAgentError).code === codes.needsSignIn,
    );
    assert.equal(calls, 1);
    calls = 0;
    await assert.rejects(
      againWhileStopping(
        async () => failing(codes.agentStopping),
        () => undefined,
        (agent) => agent.token('api', 0),
      ),
      (error: unknown) => (error as TokenAgentError).code === codes.agentStopping,
    );
    assert.equal(calls, 3);
  });
});
