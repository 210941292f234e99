// #16 item 4: every client request to the user agent is bounded, and stopping the agent answers every
// waiting request with the token its refresh in flight delivers. Through the built CLI, against the
// real oidc-provider (rotating refresh tokens; a replayed one revokes the grant) and a real
// gnome-keyring, with the agent process itself paused (SIGSTOP: it keeps its socket, the kernel still
// accepts connections, and nothing answers) or stopped (SIGTERM) while 25 clients wait on its refresh.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it, type TestContext } from 'node:test';
import { type AgentWorkspace, type CliResult, createWorkspace, verifyAccessToken } from '../support/agentCli';
import { type SecretService, startSecretService } from '../support/secretService';
import { startTokenGate, type TokenGate } from '../support/tokenGate';
import { startTokenServer, type TokenServer } from '../support/tokenServer';
import {
  agentLog,
  killLeftoverAgents,
  pathsOf,
  stopAgent,
  tokenState,
  waitForAgent,
  waitGone,
} from '../support/userAgent';
import { waitUntil } from '../support/waitFor';

let secrets: SecretService;
let server: TokenServer;
let gate: TokenGate;
const workspaces: AgentWorkspace[] = [];
// --min-valid 57 of 60-second tokens needs a refresh 3.5 s after the last one; the scheduled refresh
// comes a second before expiry, after every step here.
const ttl = 60;
const minValid = 57;

before(async () => {
  secrets = await startSecretService();
  server = await startTokenServer({ accessTokenTtlSeconds: ttl });
  gate = await startTokenGate(server.tokenEndpoint);
});

after(async () => {
  await killLeftoverAgents(workspaces);
  for (const workspace of workspaces) await workspace.remove();
  await gate?.close();
  await server?.close();
  await secrets?.stop();
});

/** A signed-in token whose refreshes pass the gate; its agent is running. */
async function signedIn(name: string): Promise<{ workspace: AgentWorkspace; pid: number }> {
  const workspace = await createWorkspace({ server, secrets, tokens: [{ name }] });
  workspaces.push(workspace);
  const config = JSON.parse(await readFile(workspace.configPath, 'utf8')) as {
    tokens: Record<string, unknown>[];
  };
  config.tokens = config.tokens.map(({ issuer: _discovery, ...entry }) => ({
    ...entry,
    tokenEndpoint: gate.endpointFor(name),
    refreshBeforeSeconds: 1,
  }));
  await writeFile(workspace.configPath, `${JSON.stringify(config, null, 2)}\n`);
  await workspace.setSecret(
    name,
    'refresh_token',
    await server.mintRefreshToken({ clientId: server.publicClientId }),
  );
  return { workspace, pid: await waitForAgent(workspace) };
}

/** Until a `get --min-valid` must refresh: the held token lives less than asked, and none is running. */
async function refreshNeeded(workspace: AgentWorkspace, name: string): Promise<void> {
  await waitUntil(
    async () => {
      const state = await tokenState(workspace, name);
      return (
        state.phase !== 'refreshing' &&
        gate.inFlight(name).length === 0 &&
        state.expiresAt !== undefined &&
        state.expiresAt - Date.now() < minValid * 1000 - 500
      );
    },
    `'${name}' to need a refresh`,
    (ttl - minValid) * 1000 + 15_000,
  );
}

/**
 * Connections the agent has accepted on its socket and not closed: on Linux an accepted Unix socket
 * carries the listening socket's path in /proc/net/unix, in state 03 (connected).
 */
async function acceptedConnections(socketPath: string): Promise<number> {
  const table = await readFile('/proc/net/unix', 'utf8');
  return table
    .split('\n')
    .filter((line) => line.endsWith(` ${socketPath}`) && line.trim().split(/\s+/)[5] === '03').length;
}

async function tokenOf(result: CliResult, what: string): Promise<string> {
  assert.equal(result.code, 0, `${what}: exit ${result.code ?? result.signal}: ${result.stderr}`);
  const token = result.stdout.trim();
  await verifyAccessToken(server, token);
  return token;
}

function report(t: TestContext, message: string): void {
  t.diagnostic(message);
}

function resume(pid: number): void {
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    // Already gone.
  }
}

describe('a client of a wedged agent', () => {
  it('a paused agent (SIGSTOP): get and status fail with ERR_AGENT_UNAVAILABLE naming its pid and the fix, and after SIGCONT it answers again', {
    timeout: 60_000,
  }, async (t) => {
    const name = 'wedged';
    const { workspace, pid } = await signedIn(name);
    await tokenOf(await workspace.run(['get', name]), 'the get before the pause');
    process.kill(pid, 'SIGSTOP');
    try {
      for (const args of [['get', name], ['status']]) {
        const started = Date.now();
        const result = await workspace.run(args);
        report(
          t,
          `${args.join(' ')} on a paused agent: exit ${result.code} after ${Date.now() - started} ms`,
        );
        assert.equal(result.code, 1, `${args[0]}: ${result.stderr}`);
        assert.equal(result.stdout, '', 'no token printed');
        assert.match(result.stderr, /^token-agent: ERR_AGENT_UNAVAILABLE: /);
        assert.match(result.stderr, new RegExp(`\\b${pid}\\b`), 'names the pid holding the socket');
        assert.match(result.stderr, new RegExp(`kill ${pid}`), 'says how to fix it');
      }
    } finally {
      resume(pid);
    }
    await tokenOf(await workspace.run(['get', name]), 'the get after SIGCONT');
    await stopAgent(workspace);
  });

  it('an agent paused while a get waits on its refresh: the get fails with ERR_AGENT_UNAVAILABLE; after SIGCONT the refresh is kept, 0 revoked', {
    timeout: 90_000,
  }, async (t) => {
    const name = 'wedged-mid';
    const { workspace, pid } = await signedIn(name);
    const revokedBefore = server.events.grantRevoked;
    await refreshNeeded(workspace, name);
    gate.hold(name);
    const since = Date.now();
    const waiting = workspace.start(['get', name, '--min-valid', String(minValid)]);
    try {
      await waitUntil(() => gate.held(name) === 1, 'the refresh to reach the provider');
      process.kill(pid, 'SIGSTOP');
      const pausedAt = Date.now();
      const result = await waiting.done;
      report(
        t,
        `get waiting on a refresh, agent paused: exit ${result.code} ${Date.now() - pausedAt} ms after the pause`,
      );
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /^token-agent: ERR_AGENT_UNAVAILABLE: .*\bkill \d+/);
    } finally {
      resume(pid);
      gate.release(name);
    }
    // The agent finishes the refresh it started; the next get has its token, and no grant is lost.
    const token = await tokenOf(
      await workspace.run(['get', name, '--min-valid', String(minValid)]),
      'the get after SIGCONT',
    );
    assert.deepEqual(
      gate.requests
        .filter((request) => request.name === name && request.arrivedAt >= since)
        .map((r) => r.status),
      [200],
      'one refresh',
    );
    assert.equal((await workspace.run(['get', name])).stdout.trim(), token);
    assert.equal(server.events.grantRevoked - revokedBefore, 0, 'no grant revoked');
    await stopAgent(workspace);
  });
});

describe('stopping the agent while clients wait on its refresh', () => {
  const waiters = 25;
  const late = 5;

  it(`SIGTERM with ${waiters} clients waiting on a held refresh: all ${waiters} get the token it delivers, ${late} late clients get theirs from the next agent, 1 refresh, 0 revoked`, {
    timeout: 120_000,
  }, async (t) => {
    const name = 'term25';
    const { workspace, pid } = await signedIn(name);
    const { socketPath } = pathsOf(workspace);
    const revokedBefore = server.events.grantRevoked;
    await refreshNeeded(workspace, name);
    gate.hold(name);
    const since = Date.now();
    const clients = Array.from({ length: waiters }, () =>
      workspace.start(['get', name, '--min-valid', String(minValid)]),
    );
    let lateClients: ReturnType<AgentWorkspace['start']>[] = [];
    try {
      await waitUntil(() => gate.held(name) === 1, 'the refresh to reach the provider', 30_000);
      // Every client's request is in the agent (its health check answered and closed).
      await waitUntil(
        async () => (await acceptedConnections(socketPath)) === waiters,
        `${waiters} requests waiting in the agent`,
        30_000,
      );
      process.kill(pid, 'SIGTERM');
      await waitUntil(async () => /SIGTERM: stopping/.test(await agentLog(workspace)), 'the agent to stop');
      // Started after the stop began: the old agent takes nothing new from them (ERR_STOPPING).
      lateClients = Array.from({ length: late }, () => workspace.start(['get', name]));
    } finally {
      gate.release(name);
    }
    const results = await Promise.all(clients.map((client) => client.done));
    const tokens = new Set<string>();
    for (const [index, result] of results.entries())
      tokens.add(await tokenOf(result, `waiting client ${index + 1}`));
    const refreshes = gate.requests.filter((request) => request.name === name && request.arrivedAt >= since);
    report(
      t,
      `${results.filter((r) => r.code === 0).length} of ${waiters} waiting clients got a token; ${tokens.size} distinct; refreshes ${refreshes.length}`,
    );
    assert.equal(tokens.size, 1, 'every waiting client got the one token of the one refresh');
    await waitGone(pid, 'the stopped agent to exit', 45_000);
    const lateResults = await Promise.all(lateClients.map((client) => client.done));
    for (const [index, result] of lateResults.entries())
      assert.equal(
        await tokenOf(result, `late client ${index + 1}`),
        [...tokens][0],
        'the stored token, from the next agent',
      );
    assert.deepEqual(
      refreshes.map((request) => request.status),
      [200],
      'one refresh, at the provider before the stop',
    );
    assert.equal(server.events.grantRevoked - revokedBefore, 0, 'no grant revoked');
    const next = await waitForAgent(workspace);
    assert.notEqual(next, pid, 'a new agent serves the late clients');
    await stopAgent(workspace);
  });
});
