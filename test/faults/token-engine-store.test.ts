// The CLI when the OS secret store cannot be used: it fails closed with a coded error that says what
// to install or unlock, and never falls back to writing a secret in clear text (vsce's mistake).
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { secretsFileName } from '../../agent/store/fileStore';
import {
  type AgentWorkspace,
  type CliResult,
  createWorkspace,
  readTree,
  stderrLines,
  verifyAccessToken,
} from '../support/agentCli';
import { type SecretService, startSecretService } from '../support/secretService';
import { startTokenServer, type TokenServer } from '../support/tokenServer';

describe('token-agent when the secret store is missing or locked', () => {
  let server: TokenServer;
  let secrets: SecretService;
  const workspaces: AgentWorkspace[] = [];

  before(async () => {
    server = await startTokenServer();
    secrets = await startSecretService();
  });

  after(async () => {
    for (const workspace of workspaces) await workspace.remove();
    await secrets?.stop();
    await server?.close();
  });

  /**
   * A workspace whose token has a refresh token in the keyring, stored while the keyring worked. Its
   * calls run in process (--no-agent): each one opens the store with the environment it is given,
   * which is how these store failures are set up. The user agent's own handling of a store that goes
   * away is in test/faults/user-agent-faults.test.ts.
   */
  async function signedIn(name: string) {
    const workspace = await createWorkspace({ noAgent: true, server, secrets, tokens: [{ name }] });
    workspaces.push(workspace);
    const refreshToken = await server.mintRefreshToken({ clientId: server.publicClientId });
    await workspace.setSecret(name, 'refresh_token', refreshToken);
    return { workspace, refreshToken };
  }

  function assertFailedWith(result: CliResult, code: string, advice: RegExp) {
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    const lines = stderrLines(result);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] ?? '', new RegExp(`^token-agent: ${code}: `));
    assert.match(lines[0] ?? '', advice);
  }

  /** Nothing secret anywhere in the workspace (config and data directory): no secrets file, no token. */
  async function assertNothingInClearText(workspace: AgentWorkspace, ...secretValues: string[]) {
    const files = await readTree(workspace.dir);
    assert.deepEqual(
      files.filter((file) => basename(file.path) === secretsFileName),
      [],
    );
    for (const { path, text } of files) {
      for (const value of secretValues) assert.ok(!text.includes(value), `${path} holds a secret`);
      assert.doesNotMatch(text, /eyJ[\w-]+\.[\w-]+/, `${path} holds a JWT`);
    }
  }

  const noBus = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/token-agent-test/bus' };

  it('with no D-Bus session: ERR_STORE_UNAVAILABLE saying what to install, nothing in clear text', async () => {
    const { workspace, refreshToken } = await signedIn('no-bus');

    const got = await workspace.run(['get', 'no-bus'], { env: noBus });
    assertFailedWith(got, 'ERR_STORE_UNAVAILABLE', /install gnome-keyring and libsecret/);

    const typed = 'typed-refresh-token-that-must-not-land-on-disk';
    const set = await workspace.run(['secret', 'set', 'no-bus', 'refresh_token'], {
      env: noBus,
      input: `${typed}\n`,
    });
    assertFailedWith(set, 'ERR_STORE_UNAVAILABLE', /install gnome-keyring/);

    const status = await workspace.run(['status', '--json'], { env: noBus });
    assert.equal(status.code, 1);
    const report = JSON.parse(status.stdout) as { store: { tier: string; error?: { code: string } } };
    assert.equal(report.store.tier, 'unavailable');
    assert.equal(report.store.error?.code, 'ERR_STORE_UNAVAILABLE');

    await assertNothingInClearText(workspace, refreshToken, typed);
    // The keyring itself was never reached, so it still holds the token, and with the bus back it works.
    const back = await workspace.run(['get', 'no-bus']);
    assert.equal(back.code, 0, back.stderr);
    await verifyAccessToken(server, back.stdout.trim());
  });

  it('with the bus up but no Secret Service on it: ERR_STORE_UNAVAILABLE', async () => {
    const { workspace, refreshToken } = await signedIn('no-daemon');
    await secrets.stopKeyring();
    try {
      const got = await workspace.run(['get', 'no-daemon']);
      assertFailedWith(got, 'ERR_STORE_UNAVAILABLE', /install gnome-keyring/);
      await assertNothingInClearText(workspace, refreshToken);
    } finally {
      await secrets.startKeyring();
    }
  });

  it('with the keyring locked: ERR_STORE_LOCKED saying to unlock it, and the token survives', async () => {
    const { workspace, refreshToken } = await signedIn('locked');
    await secrets.lock();
    try {
      const got = await workspace.run(['get', 'locked']);
      assertFailedWith(got, 'ERR_STORE_LOCKED', /Unlock the login keyring/);
      await assertNothingInClearText(workspace, refreshToken);
    } finally {
      // Unlocking needs a prompt; a restart with the password unlocks it, as signing in would.
      await secrets.stopKeyring();
      await secrets.startKeyring();
    }
    assert.equal(await workspace.readSecret('locked', 'refresh_token'), refreshToken);
    const got = await workspace.run(['get', 'locked']);
    assert.equal(got.code, 0, got.stderr);
    await verifyAccessToken(server, got.stdout.trim());
  });
});
