// Add Token as a new user meets it, in a real VS Code against the real oidc-provider: the steps of one
// titled input with a counter and Back, the https-or-loopback rule refused in the input box, "Sign in
// now" with a device code ending in a token that counts down; a definition the agent refuses re-opens
// the step it concerns with everything typed kept (the refresh token too) and leaves nothing behind;
// and a broken hand-written entry is listed by Show Tokens and Remove Token, and removed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { type EditorSession, sessionSteps, startEditorSession } from '../support/editorSession';
import { completeDeviceSignIn } from '../support/oidcPages';
import type { TokenServer } from '../support/tokenServer';
import { keepScreenshot } from '../support/userAgentProbe';
import { nextEvent, waitUntil } from '../support/waitFor';
import { answerDialog, runCommand, secondsLeft, statusLabel } from '../support/workbench';

const suite = 'e2e-add-token';
const widget = '.quick-input-widget';

/** The input's title with its step counter, as VS Code draws it: "Add Token (3/7)". */
async function onStep(page: Page, title: string, step: number, total: number): Promise<void> {
  await page
    .locator(`${widget} .quick-input-title`, { hasText: `${title} (${step}/${total})` })
    .waitFor({ timeout: 15_000 });
}

/** Picks the row with `text` in the quick pick on screen. */
async function pick(page: Page, text: string): Promise<void> {
  const row = page.locator(`${widget} .monaco-list-row`, { hasText: text }).first();
  await row.waitFor({ timeout: 15_000 });
  await row.click();
}

const message = (page: Page) => page.locator(`${widget} .quick-input-message`);
const inputBox = (page: Page) => page.locator(`${widget} input.input`);

/** Types `value` into the input box that shows `prompt`, and accepts it. */
async function answer(page: Page, prompt: string, value: string): Promise<void> {
  const shown = message(page).filter({ hasText: prompt });
  await shown.waitFor({ timeout: 15_000 });
  await inputBox(page).fill(value);
  await page.keyboard.press('Enter');
  // The next step replaces this one (or the input closes): either way this prompt is gone.
  await shown.waitFor({ state: 'hidden', timeout: 15_000 });
}

/** The definitions in the agent's config file, by name. */
function definitions(session: EditorSession): Map<string, Record<string, unknown>> {
  const path = String(session.agentEnv.TOKEN_AGENT_CONFIG);
  const config = JSON.parse(readFileSync(path, 'utf8')) as { tokens?: Record<string, unknown>[] };
  return new Map((config.tokens ?? []).map((entry) => [String(entry.name), entry]));
}

describe('Add Token in a real VS Code', { timeout: 420_000 }, () => {
  let session: EditorSession | undefined;
  let tokenServer: TokenServer | undefined;
  const page = () => {
    assert.ok(session);
    return session.page;
  };
  const step = sessionSteps(suite, () => session);

  before(async () => {
    session = await startEditorSession({
      name: suite,
      // On 127.0.0.2, as a real issuer would be on its own host: code-server sends URLs on localhost
      // and 127.0.0.1 through its /proxy/PORT/ path, where a provider's cookies do not follow.
      tokenServer: { accessTokenTtlSeconds: 300, deviceIntervalSeconds: 1, host: '127.0.0.2' },
      // Written by hand, or by an older version that took plain http anywhere: the agent disables it.
      tokens: () => [
        {
          name: 'legacy',
          type: 'oauth2-refresh-token',
          issuer: 'http://login.example.test',
          clientId: 'old',
        },
      ],
    });
    ({ tokenServer } = session);
  });

  after(async () => {
    await session?.close();
  });

  it(
    'adds a refresh-token token: http elsewhere refused in the box, Back keeps the answers, Sign in now with a device code, and the token counts down',
    step('sign in now', async () => {
      assert.ok(tokenServer && session);
      const p = page();
      await runCommand(p, 'Token Agent: Add Token…');
      await onStep(p, 'Add Token', 1, 7);
      await pick(p, 'OAuth 2 refresh token');
      await onStep(p, 'Add Token', 2, 7);
      await answer(p, 'A short name for the token', 'signed');

      // The rule the agent applies, checked as the user types: plain http only on this machine.
      await onStep(p, 'Add Token', 3, 7);
      await message(p).filter({ hasText: 'The issuer URL' }).waitFor({ timeout: 15_000 });
      await inputBox(p).fill('http://login.example.com');
      const refusal = message(p).filter({ hasText: 'Use https://' });
      await refusal.waitFor({ timeout: 15_000 });
      assert.match((await refusal.textContent()) ?? '', /only for this machine.*login\.example\.com/);
      await keepScreenshot(p, suite, '1-http-refused-in-the-box');
      await p.keyboard.press('Enter');
      // Enter does not get past the refusal: still step 3, the value still there.
      await onStep(p, 'Add Token', 3, 7);
      await refusal.waitFor({ timeout: 5_000 });
      assert.equal(await inputBox(p).inputValue(), 'http://login.example.com');
      await inputBox(p).fill(tokenServer.issuer);
      await refusal.waitFor({ state: 'hidden', timeout: 5_000 });
      await p.keyboard.press('Enter');

      await onStep(p, 'Add Token', 4, 7);
      await answer(p, 'The client id', tokenServer.publicClientId);
      // Back from the scope step: the client id step shows what was typed, and so does the URL step.
      await onStep(p, 'Add Token', 5, 7);
      await p.locator(`${widget} .quick-input-left-action-bar .codicon-quick-input-back`).click();
      await onStep(p, 'Add Token', 4, 7);
      assert.equal(await inputBox(p).inputValue(), tokenServer.publicClientId);
      await p.locator(`${widget} .quick-input-left-action-bar .codicon-quick-input-back`).click();
      await onStep(p, 'Add Token', 3, 7);
      assert.equal(await inputBox(p).inputValue(), tokenServer.issuer);
      await p.keyboard.press('Enter');
      await onStep(p, 'Add Token', 4, 7);
      await p.keyboard.press('Enter');

      await onStep(p, 'Add Token', 5, 7);
      await answer(p, 'Scopes to request', tokenServer.scope);
      await onStep(p, 'Add Token', 6, 7);
      await answer(p, "The client secret of 'signed' (optional)", '');

      // The last step: a new user has no refresh token, so signing in comes first.
      await onStep(p, 'Add Token', 7, 7);
      const rows = await p.locator(`${widget} .monaco-list-row`).allTextContents();
      assert.match(rows[0] ?? '', /Sign in now with a device code/, 'in a web window the device code first');
      assert.ok(
        rows.some((row) => /Paste a refresh token I already have/.test(row)),
        rows.join(' | '),
      );
      await keepScreenshot(p, suite, '2-sign-in-now');
      await pick(p, 'Sign in now with a device code');

      const prompt = p.locator('.notification-toast', { hasText: 'Enter the code' });
      await prompt.waitFor({ timeout: 30_000 });
      const match = /Enter the code (\S+) at (\S+?) to sign in/.exec((await prompt.textContent()) ?? '');
      assert.ok(match);
      const [, userCode = '', verificationUri = ''] = match;
      assert.equal(verificationUri, `${tokenServer.issuer}/device`);
      const opened = session.workbench.context.waitForEvent('page', { timeout: 15_000 });
      await prompt.getByRole('button', { name: 'Copy Code and Open' }).click();
      await answerDialog(p, 'open the external website', 'Open');
      const device = await opened;
      try {
        await device.waitForLoadState();
        await completeDeviceSignIn(device, { verificationUri, userCode }, { alreadyOpen: true });
      } finally {
        await device.close();
      }

      // Said once the token works, with how long it lasts; and it counts down in the status bar.
      const added = p.locator('.notification-toast', { hasText: "Added 'signed'" });
      await added.waitFor({ timeout: 30_000 });
      assert.match((await added.textContent()) ?? '', /and signed in: valid for 4:\d\d/);
      await keepScreenshot(p, suite, '3-added-and-signed-in');
      const first = await nextEvent(
        async () => {
          const label = await statusLabel(p);
          return /signed expires in/.test(label) ? await secondsLeft(p) : undefined;
        },
        'a countdown for the new token',
        30_000,
      );
      assert.ok(first > 250, `${first} seconds left`);
      await nextEvent(async () => {
        const now = await secondsLeft(p);
        return now !== undefined && now < first ? now : undefined;
      }, 'the time left to go down');
      assert.deepEqual(definitions(session).get('signed'), {
        name: 'signed',
        type: 'oauth2-refresh-token',
        issuer: tokenServer.issuer,
        clientId: tokenServer.publicClientId,
        scope: tokenServer.scope,
      });
      assert.ok(
        tokenServer.log.some(
          (e) => e.outcome === 'success' && e.grantType === 'urn:ietf:params:oauth:grant-type:device_code',
        ),
      );
    }),
  );

  it(
    'a definition the agent refuses re-opens its step with the reason, keeps the typed refresh token, and leaves no entry behind',
    step('agent refuses', async () => {
      assert.ok(tokenServer && session);
      const p = page();
      // Built at run time by the test server: a real refresh token for its public client.
      const refreshToken = await tokenServer.mintRefreshToken({ clientId: tokenServer.publicClientId });
      // An issuer with a query: http-or-https is fine, but discovery forbids a query, which the agent says.
      const badIssuer = `${tokenServer.issuer}/?tenant=dev`;
      await runCommand(p, 'Token Agent: Add Token…');
      await pick(p, 'OAuth 2 refresh token');
      await answer(p, 'A short name for the token', 'pasted-rt');
      await answer(p, 'The issuer URL', badIssuer);
      await answer(p, 'The client id', tokenServer.publicClientId);
      await answer(p, 'Scopes to request', tokenServer.scope);
      await answer(p, "The client secret of 'pasted-rt' (optional)", '');
      await pick(p, 'Paste a refresh token I already have');
      await onStep(p, 'Add Token', 8, 8);
      await answer(p, "The refresh token of 'pasted-rt'", refreshToken);

      // The agent's verdict, at once, on the step it concerns: the URL as typed and the reason.
      const refused = message(p).filter({ hasText: 'The agent refused this' });
      await refused.waitFor({ timeout: 15_000 });
      assert.match((await refused.textContent()) ?? '', /query or fragment/);
      await onStep(p, 'Add Token', 3, 8);
      assert.equal(await inputBox(p).inputValue(), badIssuer);
      await keepScreenshot(p, suite, '4-agent-refused');
      assert.equal(definitions(session).has('pasted-rt'), false, 'a refused definition is not written');

      // Fixed there, it goes to the agent again with every other answer as typed, the refresh token too.
      const grantsBefore = tokenServer.events.grantSuccess;
      await inputBox(p).fill(tokenServer.issuer);
      await p.keyboard.press('Enter');
      const added = p.locator('.notification-toast', { hasText: "Added 'pasted-rt'" });
      await added.waitFor({ timeout: 30_000 });
      assert.match((await added.textContent()) ?? '', /valid for 4:\d\d/);
      assert.ok(tokenServer.events.grantSuccess > grantsBefore, 'the pasted refresh token was used');
      assert.equal(definitions(session).get('pasted-rt')?.issuer, tokenServer.issuer);
      await waitUntil(async () => / 2 tokens,/.test(await statusLabel(p)), 'the status to count 2 tokens');
    }),
  );

  it(
    'lists a broken hand-written entry in Show Tokens and Remove Token, and removes it',
    step('broken entry', async () => {
      assert.ok(session);
      const p = page();
      await runCommand(p, 'Token Agent: Show Tokens');
      const row = p.locator(`${widget} .monaco-list-row`, { hasText: 'legacy' });
      await row.waitFor({ timeout: 15_000 });
      assert.match((await row.textContent()) ?? '', /broken definition/);
      await keepScreenshot(p, suite, '5-broken-entry-listed');
      await p.keyboard.press('Escape');

      await runCommand(p, 'Token Agent: Remove Token…');
      await pick(p, 'legacy');
      await answerDialog(p, "Remove 'legacy'?", 'Remove');
      await p.locator('.notification-toast', { hasText: "Removed 'legacy'" }).waitFor({ timeout: 15_000 });
      assert.deepEqual([...definitions(session).keys()].sort(), ['pasted-rt', 'signed']);
    }),
  );
  it(
    'says what failed instead of "Added" when the first refresh fails, and its button leads to the fix',
    step('no added while broken', async () => {
      assert.ok(tokenServer);
      const p = page();
      await runCommand(p, 'Token Agent: Add Token…');
      await pick(p, 'OAuth 2 client credentials');
      await onStep(p, 'Add Token', 2, 6);
      await answer(p, 'A short name for the token', 'svc');
      await answer(p, 'The issuer URL', tokenServer.issuer);
      await answer(p, 'The client id', tokenServer.clientId);
      await answer(p, 'Scopes to request', '');
      // Built at run time, not the client's: the token server refuses it.
      await answer(p, "The client secret of 'svc'", `wrong-${tokenServer.clientSecret.slice(0, 4)}-x`);
      const failed = p.locator('.notification-toast', {
        hasText: "'svc' was added, but its first refresh failed",
      });
      await failed.waitFor({ timeout: 30_000 });
      await keepScreenshot(p, suite, '6-first-refresh-failed');
      assert.equal(await p.locator('.notification-toast', { hasText: "Added 'svc'" }).count(), 0);
      await failed.getByRole('button', { name: 'Show Log' }).waitFor({ timeout: 5_000 });
      await failed.getByRole('button', { name: 'Set Secret…' }).click();
      await answer(p, "The client secret of 'svc'", tokenServer.clientSecret);
      await p
        .locator('.notification-toast', { hasText: "Stored the client secret of 'svc'" })
        .waitFor({ timeout: 15_000 });
    }),
  );
});
