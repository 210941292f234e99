// Token Agent: Sign In, in a real VS Code against the real oidc-provider: the device flow shown in the
// editor, completed by "the user" in another browser tab on the provider's own pages.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { keepArtifactsOnFailure } from '../support/artifacts';
import {
  type CodeServer,
  ensureCodeServer,
  openWorkbench,
  packageExtension,
  readExtensionLog,
  startCodeServer,
  type Workbench,
} from '../support/codeServer';
import { completeDeviceSignIn } from '../support/oidcPages';
import { type SecretService, startSecretService } from '../support/secretService';
import { startTokenServer, type TokenServer } from '../support/tokenServer';
import { nextEvent, waitUntil } from '../support/waitFor';
import { readClipboard, runCommand, secondsLeft, statusItem, statusText } from '../support/workbench';

describe('Sign In in a real VS Code', { timeout: 300_000 }, () => {
  let tokenServer: TokenServer | undefined;
  let secrets: SecretService | undefined;
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  const page = () => {
    assert.ok(workbench);
    return workbench.page;
  };
  const step = keepArtifactsOnFailure('e2e-signin', {
    page: () => workbench?.page,
    logs: () => ({
      'code-server.log': server?.output() ?? '',
      'token-agent.log': server ? readExtensionLog(server.userDataDir) : '',
    }),
  });

  before(async () => {
    ensureCodeServer();
    const vsix = packageExtension();
    tokenServer = await startTokenServer({ accessTokenTtlSeconds: 300, deviceIntervalSeconds: 1 });
    secrets = await startSecretService();
    const dir = mkdtempSync(join(tmpdir(), 'token-agent-e2e-signin-'));
    const configPath = join(dir, 'config.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        tokens: [
          {
            name: 'fresh',
            type: 'oauth2-refresh-token',
            issuer: tokenServer.issuer,
            clientId: tokenServer.publicClientId,
            scope: tokenServer.scope,
            resource: tokenServer.resource,
          },
        ],
      }),
    );
    server = await startCodeServer({
      vsix,
      env: { ...secrets.env, TOKEN_AGENT_CONFIG: configPath, XDG_DATA_HOME: join(dir, 'data') },
    });
    workbench = await openWorkbench(server.url, dir);
    await page().locator(statusItem).waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await workbench?.close();
    await server?.stop();
    await secrets?.stop();
    await tokenServer?.close();
  });

  it(
    'shows that a token without a refresh token needs a sign-in',
    step('needs sign-in', async () => {
      await waitUntil(
        async () => (await statusText(page())) === 'fresh sign in needed',
        'the sign-in state',
        60_000,
      );
    }),
  );

  it(
    'signs in with a device code entered on the provider’s page, and the token starts counting down',
    step('device sign-in', async () => {
      assert.ok(tokenServer && workbench);
      await runCommand(page(), 'Token Agent: Sign In…');
      // In a web window the device flow is offered first: a loopback redirect would reach the server.
      const flow = page().locator('.quick-input-widget .monaco-list-row', { hasText: 'device code' });
      await flow.waitFor({ timeout: 10_000 });
      await page().keyboard.press('Enter');
      const prompt = page().locator('.notification-toast', { hasText: 'Enter the code' });
      await prompt.waitFor({ timeout: 30_000 });
      const text = (await prompt.textContent()) ?? '';
      const match = /Enter the code (\S+) at (\S+?) to sign in/.exec(text);
      assert.ok(match, text);
      const [, userCode = '', verificationUri = ''] = match;
      assert.equal(verificationUri, `${tokenServer.issuer}/device`);

      // The button copies the code and opens the provider's page in a new tab, where the user finishes.
      const opened = workbench.context.waitForEvent('page', { timeout: 15_000 });
      await prompt.getByRole('button', { name: 'Copy Code and Open' }).click();
      await waitUntil(
        async () => (await readClipboard(page())) === userCode,
        'the code on the clipboard',
        10_000,
      );
      const device = await opened;
      try {
        await device.waitForLoadState();
        // The editor may route loopback URLs through its own proxy; then the user types the code.
        const url = device.url();
        const target = url.startsWith(tokenServer.issuer)
          ? { verificationUri, userCode, verificationUriComplete: url }
          : { verificationUri, userCode };
        await completeDeviceSignIn(device, target);
      } finally {
        await device.close();
      }
      await page()
        .locator('.notification-toast', { hasText: "Signed in to 'fresh'" })
        .waitFor({ timeout: 30_000 });
      const left = await nextEvent(() => secondsLeft(page()), 'a countdown for the signed-in token', 30_000);
      assert.ok(left > 250, `${left} seconds left`);
      assert.match(await statusText(page()), /^fresh \d:\d\d$/);
      assert.ok(
        tokenServer.log.some(
          (e) => e.outcome === 'success' && e.grantType === 'urn:ietf:params:oauth:grant-type:device_code',
        ),
      );
      assert.equal(tokenServer.events.grantRevoked, 0);
    }),
  );
});
