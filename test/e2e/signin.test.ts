// Token Agent: Sign In, in a real VS Code against the real oidc-provider: the device flow shown in the
// editor, completed by "the user" in another browser tab on the provider's own pages; then the browser
// flow (authorization code with PKCE, RFC 8252): the tab vscode.env.openExternal opens, whose redirect
// reaches the agent's one-shot listener on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { refreshTokenEntry } from '../support/agentCli';
import { agentBundle, runAgentCli, startProcess } from '../support/agentProcess';
import type { Workbench } from '../support/codeServer';
import { type EditorSession, sessionSteps, startEditorSession } from '../support/editorSession';
import { completeDeviceSignIn, finishBrowserSignIn } from '../support/oidcPages';
import { keytarInChild } from '../support/secretService';
import type { TokenServer } from '../support/tokenServer';
import { nextEvent, waitUntil } from '../support/waitFor';
import {
  answerDialog,
  clearNotifications,
  readClipboard,
  runCommand,
  secondsLeft,
  statusText,
} from '../support/workbench';

describe('Sign In in a real VS Code', { timeout: 300_000 }, () => {
  let session: EditorSession | undefined;
  let tokenServer: TokenServer | undefined;
  let workbench: Workbench | undefined;
  const page = () => {
    assert.ok(workbench);
    return workbench.page;
  };
  const step = sessionSteps('e2e-signin', () => session);
  /** The editor says so, and the token counts down from a fresh 300-second life. */
  const signedInAndCountingDown = async () => {
    await page()
      .locator('.notification-toast', { hasText: "Signed in to 'fresh'" })
      .waitFor({ timeout: 30_000 });
    const left = await nextEvent(() => secondsLeft(page()), 'a countdown for the signed-in token', 30_000);
    assert.ok(left > 250, `${left} seconds left`);
    assert.match(await statusText(page()), /^fresh \d:\d\d$/);
  };

  before(async () => {
    // No secret is stored: the token needs a sign-in.
    session = await startEditorSession({
      name: 'e2e-signin',
      // On 127.0.0.2, as a real issuer would be on its own host: code-server sends URLs on localhost
      // and 127.0.0.1 through its /proxy/PORT/ path, where a provider's cookies do not follow.
      tokenServer: { accessTokenTtlSeconds: 300, deviceIntervalSeconds: 1, host: '127.0.0.2' },
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
      // The editor asks before opening a site outside its trusted domains, as it would for any user.
      await answerDialog(page(), 'open the external website', 'Open');
      await waitUntil(
        async () => (await readClipboard(page())) === userCode,
        'the code on the clipboard',
        10_000,
      );
      const device = await opened;
      try {
        await device.waitForLoadState();
        const url = device.url();
        assert.ok(url.startsWith(`${tokenServer.issuer}/device`), `opened as it is, not proxied: ${url}`);
        await completeDeviceSignIn(device, { verificationUri, userCode }, { alreadyOpen: true });
      } finally {
        await device.close();
      }
      await signedInAndCountingDown();
      assert.ok(
        tokenServer.log.some(
          (e) => e.outcome === 'success' && e.grantType === 'urn:ietf:params:oauth:grant-type:device_code',
        ),
      );
      assert.equal(tokenServer.events.grantRevoked, 0);
    }),
  );

  it(
    'signs in again through the browser after its secrets are removed, and the token counts down again',
    step('browser sign-in', async () => {
      assert.ok(tokenServer && workbench && session);
      const secrets = session.secrets;
      const storedRefreshToken = async () => {
        const answer = await keytarInChild(secrets.env, 'getPassword', 'token-agent', 'fresh/refresh_token');
        assert.equal(answer.outcome, 'value', JSON.stringify(answer));
        return answer.outcome === 'value' && typeof answer.value === 'string' ? answer.value : undefined;
      };
      // Removing the token deletes its secrets and, since the agent owns the config file, its
      // definition; a terminal defines it again, as a user starting over would.
      await runCommand(page(), 'Token Agent: Remove Token…');
      await answerDialog(page(), "Remove 'fresh'?", 'Remove');
      await waitUntil(
        async () => (await statusText(page())) === 'Token Agent: no tokens',
        'the token removed',
        30_000,
      );
      assert.equal(await storedRefreshToken(), undefined);
      const entry = refreshTokenEntry(tokenServer, { name: 'fresh', refreshBeforeSeconds: 120 });
      const added = await runAgentCli(
        [
          'token',
          'add',
          'fresh',
          '--type',
          'oauth2-refresh-token',
          '--issuer',
          String(entry.issuer),
          '--client-id',
          String(entry.clientId),
          '--scope',
          String(entry.scope),
          '--resource',
          String(entry.resource),
          '--refresh-before',
          '120',
        ],
        { env: session.agentEnv },
      );
      assert.equal(added.code, 0, added.stderr);
      // Shown at once, or once the agent found it has no refresh token to use: either way, unsigned.
      await waitUntil(
        async () => /^fresh (no token yet|sign in needed)$/.test(await statusText(page())),
        'the token defined again, without secrets',
        30_000,
      );
      // The device sign-in's "Signed in" notification must not stand in for this one.
      await clearNotifications(page());

      await runCommand(page(), 'Token Agent: Sign In…');
      // In a web window the device code comes first: this row has to be picked, not the default.
      const flow = page().locator('.quick-input-widget .monaco-list-row', { hasText: 'the browser' });
      await flow.waitFor({ timeout: 10_000 });
      // The extension opens the provider's page with vscode.env.openExternal: a new tab here. The
      // provider redirects at once, so the URL it was opened with is caught as a request.
      const authorizationUrls: string[] = [];
      const seeRequest = (request: { url(): string }) => {
        if (request.url().startsWith(`${tokenServer?.issuer}/auth?`)) authorizationUrls.push(request.url());
      };
      workbench.context.on('request', seeRequest);
      const opened = workbench.context.waitForEvent('page', { timeout: 30_000 });
      await flow.click();
      await answerDialog(page(), 'open the external website', 'Open');
      const tab = await opened;
      try {
        await tab.waitForLoadState();
        const [authorizationUrl = ''] = authorizationUrls;
        assert.equal(new URL(tab.url()).origin, tokenServer.issuer, 'opened as it is, not through a proxy');
        const query = new URL(authorizationUrl).searchParams;
        assert.equal(query.get('response_type'), 'code');
        assert.equal(query.get('client_id'), tokenServer.publicClientId);
        assert.equal(query.get('code_challenge_method'), 'S256');
        const redirectUri = query.get('redirect_uri') ?? '';
        assert.match(redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
        // This browser logged in to the provider for the device code, so it asks only for consent;
        // then the provider sends the tab to the agent's one-shot listener, which shows its own page.
        const landed = new URL(await finishBrowserSignIn(tab, { loggedIn: true }));
        assert.equal(`${landed.origin}${landed.pathname}`, redirectUri);
        assert.equal(landed.searchParams.get('state'), query.get('state'));
      } finally {
        workbench.context.off('request', seeRequest);
        await tab.close();
      }
      await signedInAndCountingDown();
      assert.ok((await storedRefreshToken())?.length, 'a refresh token in the keyring');
      assert.ok(
        tokenServer.log.some(
          (e) =>
            e.outcome === 'success' &&
            e.grantType === 'authorization_code' &&
            e.clientId === tokenServer?.publicClientId,
        ),
      );
      assert.equal(tokenServer.events.grantRevoked, 0);
    }),
  );

  it(
    'joins a sign-in a terminal started: the editor says so and shows the same code, one device authorization',
    step('joined sign-in', async () => {
      assert.ok(tokenServer && workbench && session);
      await clearNotifications(page());
      const deviceAuthorizations = tokenServer.hits('/device/auth');
      // A terminal starts the device sign-in first (#12 item 6: one sign-in per token, whoever asks).
      const login = startProcess(
        [agentBundle, 'login', 'fresh', '--device'],
        { ...process.env, ...session.agentEnv },
        undefined,
      );
      let loginText = '';
      login.child.stderr.on('data', (chunk: Buffer) => {
        loginText += chunk.toString();
      });
      const terminalCode = await nextEvent(
        () => /^ {4}([A-Z]{4}-[A-Z]{4})$/m.exec(loginText)?.[1],
        'the terminal to print its code',
        30_000,
      );

      await runCommand(page(), 'Token Agent: Sign In…');
      const flow = page().locator('.quick-input-widget .monaco-list-row', { hasText: 'device code' });
      await flow.waitFor({ timeout: 10_000 });
      await flow.click();
      const prompt = page().locator('.notification-toast', {
        hasText: 'already in progress in another window or a terminal',
      });
      await prompt.waitFor({ timeout: 30_000 });
      const text = (await prompt.textContent()) ?? '';
      const match = /Enter the code (\S+) at (\S+?) to sign in/.exec(text);
      assert.ok(match, text);
      assert.equal(match[1], terminalCode, 'the editor shows the code the terminal shows');
      assert.equal(tokenServer.hits('/device/auth') - deviceAuthorizations, 1, 'no second device code');

      // The user finishes once, in a browser not yet logged in to the provider.
      const context = await workbench.browser.newContext();
      try {
        await completeDeviceSignIn(await context.newPage(), {
          verificationUri: match[2] ?? '',
          userCode: terminalCode,
        });
      } finally {
        await context.close();
      }
      const ended = await login.done;
      assert.equal(ended.code, 0, ended.stderr);
      assert.match(ended.stderr, /Signed in to 'fresh'/);
      await signedInAndCountingDown();
      assert.equal(tokenServer.hits('/device/auth') - deviceAuthorizations, 1);
      assert.equal(tokenServer.events.grantRevoked, 0);
    }),
  );
});
