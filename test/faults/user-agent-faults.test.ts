// The user agent under faults, through the built CLI, against a real OAuth server (oidc-provider,
// rotating refresh tokens; replaying a rotated one revokes the whole grant) and a real gnome-keyring:
// clients killed or stopped while the agent refreshes for them, a keyring that locks or restarts
// between the provider's answer and the write, the agent itself stopped mid-refresh, and two clients
// starting the agent at once. Each case ends with no grant revoked and a `get` whose token verifies.
//
// A gate in front of the token endpoint (support/tokenGate.ts) tells when a refresh is at the provider
// and can hold it there, so that every fault lands where the test says, without sleeping on a guess.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type AgentWorkspace,
  type CliResult,
  createWorkspace,
  type RunningCli,
  verifyAccessToken,
} from '../support/agentCli';
import { type SecretService, startSecretService } from '../support/secretService';
import { type GatedRequest, startTokenGate, type TokenGate } from '../support/tokenGate';
import { startTokenServer, type TokenServer } from '../support/tokenServer';
import {
  agentLog,
  agentPid,
  agentProcesses,
  killLeftoverAgents,
  pathsOf,
  processGone,
  stopAgent,
  tokenState,
  waitForAgent,
  waitGone,
} from '../support/userAgent';
import { nextEvent, waitUntil } from '../support/waitFor';

let secrets: SecretService;
const workspaces: AgentWorkspace[] = [];

before(async () => {
  secrets = await startSecretService();
});

after(async () => {
  // The agents run detached: stop them before their keyring and bus go away.
  await killLeftoverAgents(workspaces);
  for (const workspace of workspaces) await workspace.remove();
  await secrets?.stop();
});

/**
 * A workspace whose tokens reach the provider through `gate` (each on its own path, so the gate knows
 * which token a request is for). Nothing is signed in yet and no agent runs.
 */
async function gatedWorkspace(
  server: TokenServer,
  gate: TokenGate,
  names: string[],
): Promise<AgentWorkspace> {
  const workspace = await createWorkspace({ server, secrets, tokens: names.map((name) => ({ name })) });
  workspaces.push(workspace);
  const config = JSON.parse(await readFile(workspace.configPath, 'utf8')) as {
    tokens: ({ name: string; issuer?: string } & Record<string, unknown>)[];
  };
  config.tokens = config.tokens.map(({ issuer: _discovery, ...entry }) => ({
    ...entry,
    tokenEndpoint: gate.endpointFor(entry.name),
    // The scheduled refresh comes a second before expiry, well after every step of these tests.
    refreshBeforeSeconds: 1,
  }));
  await writeFile(workspace.configPath, `${JSON.stringify(config, null, 2)}\n`);
  return workspace;
}

/** Signs each token in, as a user would: `token-agent secret set` (which starts the agent). */
async function signIn(server: TokenServer, workspace: AgentWorkspace, names: string[]): Promise<void> {
  const [first, ...rest] = names;
  const mint = () => server.mintRefreshToken({ clientId: server.publicClientId });
  // The first one alone starts the agent; the others then go to it together.
  if (first !== undefined) await workspace.setSecret(first, 'refresh_token', await mint());
  await Promise.all(rest.map(async (name) => workspace.setSecret(name, 'refresh_token', await mint())));
}

/**
 * Waits until the agent's token `name` cannot serve `--min-valid minValid` any more (so that such a
 * `get` must refresh) and no refresh of it is running. Whole-second `exp` claims make the held
 * token's remaining life uncertain by up to a second; the margin keeps the answer on the safe side.
 */
async function untilRefreshNeeded(
  workspace: AgentWorkspace,
  gate: TokenGate,
  name: string,
  minValid: number,
  ttl: number,
): Promise<void> {
  const marginMs = 500;
  let last: unknown;
  try {
    await waitUntil(
      async () => {
        const state = await tokenState(workspace, name);
        last = { ...state, now: Date.now(), inFlight: gate.inFlight(name) };
        return (
          state.phase !== 'refreshing' &&
          gate.inFlight(name).length === 0 &&
          state.expiresAt !== undefined &&
          state.expiresAt - Date.now() < minValid * 1000 - marginMs
        );
      },
      `'${name}' to need a refresh for --min-valid ${minValid}`,
      (ttl - minValid) * 1000 + marginMs + 15_000,
    );
  } catch (error) {
    throw new Error(
      await withLog(workspace, `${(error as Error).message}; last state ${JSON.stringify(last)}`),
    );
  }
}

async function tokenOf(server: TokenServer, result: CliResult, what: string): Promise<string> {
  assert.equal(result.code, 0, `${what}: exit ${result.code ?? result.signal}: ${result.stderr}`);
  const token = result.stdout.trim();
  await verifyAccessToken(server, token);
  return token;
}

function requestsOf(gate: TokenGate, name: string, since = 0): GatedRequest[] {
  return gate.requests.filter((request) => request.name === name && request.arrivedAt >= since);
}

async function storedAccessToken(workspace: AgentWorkspace, name: string): Promise<string | undefined> {
  const raw = await workspace.readSecret(name, 'access_token');
  return raw === undefined ? undefined : (JSON.parse(raw) as { accessToken: string }).accessToken;
}

/** The agent's log, to attach to an assertion's message. */
async function withLog(workspace: AgentWorkspace, message: string): Promise<string> {
  return `${message}\n--- agent log ---\n${(await agentLog(workspace)).slice(-4000)}`;
}

function report(t: TestContext, message: string): void {
  t.diagnostic(message);
}

describe('a client killed while the agent refreshes for it', () => {
  // Every token request waits a second at the provider: the refresh a client asks for is in flight
  // for about that long, and the kill points are spread over it.
  const ttl = 20;
  const minValid = 16;
  const providerDelayMs = 1_000;
  let server: TokenServer;
  let gate: TokenGate;

  before(async () => {
    server = await startTokenServer({ accessTokenTtlSeconds: ttl, tokenEndpointDelayMs: providerDelayMs });
    gate = await startTokenGate(server.tokenEndpoint);
  });

  after(async () => {
    await gate?.close();
    await server?.close();
  });

  const signals = ['SIGINT', 'SIGTERM', 'SIGKILL'] as const;
  const perSignal = 20;
  const lastKillPointMs = 1_200;

  it(`get --min-valid killed by ${signals.join(', ')} at ${perSignal} points each of a ${providerDelayMs} ms refresh: every refresh completes and is kept, 0 revoked`, {
    timeout: 240_000,
  }, async (t) => {
    const startedTest = Date.now();
    // Two tokens per signal, taken in turn: while one waits for its new token to age past what
    // --min-valid accepts, the others run.
    const namesOf = (signal: string) => [`${signal.toLowerCase()}-a`, `${signal.toLowerCase()}-b`];
    const names = signals.flatMap(namesOf);
    const workspace = await gatedWorkspace(server, gate, names);
    await signIn(server, workspace, names);
    const revokedBefore = server.events.grantRevoked;
    const errorsBefore = server.events.grantError;

    interface Run {
      signal: (typeof signals)[number];
      name: string;
      killPointMs: number;
      startedAt: number;
      killedAt: number;
      result: CliResult;
    }
    const runs: Run[] = [];
    for (let index = 0; index < signals.length * perSignal; index++) {
      const signal = signals[index % signals.length] as Run['signal'];
      const round = Math.floor(index / signals.length);
      const name = namesOf(signal)[round % 2] as string;
      const killPointMs = Math.round((round * lastKillPointMs) / (perSignal - 1));
      await untilRefreshNeeded(workspace, gate, name, minValid, ttl);
      const startedAt = Date.now();
      const client: RunningCli = workspace.start(['get', name, '--min-valid', String(minValid)]);
      // The kill point is a moment chosen by the test, not a state being waited for.
      await delay(killPointMs);
      const killedAt = Date.now();
      client.child.kill(signal);
      const result = await client.done;
      runs.push({ signal, name, killPointMs, startedAt, killedAt, result });
      if (result.signal !== signal)
        await tokenOf(server, result, `${signal} at ${killPointMs} ms: the client finished first`);
    }

    // Let the refreshes the last clients asked for finish.
    await waitUntil(
      async () =>
        gate.inFlight().length === 0 &&
        (await Promise.all(names.map((name) => tokenState(workspace, name)))).every(
          (state) => state.phase !== 'refreshing',
        ),
      'the last refreshes to finish',
      30_000,
    );
    const runsEndedAt = Date.now();

    // Which refresh (if any) each run caused: the gate saw each token's requests, in order.
    type Fate =
      | 'in flight at the kill'
      | 'reached the provider after the kill'
      | 'done before the kill'
      | 'none';
    const fates = runs.map((run) => {
      const next = runs.find((later) => later.name === run.name && later.startedAt > run.startedAt);
      const caused = gate.requests.filter(
        (request) =>
          request.name === run.name &&
          request.arrivedAt >= run.startedAt &&
          request.arrivedAt < (next?.startedAt ?? runsEndedAt),
      );
      assert.ok(caused.length <= 1, `one refresh per run at most: ${JSON.stringify(caused)}`);
      const request = caused[0];
      let fate: Fate = 'none';
      if (request) {
        assert.equal(request.status, 200, `the refresh of ${run.name} answered ${request.status}`);
        const answeredAt = request.answeredAt ?? Number.POSITIVE_INFINITY;
        if (answeredAt <= run.killedAt) fate = 'done before the kill';
        else if (request.arrivedAt <= run.killedAt) fate = 'in flight at the kill';
        else fate = 'reached the provider after the kill';
      }
      return { run, fate };
    });
    for (const signal of signals) {
      const mine = fates.filter(({ run }) => run.signal === signal);
      const count = (fate: Fate) => mine.filter((entry) => entry.fate === fate).length;
      const finished = mine.filter(({ run }) => run.result.signal !== signal).length;
      report(
        t,
        `${signal}: ${mine.length} runs (kill at 0–${lastKillPointMs} ms): refresh in flight at the kill ${count('in flight at the kill')}, ` +
          `reached the provider after the kill ${count('reached the provider after the kill')}, done before the kill ${count('done before the kill')}, ` +
          `no refresh (killed before the agent got the request) ${count('none')}; clients that exited by themselves first: ${finished}`,
      );
      assert.ok(
        count('in flight at the kill') > 0,
        `${signal}: no run had a refresh in flight at the kill; the test did not test what it says`,
      );
    }
    assert.equal(server.events.grantRevoked - revokedBefore, 0, await withLog(workspace, 'no grant revoked'));
    assert.equal(server.events.grantError - errorsBefore, 0, await withLog(workspace, 'no grant error'));

    // Every refresh token the agent obtained is the one in the keyring: a new agent, with nothing in
    // memory, refreshes each token from the store alone, and the provider accepts every one.
    await stopAgent(workspace);
    await waitForAgentAfter(workspace, () => workspace.run(['status', '--json']));
    const since = Date.now();
    await Promise.all(names.map((name) => untilRefreshNeeded(workspace, gate, name, minValid, ttl)));
    const finals = await Promise.all(
      names.map((name) => workspace.run(['get', name, '--min-valid', String(minValid)])),
    );
    for (const [index, result] of finals.entries()) {
      const name = names[index] as string;
      await tokenOf(server, result, `the final get of ${name}`);
      assert.deepEqual(
        requestsOf(gate, name, since).map((request) => request.status),
        [200],
        `${name} refreshed once more from the stored refresh token`,
      );
    }
    assert.equal(server.events.grantRevoked - revokedBefore, 0, 'no grant revoked');
    report(t, `kill runs and checks took ${Math.round((Date.now() - startedTest) / 1000)} s`);
    await stopAgent(workspace);
  });
});

/** Runs `start` (a client that starts the agent) and returns the new agent's pid. */
async function waitForAgentAfter(
  workspace: AgentWorkspace,
  start: () => Promise<CliResult>,
): Promise<number> {
  const result = await start();
  assert.ok(result.code === 0 || result.code === 1, `the client failed to reach the agent: ${result.stderr}`);
  return waitForAgent(workspace);
}

describe('the user agent under faults', () => {
  // --min-valid 57 needs a refresh 3.5 s after the last one; the scheduled refresh comes only after
  // 59 s, later than any step waits, so that it never does (or hides) what a step waits for.
  const ttl = 60;
  const minValid = 57;
  let server: TokenServer;
  let gate: TokenGate;

  before(async () => {
    server = await startTokenServer({ accessTokenTtlSeconds: ttl });
    gate = await startTokenGate(server.tokenEndpoint);
  });

  after(async () => {
    await gate?.close();
    await server?.close();
  });

  const refreshNeeded = (workspace: AgentWorkspace, name: string) =>
    untilRefreshNeeded(workspace, gate, name, minValid, ttl);
  const getFresh = (workspace: AgentWorkspace, name: string) =>
    workspace.start(['get', name, '--min-valid', String(minValid)]);

  /** A refresh the agent must make, then the final checks: 0 revoked and a token that verifies. */
  async function endsWell(workspace: AgentWorkspace, name: string, revokedBefore: number): Promise<void> {
    await refreshNeeded(workspace, name);
    const since = Date.now();
    await tokenOf(server, await getFresh(workspace, name).done, `the closing get --min-valid of ${name}`);
    assert.deepEqual(
      requestsOf(gate, name, since).map((request) => request.status),
      [200],
      'a real refresh',
    );
    await tokenOf(server, await workspace.run(['get', name]), `the closing get of ${name}`);
    assert.equal(server.events.grantRevoked - revokedBefore, 0, await withLog(workspace, 'no grant revoked'));
  }

  // The old design refreshed in each client under a lock file, taken over when its holder stopped
  // beating for the stale time: 60 s in the issue (10 s by default in lockFile.ts), shortened to 12 s
  // here for CI time. A stopped client then had its refresh repeated by another with the same refresh
  // token, and the grant revoked. Now the agent refreshes; a stopped client only stops reading.
  const stoppedForMs = 12_000;

  it(`a client SIGSTOPped mid-refresh for ${stoppedForMs / 1000} s while others keep getting tokens, then SIGCONT: it gets its token, 0 revoked`, {
    timeout: 90_000,
  }, async (t) => {
    const name = 'stopped';
    const workspace = await gatedWorkspace(server, gate, [name]);
    await signIn(server, workspace, [name]);
    const revokedBefore = server.events.grantRevoked;

    await refreshNeeded(workspace, name);
    gate.hold(name);
    const asked = Date.now();
    const stopped = getFresh(workspace, name);
    await waitUntil(() => gate.held(name) === 1, "the stopped client's refresh to reach the provider");
    assert.ok(stopped.child.kill('SIGSTOP'));
    const stoppedAt = Date.now();
    gate.release(name);
    try {
      await waitUntil(
        () => requestsOf(gate, name, asked).every((r) => r.answeredAt !== undefined),
        'the provider to answer the refresh of the stopped client',
      );
      let gets = 0;
      let refreshes = 0;
      // For the whole stop: one client after another, refreshing whenever the token allows it.
      while (Date.now() - stoppedAt < stoppedForMs) {
        const state = await tokenState(workspace, name);
        const mustRefresh =
          state.phase !== 'refreshing' &&
          state.expiresAt !== undefined &&
          state.expiresAt - Date.now() < minValid * 1000 - 500;
        const since = Date.now();
        const result = await (mustRefresh ? getFresh(workspace, name) : workspace.start(['get', name])).done;
        await tokenOf(server, result, `get #${gets + 1} while a client is stopped`);
        gets++;
        if (mustRefresh) {
          assert.deepEqual(
            requestsOf(gate, name, since).map((request) => request.status),
            [200],
          );
          refreshes++;
        }
      }
      report(t, `while the client was stopped: ${gets} gets by others, ${refreshes} of them real refreshes`);
      assert.ok(refreshes > 0, 'others refreshed while the client was stopped');
    } finally {
      stopped.child.kill('SIGCONT');
    }
    await tokenOf(server, await stopped.done, 'the client stopped mid-refresh, after SIGCONT');
    await endsWell(workspace, name, revokedBefore);
    await stopAgent(workspace);
  });

  const storeFaults = [
    {
      what: 'the keyring locked',
      name: 'locked',
      breakStore: () => secrets.lock(),
      code: 'ERR_STORE_LOCKED',
      // Unlocking needs a prompt; the harness restarts the keyring with its password instead.
      mendStore: async () => {
        await secrets.stopKeyring();
        await secrets.startKeyring();
      },
    },
    {
      what: 'the Secret Service daemon restarted',
      name: 'restarted',
      breakStore: () => secrets.stopKeyring(),
      code: 'ERR_STORE_UNAVAILABLE',
      mendStore: () => secrets.startKeyring(),
    },
  ];

  for (const { what, name, breakStore, code, mendStore } of storeFaults) {
    it(`${what} between the provider's answer and the write: pendingSave, get still works, the kept refresh token is written once the store is back, 0 revoked`, {
      timeout: 120_000,
    }, async (t) => {
      const workspace = await gatedWorkspace(server, gate, [name]);
      await signIn(server, workspace, [name]);
      const revokedBefore = server.events.grantRevoked;
      const storedBefore = await workspace.readSecret(name, 'refresh_token');

      await refreshNeeded(workspace, name);
      gate.hold(name);
      const since = Date.now();
      const client = getFresh(workspace, name);
      await waitUntil(() => gate.held(name) === 1, 'the refresh to reach the provider');
      let mended = false;
      let rotated: string | undefined;
      try {
        // The agent has read what it needed from the store; the write comes after the answer.
        await breakStore();
        gate.release(name);
        const token = await tokenOf(server, await client.done, 'the get whose refresh could not be saved');
        rotated = requestsOf(gate, name, since)[0]?.rotatedRefreshToken;
        assert.ok(rotated, 'the provider rotated the refresh token');

        const pending = await nextEvent(
          async () => (await tokenState(workspace, name)).pendingSave,
          "the status to show the token's pending save",
        );
        report(t, `pendingSave while ${what}: ${pending.message}`);
        assert.match(pending.message, /refresh token/);
        assert.match(pending.message, new RegExp(code));

        const again = await workspace.run(['get', name]);
        assert.equal(
          await tokenOf(server, again, `get while ${what}`),
          token,
          'the held token, no new refresh',
        );
        assert.equal(requestsOf(gate, name, since).length, 1);

        await mendStore();
        mended = true;
      } finally {
        if (!mended) await mendStore();
      }
      const mendedAt = Date.now();
      // The background retries (1 s, doubling) must write it; not the next refresh, which comes later.
      try {
        await waitUntil(
          async () => (await tokenState(workspace, name)).pendingSave === undefined,
          'the kept refresh token to be written once the store is back',
          45_000,
        );
      } catch (error) {
        throw new Error(await withLog(workspace, (error as Error).message));
      }
      report(t, `pendingSave cleared ${Date.now() - mendedAt} ms after the store came back`);
      assert.equal(requestsOf(gate, name, since).length, 1, 'saved by a retry, not by another refresh');
      const stored = await workspace.readSecret(name, 'refresh_token');
      assert.notEqual(stored, storedBefore);
      assert.equal(
        stored,
        rotated,
        await withLog(workspace, 'the keyring holds the refresh token the provider rotated to'),
      );

      const forced = await workspace.run(['refresh', name]);
      assert.equal(forced.code, 0, await withLog(workspace, `token-agent refresh: ${forced.stderr}`));
      assert.equal(server.events.grantRevoked - revokedBefore, 0, 'no grant revoked');
      // And with nothing in memory, a new agent refreshes from the keyring alone.
      await stopAgent(workspace);
      await waitForAgentAfter(workspace, () => workspace.run(['status', '--json']));
      await endsWell(workspace, name, revokedBefore);
      await stopAgent(workspace);
    });
  }

  it('the agent SIGTERMed mid-refresh: it finishes and stores the refresh, the waiting client gets the token, the next get starts a new agent', {
    timeout: 90_000,
  }, async (t) => {
    const name = 'term';
    const workspace = await gatedWorkspace(server, gate, [name]);
    await signIn(server, workspace, [name]);
    const revokedBefore = server.events.grantRevoked;
    const first = await waitForAgent(workspace);

    await refreshNeeded(workspace, name);
    gate.hold(name);
    const since = Date.now();
    const waiting = getFresh(workspace, name);
    await waitUntil(() => gate.held(name) === 1, 'the refresh to reach the provider');
    process.kill(first, 'SIGTERM');
    let releasedAt = Date.now();
    try {
      await waitUntil(
        async () => /SIGTERM: stopping/.test(await agentLog(workspace)),
        'the agent to log that it is stopping',
      );
      assert.equal(await processGone(first), false, 'the agent waits for its refresh in flight');
    } finally {
      releasedAt = Date.now();
      gate.release(name);
    }
    const token = await tokenOf(server, await waiting.done, 'the client waiting on the refresh');
    await waitGone(first, 'the agent to exit after its refresh', 45_000);
    report(t, `the stopping agent exited ${Date.now() - releasedAt} ms after its refresh was let through`);
    const [refresh] = requestsOf(gate, name, since);
    assert.equal(refresh?.status, 200);
    assert.equal(await workspace.readSecret(name, 'refresh_token'), refresh?.rotatedRefreshToken);
    assert.equal(await storedAccessToken(workspace, name), token, 'the new access token was stored');
    assert.match(await agentLog(workspace), /stopped/);

    const next = await workspace.run(['get', name]);
    assert.equal(await tokenOf(server, next, 'the get after the agent stopped'), token);
    const second = await waitForAgent(workspace);
    assert.notEqual(second, first, 'a new agent');
    await endsWell(workspace, name, revokedBefore);
    await stopAgent(workspace);
  });

  it('a get while the SIGTERMed agent still finishes its refresh waits for it, then a new agent answers and keeps its socket', {
    timeout: 90_000,
  }, async () => {
    const name = 'overlap';
    const workspace = await gatedWorkspace(server, gate, [name]);
    await signIn(server, workspace, [name]);
    const revokedBefore = server.events.grantRevoked;
    const first = await waitForAgent(workspace);

    await refreshNeeded(workspace, name);
    gate.hold(name);
    const waiting = getFresh(workspace, name);
    await waitUntil(() => gate.held(name) === 1, 'the refresh to reach the provider');
    process.kill(first, 'SIGTERM');
    let second: number | undefined;
    try {
      await waitUntil(
        async () => /SIGTERM: stopping/.test(await agentLog(workspace)),
        'the agent to log that it is stopping',
      );
      // The stopping agent keeps its socket and answers ERR_STOPPING: this client waits for it to go
      // rather than starting a second agent beside it (which its exit used to unlink).
      const late = workspace.run(['get', name]);
      gate.release(name);
      await tokenOf(server, await late, 'a get while the old agent stops');
      second = await agentPid(workspace);
      assert.ok(second !== undefined && second !== first, `a new agent answers (pid ${second})`);
    } finally {
      gate.release(name);
    }
    await tokenOf(server, await waiting.done, 'the client waiting on the old agent');
    await waitGone(first, 'the old agent to exit', 45_000);
    const { socketPath } = pathsOf(workspace);
    assert.ok(
      existsSync(socketPath),
      await withLog(
        workspace,
        `the old agent's exit left the new agent (pid ${second}) its socket ${socketPath}`,
      ),
    );
    assert.equal(await agentPid(workspace), second, 'the new agent still answers');
    assert.deepEqual(await agentProcesses(workspace.configPath), [second]);
    await endsWell(workspace, name, revokedBefore);
    assert.equal(await agentPid(workspace), second, 'the same agent served every later call');
    await stopAgent(workspace);
  });

  it('two clients starting the agent at once start one agent (5 rounds)', { timeout: 120_000 }, async (t) => {
    const name = 'race';
    const workspace = await gatedWorkspace(server, gate, [name]);
    const revokedBefore = server.events.grantRevoked;
    // Signed in without an agent, so that the clients below find none running.
    const stored = await workspace.run(['secret', 'set', name, 'refresh_token', '--no-agent'], {
      input: `${await server.mintRefreshToken({ clientId: server.publicClientId })}\n`,
    });
    assert.equal(stored.code, 0, stored.stderr);
    assert.deepEqual(await agentProcesses(workspace.configPath), []);

    let raced = 0;
    const rounds = 5;
    for (let round = 1; round <= rounds; round++) {
      assert.equal(await agentPid(workspace), undefined, `round ${round}: no agent before the clients`);
      const logBefore = (await agentLog(workspace)).length;
      const results = await Promise.all([
        workspace.run(['status', '--json']),
        workspace.run(['status', '--json']),
      ]);
      const pids = results.map((result, index) => {
        assert.ok(result.stdout.trim() !== '', `round ${round}, client ${index + 1}: ${result.stderr}`);
        return (JSON.parse(result.stdout) as { pid: number }).pid;
      });
      const health = await agentPid(workspace);
      assert.deepEqual(
        pids,
        [health, health],
        `round ${round}: both clients talk to the agent /healthz names`,
      );
      // A second agent started by the other client leaves once it finds the first one listening.
      await waitUntil(
        async () => (await agentProcesses(workspace.configPath)).length === 1,
        `round ${round}: one agent process for the config`,
      );
      assert.deepEqual(await agentProcesses(workspace.configPath), [health]);
      const log = (await agentLog(workspace)).slice(logBefore);
      if (/already listens/.test(log)) raced++;
      await tokenOf(server, await workspace.run(['get', name]), `round ${round}: get`);
      await stopAgent(workspace);
    }
    report(t, `${raced} of ${rounds} rounds started a second agent that then left for the first`);
    await waitForAgentAfter(workspace, () => workspace.run(['status', '--json']));
    await endsWell(workspace, name, revokedBefore);
    await stopAgent(workspace);
  });
});
