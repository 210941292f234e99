// Issue #18 item 5: a full disk is a store that cannot take the token right now. The file store's
// data folder sits on a small real tmpfs; the disk fills while a refresh is at the provider (the real
// rotating test token server, which revokes the whole grant when a rotated refresh token is presented
// again). The agent must keep the new refresh token in memory, say so in the status, write it once
// space returns, and a later refresh from the file alone must succeed: 0 grants revoked.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, open, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AgentWorkspace, type CliResult, createWorkspace, verifyAccessToken } from '../support/agentCli';
import type { SecretService } from '../support/secretService';
import { startTokenGate, type TokenGate } from '../support/tokenGate';
import { startTokenServer, type TokenServer } from '../support/tokenServer';
import { agentLog, killLeftoverAgents, stopAgent, tokenState } from '../support/userAgent';
import { nextEvent, waitUntil } from '../support/waitFor';

const name = 'disk';

/** Mounts a tmpfs of `size` at `dir`; false where this machine does not let the test mount one. */
function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Writes zeros to `path` until the file system says ENOSPC. */
async function fillDisk(path: string): Promise<number> {
  const handle = await open(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  try {
    for (;;) {
      try {
        const { bytesWritten } = await handle.write(chunk);
        written += bytesWritten;
        if (bytesWritten < chunk.length) continue;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return written;
        throw error;
      }
    }
  } finally {
    await handle.close();
  }
}

async function storedRefreshToken(dataDir: string): Promise<string | undefined> {
  const text = await readFile(join(dataDir, 'secrets.json'), 'utf8');
  const file = JSON.parse(text) as { tokens: Record<string, { refresh_token?: string }> };
  return file.tokens[name]?.refresh_token;
}

async function tokenOf(server: TokenServer, result: CliResult, what: string): Promise<string> {
  assert.equal(result.code, 0, `${what}: exit ${result.code ?? result.signal}: ${result.stderr}`);
  const token = result.stdout.trim();
  await verifyAccessToken(server, token);
  return token;
}

describe('the file store on a full disk', () => {
  let server: TokenServer;
  let gate: TokenGate;
  let workspace: AgentWorkspace | undefined;
  let mountPoint: string | undefined;

  before(async () => {
    server = await startTokenServer({ accessTokenTtlSeconds: 600 });
    gate = await startTokenGate(server.tokenEndpoint);
  });

  after(async () => {
    if (workspace) await killLeftoverAgents([workspace]);
    if (mountPoint) execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    await workspace?.remove();
    await gate?.close();
    await server?.close();
  });

  it('the disk fills while a refresh is at the provider: the new refresh token is kept, the status says so, it is written once space returns, and a later refresh from the file succeeds; 0 revoked', {
    timeout: 120_000,
  }, async (t) => {
    // The file store needs no keyring: the workspace's Secret Service environment stays empty.
    workspace = await createWorkspace({
      server,
      secrets: { env: {} } as unknown as SecretService,
      tokens: [{ name }],
      store: 'file',
    });
    const ws = workspace;
    mountPoint = join(ws.dir, 'small-disk');
    await mkdir(mountPoint);
    if (!mountTmpfs(mountPoint, '1m')) {
      mountPoint = undefined;
      t.skip('cannot mount a tmpfs here (needs root)');
      return;
    }
    // Everything the agent writes (secrets.json, locks, budget, audit log, its own log) is on the tmpfs.
    ws.env.XDG_DATA_HOME = join(mountPoint, 'data');
    const dataDir = join(mountPoint, 'data', 'token-agent');
    const config = JSON.parse(await readFile(ws.configPath, 'utf8')) as {
      tokens: ({ issuer?: string } & Record<string, unknown>)[];
    };
    config.tokens = config.tokens.map(({ issuer: _discovery, ...entry }) => ({
      ...entry,
      tokenEndpoint: gate.endpointFor(name),
      refreshBeforeSeconds: 60,
    }));
    await writeFile(ws.configPath, `${JSON.stringify(config, null, 2)}\n`);

    // Signed in: `secret set` starts the agent, which refreshes at once (and rotates) with the new token.
    await ws.setSecret(
      name,
      'refresh_token',
      await server.mintRefreshToken({ clientId: server.publicClientId }),
    );
    await tokenOf(server, await ws.run(['get', name]), 'the first get');
    const revokedBefore = server.events.grantRevoked;
    const storedBefore = await storedRefreshToken(dataDir);
    assert.ok(storedBefore, 'the file holds a refresh token');

    // A forced refresh within 10 s of the last one hands back the token just obtained: wait that out.
    const last = (await tokenState(ws, name)).lastRefreshAt ?? Date.now();
    await waitUntil(() => Date.now() > last + 10_500, 'the forced-refresh coalescing window to pass', 15_000);

    const fill = join(mountPoint, 'fill');
    const since = Date.now();
    gate.hold(name);
    const client = ws.start(['refresh', name]);
    let freed = false;
    try {
      await waitUntil(() => gate.held(name) === 1, 'the refresh to reach the provider');
      const filled = await fillDisk(fill);
      t.diagnostic(`filled the tmpfs with ${filled} bytes while the refresh was at the provider`);
      gate.release(name);
      const result = await client.done;
      assert.equal(result.code, 0, `the refresh whose token could not be saved: ${result.stderr}`);
      const rotated = gate.requests.filter((r) => r.arrivedAt >= since)[0]?.rotatedRefreshToken;
      assert.ok(rotated, 'the provider rotated the refresh token');
      assert.notEqual(rotated, storedBefore);

      const pending = await nextEvent(
        async () => (await tokenState(ws, name)).pendingSave,
        'the status to show the pending save',
      );
      t.diagnostic(`status while the disk is full: ${pending.message}`);
      assert.match(pending.message, /new refresh token not yet saved: the disk is full/);
      assert.match(pending.message, /ERR_STORE_UNAVAILABLE, ENOSPC/);
      assert.equal(await storedRefreshToken(dataDir), storedBefore, 'the file still holds the old one');
      // The agent lives on (its log is on the full disk too) and serves the token it holds.
      await tokenOf(server, await ws.run(['get', name]), 'a get while the disk is full');

      await unlink(fill);
      freed = true;
      const freedAt = Date.now();
      await waitUntil(
        async () => (await tokenState(ws, name)).pendingSave === undefined,
        'the kept refresh token to be written once space returns',
        45_000,
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${(await agentLog(ws)).slice(-3000)}`);
      });
      t.diagnostic(`saved ${Date.now() - freedAt} ms after space returned`);
      assert.equal(await storedRefreshToken(dataDir), rotated, 'the file holds the rotated refresh token');
    } finally {
      gate.release(name);
      if (!freed) await rm(fill, { force: true });
    }

    // With nothing in memory (the agent stopped), a refresh from the file alone succeeds.
    await stopAgent(ws);
    const savedRotated = await storedRefreshToken(dataDir);
    const fresh = await ws.run(['refresh', name], { env: { TOKEN_AGENT_NO_AGENT: '1' } });
    assert.equal(fresh.code, 0, `a refresh from the file alone: ${fresh.stderr}`);
    const rotatedAgain = await storedRefreshToken(dataDir);
    assert.ok(rotatedAgain && rotatedAgain !== savedRotated, 'that refresh really ran and rotated again');
    await tokenOf(
      server,
      await ws.run(['get', name], { env: { TOKEN_AGENT_NO_AGENT: '1' } }),
      'the get after',
    );
    assert.equal(server.events.grantRevoked - revokedBefore, 0, 'no grant revoked');
  });
});
