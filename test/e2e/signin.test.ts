// Token Agent: Sign In, in a real VS Code against the real oidc-provider: the device flow shown in the
// editor, completed by "the user" in another browser tab on the provider's own pages.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { refreshTokenEntry } from '../support/agentCli';
import type { Workbench } from '../support/codeServer';
import { type EditorSession, sessionSteps, startEditorSession } from '../support/editorSession';
import { completeDeviceSignIn } from '../support/oidcPages';
import type { TokenServer } from '../support/tokenServer';
import { nextEvent, waitUntil } from '../support/waitFor';
import { readClipboard, runCommand, secondsLeft, statusText } from '../support/workbench';

describe('Sign In in a real VS Code', { timeout: 300_000 }, () => {
  let session: EditorSession | undefined;
  let tokenServer: TokenServer | undefined;
  let workbench: Workbench | undefined;
  const page = () => {
    assert.ok(workbench);
    return workbench.page;
  };
  const step = sessionSteps('e2e-signin', () => session);

  before(async () => {
    // No secret is stored: the token needs a sign-in.
    session = await startEditorSession({
      name: 'e2e-signin',
      tokenServer: { accessTokenTtlSeconds: 300, deviceIntervalSeconds: 1 },
      tokens: (server) => [refreshTokenEntry(server, { name: 'fresh', refreshBeforeSeconds: 120 })],
    });
    ({ tokenServer, workbench } = session);
  });

  after(async () => {
    await session?.close();
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
