// Token Agent as an authentication provider in a real VS Code (code-server driven by Chromium), used by
// a second extension built at run time and installed beside ours (#15 item 3): the extension calls
// `vscode.authentication.getSession('token-agent', ['demo'], { createIfNone: true })`, VS Code asks the
// user, the user allows it, and the token the extension receives verifies against the real token
// server's keys. The session is then listed in the Accounts menu, and signing out there removes it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { refreshTokenEntry } from '../support/agentCli';
import {
  buildConsumerExtension,
  type ConsumerExtension,
  consumerCommands,
  consumerDisplayName,
} from '../support/consumerExtension';
import { type EditorSession, sessionSteps, startEditorSession } from '../support/editorSession';
import { waitUntil } from '../support/waitFor';
import { answerDialog, runCommand, statusText } from '../support/workbench';

const suite = 'e2e-auth';
const shots = join('test-results', suite);

describe('another extension signs in with Token Agent in a real VS Code', { timeout: 600_000 }, () => {
  let session: EditorSession | undefined;
  let consumer: ConsumerExtension | undefined;
  const page = () => {
    assert.ok(session);
    return session.page;
  };
  const extension = () => {
    assert.ok(consumer);
    return consumer;
  };
  const step = sessionSteps(suite, () => session);
  /** Runs one of the consumer's commands from the palette and returns what getSession gave it. */
  const ask = async (command: keyof typeof consumerCommands) => {
    extension().forget(command);
    await runCommand(page(), consumerCommands[command]);
    return extension().result(command);
  };

  const openAccounts = async () => {
    await page().locator('.activitybar .action-label[aria-label="Accounts"]').click();
    await page().locator('.monaco-menu').first().waitFor({ timeout: 10_000 });
  };
  // VS Code lists an account as its label and the provider's in parentheses.
  const account = () =>
    page().locator('.monaco-menu .action-item', { hasText: 'demo (e2e-user) (Token Agent)' });
  const menuItem = (text: string) =>
    page()
      .locator('.monaco-menu .action-item', { has: page().getByText(text, { exact: true }) })
      .last();

  before(async () => {
    mkdirSync(shots, { recursive: true });
    consumer = buildConsumerExtension('demo');
    session = await startEditorSession({
      name: suite,
      tokenServer: { accessTokenTtlSeconds: 600 },
      tokens: (server) => [refreshTokenEntry(server, { name: 'demo', refreshBeforeSeconds: 60 })],
      secrets: async (server) => [
        {
          name: 'demo',
          kind: 'refresh_token',
          value: await server.mintRefreshToken({ clientId: server.publicClientId, accountId: 'e2e-user' }),
        },
      ],
      moreVsix: [consumer.vsix],
    });
    // The Chat side bar code-server opens at start takes half the window from the screenshots.
    await runCommand(page(), 'View: Hide Secondary Side Bar');
  });

  after(async () => {
    await session?.close();
    consumer?.remove();
  });

  it(
    'hands no token to an extension that asks silently before the user consented',
    step('silent before consent', async () => {
      assert.deepEqual(await ask('check'), { none: true });
    }),
  );

  it(
    "gives the extension a token after the user allows it in VS Code's consent dialog, and the token verifies against the token server's keys",
    step('consent', async () => {
      assert.ok(session);
      const { tokenServer } = session;
      extension().forget('get');
      await runCommand(page(), consumerCommands.get);
      const dialog = page().locator('.monaco-dialog-box', {
        hasText: `The extension '${consumerDisplayName}' wants to sign in using Token Agent.`,
      });
      await dialog.waitFor({ timeout: 60_000 });
      await page().screenshot({ path: join(shots, 'consent-dialog.png') });
      // Nothing is handed over while the question is open.
      assert.equal(existsSync(join(extension().outDir, 'get.json')), false);
      await dialog.getByRole('button', { name: 'Allow', exact: true }).click();
      await dialog.waitFor({ state: 'detached', timeout: 10_000 });

      const got = await extension().result('get');
      assert.equal(got.error, undefined);
      assert.equal(got.session?.id, 'demo');
      assert.deepEqual(got.session?.scopes, ['demo']);
      assert.ok(got.tokenFile);
      assert.equal(statSync(got.tokenFile).mode & 0o777, 0o600);
      const { payload, protectedHeader } = await jwtVerify(
        readFileSync(got.tokenFile, 'utf8'),
        createRemoteJWKSet(new URL(tokenServer.jwksUri)),
        { issuer: tokenServer.issuer, audience: tokenServer.resource, typ: 'at+jwt' },
      );
      assert.equal(protectedHeader.alg, 'RS256');
      assert.equal(payload.sub, 'e2e-user');
      assert.equal(got.session?.account.label, 'demo (e2e-user)');
    }),
  );

  it(
    'lists the shared token in the Accounts menu, with Sign Out',
    step('accounts menu', async () => {
      // Shared now: asked silently, the extension gets the session without another question.
      const again = await ask('check');
      assert.equal(again.session?.id, 'demo');
      const p = page();
      await openAccounts();
      await account().hover();
      await menuItem('Sign Out').waitFor({ timeout: 10_000 });
      await menuItem('Manage Trusted Extensions').waitFor({ timeout: 10_000 });
      await p.screenshot({ path: join(shots, 'accounts-menu.png') });
    }),
  );

  it(
    'signing out in the Accounts menu removes the session; the token itself stays with the agent',
    step('sign out', async () => {
      const p = page();
      // Pointed at, then Enter, as in the Tokens view test: a click as a submenu opens can be dropped.
      await menuItem('Sign Out').hover();
      await p.keyboard.press('Enter');
      const used = `The account 'demo (e2e-user)' has been used by`;
      await p.locator('.monaco-dialog-box', { hasText: used }).waitFor({ timeout: 10_000 });
      assert.match(
        (await p.locator('.monaco-dialog-box', { hasText: used }).textContent()) ?? '',
        new RegExp(consumerDisplayName),
      );
      await p.screenshot({ path: join(shots, 'sign-out-dialog.png') });
      await answerDialog(p, used, 'Sign Out');
      // The workbench drops the account when the provider announces the session removed.
      await waitUntil(
        async () => {
          await openAccounts();
          // The menu's own last item drawn: the account rows above it are drawn by then.
          await menuItem('Manage Extension Account Preferences...').waitFor({ timeout: 10_000 });
          const listed = await account().count();
          await p.keyboard.press('Escape');
          return listed === 0;
        },
        'the Accounts menu to drop the signed-out session',
        30_000,
      );
      assert.deepEqual(await ask('check'), { none: true });
      // Signing out stops sharing; it does not sign the token out of the agent.
      assert.match(await statusText(p), /^demo /);
    }),
  );

  it(
    'asks the user again after sign-out, and a Cancel hands the extension an error, not a token',
    step('consent again', async () => {
      extension().forget('get');
      await runCommand(page(), consumerCommands.get);
      await answerDialog(page(), `The extension '${consumerDisplayName}' wants to sign in`, 'Cancel');
      const got = await extension().result('get');
      assert.equal(got.session, undefined);
      assert.match(got.error ?? '', /consent/i);
      assert.equal(existsSync(join(extension().outDir, 'get.token')), false);
    }),
  );
});
