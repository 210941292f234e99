// A token endpoint that fails: the CLI says so in one line naming the error code, leaves the refresh
// token in the keyring as it was, and the next call succeeds. The long-lived engine then waits as
// specified before trying again: Retry-After on a 429, exponential backoff with jitter otherwise.
// A failure after the request went out with no readable answer (garbage, no answer) may have cost the
// refresh token at a rotating provider (#16 item 6): the next call then asks for a sign-in and sends
// nothing, even where, as here, the fault came before the provider and a retry would have worked.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../agent/config/validate';
import { TokenEngine } from '../../agent/engine/tokenEngine';
import { MemoryStore } from '../../agent/store/memoryStore';
import {
  type AgentWorkspace,
  createWorkspace,
  refreshTokenEntry,
  stderrLines,
  verifyAccessToken,
} from '../support/agentCli';
import { type SecretService, startSecretService } from '../support/secretService';
import { type Fault, startTokenServer, type TokenServer } from '../support/tokenServer';
import { waitUntil } from '../support/waitFor';

let server: TokenServer;

before(async () => {
  server = await startTokenServer({ accessTokenTtlSeconds: 300 });
});

after(() => server?.close());

describe('token-agent get when the token endpoint fails', () => {
  let secrets: SecretService;
  const workspaces: AgentWorkspace[] = [];

  before(async () => {
    secrets = await startSecretService();
  });

  after(async () => {
    for (const workspace of workspaces) await workspace.remove();
    await secrets?.stop();
  });

  const cases: {
    what: string;
    fault: Fault | 'hang';
    code: string;
    mentions?: RegExp;
    /** The agent cannot tell this from a rotation the provider committed: a sign-in comes next. */
    mayHaveRotated?: true;
  }[] = [
    { what: 'HTTP 500', fault: { status: 500 }, code: 'ERR_TOKEN_ENDPOINT_HTTP', mentions: /\b500\b/ },
    {
      what: 'HTTP 429 with Retry-After',
      fault: { status: 429, headers: { 'retry-after': '7' } },
      code: 'ERR_TOKEN_ENDPOINT_HTTP',
      mentions: /\b429\b/,
    },
    {
      what: 'HTTP 502 with an HTML page',
      fault: { status: 502, body: '<html>Bad Gateway</html>', headers: { 'content-type': 'text/html' } },
      code: 'ERR_TOKEN_ENDPOINT_HTTP',
      mentions: /\b502\b/,
    },
    {
      what: 'garbage JSON',
      fault: { status: 200, body: '{"access_token":' },
      code: 'ERR_NEEDS_SIGN_IN',
      mentions: /is not JSON.*may have rotated/,
      mayHaveRotated: true,
    },
    {
      what: 'JSON without an access token',
      fault: { status: 200, body: { token_type: 'Bearer', expires_in: 300 } },
      code: 'ERR_TOKEN_ENDPOINT_RESPONSE',
    },
    {
      what: 'no answer at all',
      fault: 'hang',
      code: 'ERR_NEEDS_SIGN_IN',
      mentions: /did not answer in time.*may have rotated/,
      mayHaveRotated: true,
    },
  ];

  for (const [index, { what, fault, code, mentions, mayHaveRotated }] of cases.entries()) {
    const next = mayHaveRotated ? 'the next get asks for a sign-in without a request' : 'the next get works';
    it(`${what}: exits 1 with one ${code} line, keeps the refresh token, and ${next}`, async () => {
      const name = `fault-${index}`;
      const workspace = await createWorkspace({ noAgent: true, server, secrets, tokens: [{ name }] });
      workspaces.push(workspace);
      const refreshToken = await server.mintRefreshToken({ clientId: server.publicClientId });
      await workspace.setSecret(name, 'refresh_token', refreshToken);
      const revoked = server.events.grantRevoked;

      if (fault === 'hang') server.hangNext(1);
      else server.failNext(1, fault);
      // The grant timeout is 30 s by default; the variable shortens it for this one process.
      const failed = await workspace.run(['get', name], { env: { TOKEN_AGENT_GRANT_TIMEOUT_MS: '500' } });
      assert.equal(failed.code, 1);
      assert.equal(failed.stdout, '');
      const lines = stderrLines(failed);
      assert.equal(lines.length, 1, failed.stderr);
      assert.match(lines[0] ?? '', new RegExp(`^token-agent: ${code}: \\S`));
      if (mentions) assert.match(lines[0] ?? '', mentions);
      assert.equal(await workspace.readSecret(name, 'refresh_token'), refreshToken);
      assert.equal(await workspace.readSecret(name, 'access_token'), undefined);

      if (mayHaveRotated) {
        const requests = server.log.length;
        const refused = await workspace.run(['get', name]);
        assert.equal(refused.code, 1);
        assert.match(stderrLines(refused)[0] ?? '', /^token-agent: ERR_NEEDS_SIGN_IN: .*sign in again/);
        assert.equal(server.log.length, requests, 'no request: the old refresh token is not presented again');
        assert.equal(server.events.grantRevoked, revoked);
        return;
      }
      const next = await workspace.run(['get', name]);
      assert.equal(next.code, 0, next.stderr);
      await verifyAccessToken(server, next.stdout.trim());
      assert.notEqual(await workspace.readSecret(name, 'refresh_token'), refreshToken);
      assert.equal(server.events.grantRevoked, revoked);
    });
  }
});

describe('the long-lived engine after a failed refresh', () => {
  let dataDir: string;
  const engines: TokenEngine[] = [];

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'token-agent-engine-'));
  });

  after(async () => {
    for (const engine of engines) engine.stop();
    // A budget.json write may still be running after stop(); removing the folder under it fails.
    await Promise.all(engines.map((engine) => engine.idle()));
    await rm(dataDir, { recursive: true, force: true });
  });

  /** An engine with one signed-in token, its clock frozen at `clock.now`, its randomness at 0.5. */
  async function engineWithToken(name: string, clock: { now: number }) {
    const { config, problems } = parseConfig(
      JSON.stringify({ store: 'memory', tokens: [refreshTokenEntry(server, { name })] }),
    );
    assert.deepEqual(problems, []);
    const store = new MemoryStore();
    await store.set(
      name,
      'refresh_token',
      await server.mintRefreshToken({ clientId: server.publicClientId }),
    );
    const engine = new TokenEngine({
      definitions: config.tokens,
      store,
      dataDir,
      schedule: true,
      now: () => clock.now,
      random: () => 0.5,
    });
    engines.push(engine);
    // Not started: the first get() does the first refresh, so the fault meets that one request.
    return engine;
  }

  const stateOf = (engine: TokenEngine) => {
    const [state] = engine.states();
    assert.ok(state);
    return state;
  };

  it('waits for Retry-After on a 429, in seconds or as an HTTP date', async () => {
    const clock = { now: Date.now() };
    const engine = await engineWithToken('limited', clock);

    server.failNext(1, { status: 429, headers: { 'retry-after': '7' } });
    await assert.rejects(engine.get('limited'), { code: 'ERR_TOKEN_ENDPOINT_HTTP' });
    let state = stateOf(engine);
    assert.equal(state.phase, 'error');
    assert.equal(state.lastError?.code, 'ERR_TOKEN_ENDPOINT_HTTP');
    assert.equal(state.nextRefreshAt, clock.now + 7_000);

    // A date is read against the same clock: here, a whole second 30 s ahead of it.
    const retryAt = Math.ceil((clock.now + 30_000) / 1000) * 1000;
    server.failNext(1, { status: 429, headers: { 'retry-after': new Date(retryAt).toUTCString() } });
    await assert.rejects(engine.get('limited'), { code: 'ERR_TOKEN_ENDPOINT_HTTP' });
    state = stateOf(engine);
    assert.equal(state.nextRefreshAt, retryAt);
    engine.stop();
  });

  it('backs off exponentially after a 500, ignoring its Retry-After, then retries on schedule', async () => {
    const clock = { now: Date.now() };
    const engine = await engineWithToken('flaky', clock);

    // Retry-After only asks for a wait on 429 and 503 (RFC 9110 §10.2.3); on a 500 it is ignored.
    server.failNext(2, { status: 500, headers: { 'retry-after': '60' } });
    await assert.rejects(engine.get('flaky'), { code: 'ERR_TOKEN_ENDPOINT_HTTP' });
    // First failure: between half and all of the 1 s base, 750 ms with the randomness at 0.5.
    assert.equal((stateOf(engine).nextRefreshAt ?? 0) - clock.now, 750);
    await assert.rejects(engine.get('flaky'), { code: 'ERR_TOKEN_ENDPOINT_HTTP' });
    // Second failure: between 1 s and 2 s.
    assert.equal((stateOf(engine).nextRefreshAt ?? 0) - clock.now, 1_500);

    // The timer fires by itself and the server, healthy again, answers.
    const succeeded = server.events.grantSuccess;
    await waitUntil(() => server.events.grantSuccess > succeeded, 'the scheduled retry');
    await waitUntil(() => stateOf(engine).phase === 'fresh', 'the engine to hold the new token');
    const state = stateOf(engine);
    assert.equal(state.lastError, undefined);
    assert.ok((state.nextRefreshAt ?? 0) > clock.now, 'the next refresh is scheduled before expiry');
    const token = await engine.get('flaky');
    await verifyAccessToken(server, token.accessToken);
    engine.stop();
  });
});
