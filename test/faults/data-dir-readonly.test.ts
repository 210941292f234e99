// Issue #16 item 3, "never start what cannot be finished": with the data folder read-only, a refresh
// must not go out at all. Before the fix the agent sent it, the rotating provider (the real test token
// server) retired the stored refresh token, the new one could not be written (the file store lives in
// the data folder), the one-shot CLI exited with it in memory, and the next try presented the retired
// token: the provider revoked the whole grant.
//
// The test runs as root, where a 0500 folder stops nothing. Two ways that really fail the write:
// `chattr +i` on the data folder (EPERM; its locks/ folder below stays writable, the case that got
// through before) and a read-only bind mount over it (EROFS, everything below too).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import {
  type AgentWorkspace,
  type CliResult,
  createWorkspace,
  stderrLines,
  verifyAccessToken,
} from '../support/agentCli';
import type { SecretService } from '../support/secretService';
import { startTokenServer, type TokenServer } from '../support/tokenServer';

function tryRun(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

const modes = [
  {
    what: 'chattr +i on the data folder',
    errno: /EPERM/,
    lock: (dir: string) => tryRun('chattr', ['+i', dir]),
    unlock: (dir: string) => void tryRun('chattr', ['-i', dir]),
  },
  {
    what: 'a read-only bind mount over the data folder',
    errno: /EROFS/,
    lock: (dir: string) =>
      tryRun('mount', ['--bind', dir, dir]) &&
      (tryRun('mount', ['-o', 'remount,bind,ro', dir]) || (tryRun('umount', [dir]) && false)),
    unlock: (dir: string) => void tryRun('umount', [dir]),
  },
];

describe('a refresh with the data folder read-only', () => {
  let server: TokenServer;
  const workspaces: AgentWorkspace[] = [];

  before(async () => {
    server = await startTokenServer({ accessTokenTtlSeconds: 300 });
  });

  after(async () => {
    for (const workspace of workspaces) await workspace.remove();
    await server?.close();
  });

  for (const [index, mode] of modes.entries()) {
    it(`${mode.what}: 0 token-endpoint calls, ERR_DATA_DIR_UNWRITABLE naming the folder, and the grant lives on once it is fixed`, async (t) => {
      const name = `ro-${index}`;
      const workspace = await createWorkspace({
        server,
        // The file store needs no keyring: its secrets live in the data folder itself.
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
      // Every folder the agent uses exists already (locks/ too): only the writes must fail.
      await mkdir(`${workspace.dataDir}/locks`, { recursive: true, mode: 0o700 });
      const calls = () => server.log.filter((event) => event.grantType === 'refresh_token').length;
      const callsBefore = calls();
      const revokedBefore = server.events.grantRevoked;

      if (!mode.lock(workspace.dataDir)) {
        t.skip(`cannot make a folder read-only this way here (${mode.what})`);
        return;
      }
      let refused: CliResult;
      let second: CliResult;
      try {
        refused = await workspace.run(['get', name]);
        second = await workspace.run(['get', name]);
      } finally {
        mode.unlock(workspace.dataDir);
      }
      const sent = calls() - callsBefore;
      // Fixed: the refresh token the agent did not spend must still be good.
      const fixed = await workspace.run(['get', name]);
      const revoked = server.events.grantRevoked - revokedBefore;
      t.diagnostic(
        `read-only: ${sent} token-endpoint calls; once fixed: ${calls() - callsBefore - sent} more, ${revoked} grants revoked; first get said: ${refused.stderr.trim()}`,
      );
      assert.equal(sent, 0, 'no refresh was sent');
      for (const result of [refused, second]) {
        assert.equal(result.code, 1);
        assert.equal(result.stdout, '');
        const lines = stderrLines(result);
        assert.equal(lines.length, 1, result.stderr);
        assert.match(lines[0] ?? '', /^token-agent: ERR_DATA_DIR_UNWRITABLE: /);
        assert.ok(lines[0]?.includes(workspace.dataDir), 'the message names the folder');
        assert.match(lines[0] ?? '', mode.errno);
      }
      assert.equal(fixed.code, 0, fixed.stderr);
      await verifyAccessToken(server, fixed.stdout.trim());
      assert.equal(calls() - callsBefore, 1, 'exactly one refresh, once the folder was fixed');
      assert.equal(revoked, 0, 'no grant revoked');
    });
  }
});
