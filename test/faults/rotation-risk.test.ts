// Issue #16 item 6, "tell the user what the provider did": the real token server (oidc-provider,
// rotating refresh tokens, revoking the whole grant when a retired one comes back) commits a refresh,
// rotates, and then its answer is lost: a body that is not JSON, no answer at all, a reset connection.
// No client can recover a refresh token it never received. Before the fix the agent said only that the
// refresh failed, and the next try presented the retired refresh token: the provider revoked the grant.
// Now the error, `token-agent status` and the audit log say the provider may have rotated, and when,
// and nothing is sent again until the user signs in.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TokenState } from '../../agent/protocol';
import { type AgentWorkspace, createWorkspace, stderrLines, verifyAccessToken } from '../support/agentCli';
import type { SecretService } from '../support/secretService';
import { type AnswerLoss, startTokenServer, type TokenServer } from '../support/tokenServer';
import { killLeftoverAgents, stopAgent, tokenState } from '../support/userAgent';

const losses: { how: AnswerLoss; cause: RegExp }[] = [
  { how: 'garbage', cause: /ERR_NEEDS_SIGN_IN: .*is not JSON/ },
  { how: 'stall', cause: /ERR_NEEDS_SIGN_IN: .*did not answer in time/ },
  { how: 'reset', cause: /ERR_NEEDS_SIGN_IN: Could not reach the token endpoint/ },
];

/** HH:MM:SS UTC of a Unix ms time, as the agent writes it. */
const utc = (at: number) => `${new Date(at).toISOString().slice(11, 19)} UTC`;

describe('a refresh the provider committed whose answer was lost', () => {
  let server: TokenServer;
  const workspaces: AgentWorkspace[] = [];

  before(async () => {
    server = await startTokenServer({ accessTokenTtlSeconds: 300 });
  });

  after(async () => {
    await killLeftoverAgents(workspaces);
    for (const workspace of workspaces) await workspace.remove();
    await server?.close();
  });

  /** Requests the provider itself handled (a lost answer was first a success). */
  const calls = () =>
    server.log.filter(
      (event) =>
        event.grantType === 'refresh_token' && (event.outcome === 'success' || event.outcome === 'error'),
    ).length;

  for (const { how, cause } of losses) {
    it(`${how}: the error, the status and the audit log say the provider may have rotated and when; 1 call, then ERR_NEEDS_SIGN_IN without one; 0 revoked`, async (t) => {
      const name = `lost-${how}`;
      const workspace = await createWorkspace({
        server,
        secrets: { env: {} } as unknown as SecretService,
        tokens: [{ name }],
        store: 'file',
        noAgent: true,
      });
      workspaces.push(workspace);
      await workspace.setSecret(
        name,
        'refresh_token',
        await server.mintRefreshToken({ clientId: server.publicClientId }),
      );
      const callsBefore = calls();
      const revokedBefore = server.events.grantRevoked;
      // A short grant timeout, for the stall: the provider never answers that one.
      const env = { TOKEN_AGENT_GRANT_TIMEOUT_MS: '1500' };

      server.loseAnswerNext(1, how);
      const first = await workspace.run(['get', name], { env });
      const lost = server.log.findLast((event) => event.outcome === 'lost');
      const status = await workspace.run(['status'], { env });
      const statusJson = await workspace.run(['status', '--json'], { env });
      const second = await workspace.run(['get', name], { env });
      const sent = calls() - callsBefore;
      const revoked = server.events.grantRevoked - revokedBefore;
      t.diagnostic(`${how}: ${sent} token-endpoint calls, ${revoked} grants revoked`);
      t.diagnostic(`${how}: first get said: ${first.stderr.trim()}`);
      t.diagnostic(`${how}: second get said: ${second.stderr.trim()}`);

      assert.ok(lost, 'the provider committed and the answer was lost');
      assert.equal(first.code, 1);
      assert.equal(stderrLines(first).length, 1, first.stderr);
      assert.match(first.stderr, cause);
      // The time the request went out, within a second of when the provider handled it.
      const said = /may have rotated the refresh token of '[^']+' at (\d\d:\d\d:\d\d) UTC/.exec(first.stderr);
      assert.ok(said, first.stderr);
      assert.ok(
        [utc(lost.at - 1000), utc(lost.at)].includes(`${said[1]} UTC`),
        `${said[1]} vs the provider's ${utc(lost.at)}`,
      );
      assert.match(first.stderr, /sign in again/);

      assert.equal(status.code, 1, 'a token needs a sign-in');
      assert.match(
        status.stdout,
        new RegExp(`${name}.*ERR_NEEDS_SIGN_IN: .*may have rotated .* at ${said[1]} UTC`),
      );
      const states = (JSON.parse(statusJson.stdout) as { tokens: TokenState[] }).tokens;
      const state = states.find((each) => each.name === name);
      assert.equal(state?.lastError?.code, 'ERR_NEEDS_SIGN_IN');
      assert.equal(utc(state?.mayHaveRotated?.at ?? 0), `${said[1]} UTC`);

      const audit = (await readFile(join(workspace.dataDir, 'audit.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map(
          (line) => JSON.parse(line) as { token: string; outcome: string; error?: string; sentAt?: string },
        );
      const records = audit.filter((record) => record.token === name);
      const rotated = records.find((record) => record.outcome === 'may-have-rotated');
      assert.ok(rotated, JSON.stringify(records));
      assert.equal(rotated.error, 'ERR_NEEDS_SIGN_IN');
      assert.equal(utc(Date.parse(rotated.sentAt ?? '')), `${said[1]} UTC`);

      // No blind retry: the second get refuses without asking the provider.
      assert.equal(second.code, 1);
      assert.match(second.stderr, /^token-agent: ERR_NEEDS_SIGN_IN: .*may have rotated .*sign in again/);
      assert.equal(sent, 1, 'exactly one token-endpoint call: the lost one');
      assert.equal(revoked, 0, 'no grant revoked');

      // Signed in again (a new refresh token): refreshing resumes, and the status no longer says it.
      await workspace.setSecret(
        name,
        'refresh_token',
        await server.mintRefreshToken({ clientId: server.publicClientId }),
      );
      const after = await workspace.run(['get', name], { env });
      assert.equal(after.code, 0, after.stderr);
      await verifyAccessToken(server, after.stdout.trim());
      const cleared = await workspace.run(['status', '--json'], { env });
      const now = (JSON.parse(cleared.stdout) as { tokens: TokenState[] }).tokens.find(
        (each) => each.name === name,
      );
      assert.equal(now?.mayHaveRotated, undefined);
      assert.equal(now?.lastError, undefined);
      assert.equal(server.events.grantRevoked - revokedBefore, 0);
    });
  }

  it('through the user agent (a reset): its status says so with the time, and the next get sends nothing', async (t) => {
    const name = 'lost-agent';
    const workspace = await createWorkspace({
      server,
      secrets: { env: {} } as unknown as SecretService,
      tokens: [{ name }],
      store: 'file',
    });
    workspaces.push(workspace);
    // Stored without an agent, so that the agent's first refresh is the one whose answer is lost.
    const stored = await workspace.run(['secret', 'set', name, 'refresh_token'], {
      input: `${await server.mintRefreshToken({ clientId: server.publicClientId })}\n`,
      env: { TOKEN_AGENT_NO_AGENT: '1' },
    });
    assert.equal(stored.code, 0, stored.stderr);
    const callsBefore = calls();
    const revokedBefore = server.events.grantRevoked;

    server.loseAnswerNext(1, 'reset');
    const first = await workspace.run(['get', name]);
    assert.equal(first.code, 1);
    const said = /may have rotated the refresh token of '[^']+' at (\d\d:\d\d:\d\d) UTC/.exec(first.stderr);
    assert.ok(said, first.stderr);
    const state = await tokenState(workspace, name);
    assert.equal(utc(state.mayHaveRotated?.at ?? 0), `${said[1]} UTC`);
    assert.equal(state.lastError?.code, 'ERR_NEEDS_SIGN_IN');
    assert.equal(state.nextRefreshAt, undefined, 'no background retry either');
    const status = await workspace.run(['status']);
    assert.match(status.stdout, new RegExp(`may have rotated .* at ${said[1]} UTC`));
    const second = await workspace.run(['get', name]);
    assert.match(second.stderr, /ERR_NEEDS_SIGN_IN: .*may have rotated/);
    t.diagnostic(
      `through the agent: ${calls() - callsBefore} calls, ${server.events.grantRevoked - revokedBefore} revoked`,
    );
    assert.equal(calls() - callsBefore, 1);
    assert.equal(server.events.grantRevoked - revokedBefore, 0);
    await stopAgent(workspace);
  });
});
