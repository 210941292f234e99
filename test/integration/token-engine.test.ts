// The token engine through the built CLI, against a real OAuth server (oidc-provider, rotating refresh
// tokens that revoke the whole grant when one is replayed) and a real gnome-keyring: many rotations in
// a row, a stampede of processes at expiry, and a process killed in the middle of a refresh. In each,
// the grant must survive: one replayed refresh token would have revoked it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { auditFileName } from '../../agent/store/auditLog';
import {
  type AgentWorkspace,
  createWorkspace,
  startStampede,
  verifyAccessToken,
  waitForExpiry,
} from '../support/agentCli';
import { type SecretService, startKeytarProcess, startSecretService } from '../support/secretService';
import { startTokenServer, type TokenEventCounts, type TokenServer } from '../support/tokenServer';
import { waitUntil } from '../support/waitFor';

let secrets: SecretService;
const workspaces: AgentWorkspace[] = [];

before(async () => {
  secrets = await startSecretService();
});

after(async () => {
  for (const workspace of workspaces) await workspace.remove();
  await secrets?.stop();
});

/** A workspace with one refresh-token entry `name`, its refresh token freshly minted and stored. */
async function workspaceWithSignedInToken(server: TokenServer, name: string): Promise<AgentWorkspace> {
  const workspace = await createWorkspace({ noAgent: true, server, secrets, tokens: [{ name }] });
  workspaces.push(workspace);
  const refreshToken = await server.mintRefreshToken({ clientId: server.publicClientId });
  await workspace.setSecret(name, 'refresh_token', refreshToken);
  return workspace;
}

function countsSince(server: TokenServer, before: TokenEventCounts): TokenEventCounts {
  const now = server.events;
  return {
    grantSuccess: now.grantSuccess - before.grantSuccess,
    grantError: now.grantError - before.grantError,
    grantRevoked: now.grantRevoked - before.grantRevoked,
    injected: now.injected - before.injected,
    hung: now.hung - before.hung,
  };
}

const none: TokenEventCounts = { grantSuccess: 0, grantError: 0, grantRevoked: 0, injected: 0, hung: 0 };

async function auditOutcomes(workspace: AgentWorkspace): Promise<string[]> {
  const text = await readFile(join(workspace.dataDir, auditFileName), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { outcome: string }).outcome);
}

describe('token-agent against a rotating OAuth server and gnome-keyring', () => {
  let server: TokenServer;

  before(async () => {
    server = await startTokenServer({ accessTokenTtlSeconds: 300 });
  });

  after(() => server?.close());

  it('rotates the refresh token 22 times in a row without the grant ever being revoked', async () => {
    const workspace = await workspaceWithSignedInToken(server, 'rotate');
    const keyring = startKeytarProcess(workspace.env);
    const read = async (account: string) => {
      const answer = await keyring.call('getPassword', 'token-agent', account);
      assert.equal(answer.outcome, 'value', JSON.stringify(answer));
      return answer.outcome === 'value' ? String(answer.value) : '';
    };
    const counted = { ...server.events };
    const refreshTokens = [await read('rotate/refresh_token')];
    const accessTokens: string[] = [];
    try {
      for (let round = 1; round <= 22; round++) {
        const result = await workspace.run(['refresh', 'rotate']);
        assert.equal(result.code, 0, `round ${round}: ${result.stderr}`);
        assert.equal(result.stdout, '', 'refresh prints no token on stdout');
        const refreshToken = await read('rotate/refresh_token');
        assert.ok(!refreshTokens.includes(refreshToken), `round ${round}: the rotated token was stored`);
        refreshTokens.push(refreshToken);
        const { accessToken } = JSON.parse(await read('rotate/access_token')) as { accessToken: string };
        assert.ok(!accessTokens.includes(accessToken), `round ${round}: a new access token`);
        assert.ok(!result.stderr.includes(accessToken), 'the token is masked in the message');
        await verifyAccessToken(server, accessToken);
        accessTokens.push(accessToken);
      }
    } finally {
      await keyring.close();
    }
    assert.deepEqual(countsSince(server, counted), { ...none, grantSuccess: 22 });
    assert.deepEqual(await auditOutcomes(workspace), Array(22).fill('refreshed'));

    // `get` hands out the last access token from the keyring without asking the server.
    const got = await workspace.run(['get', 'rotate']);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout, `${accessTokens.at(-1)}\n`);
    assert.equal(server.events.grantSuccess - counted.grantSuccess, 22);

    // The refresh token left in the keyring is the live one: the server accepts it.
    const as = { issuer: server.issuer, token_endpoint: server.tokenEndpoint };
    const client = { client_id: server.publicClientId };
    const response = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshTokens.at(-1) ?? '', {
        [oauth.allowInsecureRequests]: true,
      }),
    );
    await verifyAccessToken(server, response.access_token);
    assert.equal(server.events.grantRevoked, 0);
  });

  it('recovers after a process is killed mid-refresh: its stale lock is taken over, the grant lives', async () => {
    const workspace = await workspaceWithSignedInToken(server, 'crash');
    const storedBefore = await workspace.readSecret('crash', 'refresh_token');
    const counted = { ...server.events };
    server.hangNext(1);

    const first = workspace.start(['get', 'crash']);
    await waitUntil(() => server.events.hung > counted.hung, "the first process's token request");
    // It holds the lock while its request hangs.
    const lockPath = join(workspace.dataDir, 'locks', 'crash.lock');
    const owner = JSON.parse(await readFile(lockPath, 'utf8')) as { pid: number };
    assert.equal(owner.pid, first.child.pid);

    first.child.kill('SIGKILL');
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(killed.stdout, '');
    assert.ok(existsSync(lockPath), 'a killed process cannot release its lock');
    assert.equal(await workspace.readSecret('crash', 'refresh_token'), storedBefore);

    const second = await workspace.run(['get', 'crash']);
    assert.equal(second.code, 0, second.stderr);
    await verifyAccessToken(server, second.stdout.trim());
    assert.equal(existsSync(lockPath), false, 'the lock was taken over and released');
    assert.notEqual(await workspace.readSecret('crash', 'refresh_token'), storedBefore);
    // The hung request never reached the grant, so the stored refresh token was still the live one.
    assert.deepEqual(countsSince(server, counted), { ...none, grantSuccess: 1, hung: 1 });
  });
});

describe('a stampede just after expiry', () => {
  let server: TokenServer;

  before(async () => {
    // Short-lived tokens, so that the test can wait for a real expiry.
    server = await startTokenServer({ accessTokenTtlSeconds: 4 });
  });

  after(() => server?.close());

  it('8 processes × 50 concurrent get calls: one token-endpoint call, one valid token for all 400', async () => {
    const workspace = await workspaceWithSignedInToken(server, 'stampede');
    const initial = await workspace.run(['get', 'stampede']);
    assert.equal(initial.code, 0, initial.stderr);
    const expired = initial.stdout.trim();

    // The processes open their runtime (config, keyring) while the token is still valid, then wait at
    // a barrier, so that all 400 calls arrive together just after expiry.
    const drivers = Array.from({ length: 8 }, () => startStampede(workspace, 'stampede', 50));
    await Promise.all(drivers.map((driver) => driver.ready));
    await waitForExpiry(expired);
    const counted = { ...server.events };
    const logged = server.log.length;
    for (const driver of drivers) driver.go();
    const reports = await Promise.all(drivers.map((driver) => driver.report));
    const answeredAt = new Date();

    assert.deepEqual(
      reports.flatMap((report) => report.errors),
      [],
    );
    const tokens = reports.flatMap((report) => report.tokens);
    assert.equal(tokens.length, 400);
    const distinct = [...new Set(tokens)];
    assert.equal(
      distinct.length,
      1,
      `every caller got the same token, not ${distinct.length} different ones`,
    );
    const [token = ''] = distinct;
    assert.notEqual(token, expired);
    // Valid when the last caller had it in hand, so valid when each one was given it.
    await verifyAccessToken(server, token, answeredAt);

    assert.deepEqual(countsSince(server, counted), { ...none, grantSuccess: 1 });
    assert.equal(server.log.length - logged, 1, 'one token-endpoint outcome logged in all');
    assert.deepEqual(await auditOutcomes(workspace), ['refreshed', 'refreshed']);
  });

  it('also holds for 8 `token-agent get` processes started together after expiry', async () => {
    const workspace = await workspaceWithSignedInToken(server, 'stampede-cli');
    const initial = await workspace.run(['get', 'stampede-cli']);
    assert.equal(initial.code, 0, initial.stderr);
    const expired = initial.stdout.trim();
    await waitForExpiry(expired);

    const counted = { ...server.events };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => workspace.run(['get', 'stampede-cli'])),
    );
    const answeredAt = new Date();
    for (const result of results) assert.equal(result.code, 0, result.stderr);
    const distinct = [...new Set(results.map((result) => result.stdout.trim()))];
    assert.equal(distinct.length, 1, `8 processes got ${distinct.length} different tokens`);
    assert.notEqual(distinct[0], expired);
    await verifyAccessToken(server, distinct[0] ?? '', answeredAt);
    assert.deepEqual(countsSince(server, counted), { ...none, grantSuccess: 1 });
  });
});
