// The editor features against the real token server (30-second JWTs, rotating refresh tokens) and the
// real Secret Service, in a real VS Code (code-server) driven by Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { refreshTokenEntry } from '../support/agentCli';
import { runAgentCli } from '../support/agentProcess';
import type { Workbench } from '../support/codeServer';
import { type EditorSession, sessionSteps, startEditorSession } from '../support/editorSession';
import { checksummedToken } from '../support/fakeTokens';
import type { TokenServer } from '../support/tokenServer';
import { nextEvent, waitUntil } from '../support/waitFor';
import {
  openQuickFix,
  readClipboard,
  runCommand,
  secondsLeft,
  statusItem,
  statusLabel,
  statusText,
} from '../support/workbench';

const minValiditySeconds = 20;

describe('tokens in a real VS Code', { timeout: 600_000 }, () => {
  let session: EditorSession | undefined;
  let tokenServer: TokenServer | undefined;
  let workbench: Workbench | undefined;
  let agentEnv: NodeJS.ProcessEnv = {};
  const page = () => {
    assert.ok(workbench);
    return workbench.page;
  };
  const step = sessionSteps('e2e-tokens', () => session);

  before(async () => {
    session = await startEditorSession({
      name: 'e2e-tokens',
      tokenServer: { accessTokenTtlSeconds: 30 },
      // The default lead (120 s) on 30-second tokens: refreshed at two thirds of their life.
      tokens: (server) => [refreshTokenEntry(server, { name: 'demo', refreshBeforeSeconds: 120 })],
      secrets: async (server) => [
        {
          name: 'demo',
          kind: 'refresh_token',
          value: await server.mintRefreshToken({ clientId: server.publicClientId }),
        },
      ],
      userSettings: {
        'tokenAgent.copy.minValiditySeconds': minValiditySeconds,
        'tokenAgent.copy.clearAfterSeconds': 3,
      },
      files: { 'app.js': 'export const ready = true;\n' },
    });
    ({ tokenServer, workbench, agentEnv } = session);
  });

  after(async () => {
    await session?.close();
  });

  it(
    "shows the token's name and a time left that decreases",
    step('countdown', async () => {
      const first = await nextEvent(() => secondsLeft(page()), 'a countdown in the status bar', 60_000);
      assert.match(await statusText(page()), /^demo 0:\d\d$/);
      const later = await nextEvent(async () => {
        const now = await secondsLeft(page());
        return now !== undefined && now < first ? now : undefined;
      }, 'the time left to go down');
      assert.ok(later < first);
    }),
  );

  it(
    'refreshes the token before it expires, with no user action',
    step('refresh ahead', async () => {
      assert.ok(tokenServer);
      const refreshesBefore = tokenServer.events.grantSuccess;
      let lowest = Number.POSITIVE_INFINITY;
      const labels: string[] = [];
      await waitUntil(
        async () => {
          const label = await statusLabel(page());
          labels.push(label);
          const left = await secondsLeft(page());
          if (left === undefined) return false;
          const jumped = left > lowest + 5;
          lowest = Math.min(lowest, left);
          return jumped && (tokenServer?.events.grantSuccess ?? 0) > refreshesBefore;
        },
        'the expiry to move forward after a refresh at the token server',
        45_000,
      );
      assert.ok(lowest > 0, 'the countdown never reached zero');
      assert.ok(!labels.some((label) => /expired/.test(label)), 'never shown as expired');
      assert.equal(tokenServer.events.grantRevoked, 0);
    }),
  );

  it(
    'Copy Fresh Token copies a JWT that verifies and stays valid long enough, then clears the clipboard',
    step('copy fresh token', async () => {
      assert.ok(tokenServer);
      const askedAt = Date.now();
      await runCommand(page(), 'Token Agent: Copy Fresh Token');
      await page().locator('.notification-toast', { hasText: "Copied 'demo'" }).waitFor({ timeout: 30_000 });
      const copied = await readClipboard(page());
      const { payload, protectedHeader } = await jwtVerify(
        copied,
        createRemoteJWKSet(new URL(tokenServer.jwksUri)),
        {
          issuer: tokenServer.issuer,
          audience: tokenServer.resource,
          typ: 'at+jwt',
        },
      );
      assert.equal(protectedHeader.alg, 'RS256');
      assert.ok(
        (payload.exp ?? 0) * 1000 - askedAt >= minValiditySeconds * 1000,
        `valid for ${(payload.exp ?? 0) - askedAt / 1000}s after the request, wanted ${minValiditySeconds}s`,
      );
      const notice =
        (await page().locator('.notification-toast', { hasText: "Copied 'demo'" }).textContent()) ?? '';
      assert.ok(!notice.includes(copied.slice(0, 20)), 'the notification shows a masked preview only');
      await waitUntil(
        async () => (await readClipboard(page())) === '',
        'the clipboard to be cleared',
        20_000,
      );
    }),
  );

  it(
    'flags a token as it is typed, and its quick fix replaces it with an environment variable',
    step('lint quick fix', async () => {
      const p = page();
      await p.locator('.explorer-folders-view .monaco-list-row', { hasText: 'app.js' }).click();
      const editor = p.locator('.monaco-editor .view-lines', { hasText: 'ready' });
      await editor.waitFor({ timeout: 30_000 });
      await editor.click();
      await p.keyboard.press('Control+End');
      // Built here, never committed: a GitHub-token-shaped value that no GitHub account has, with a
      // valid checksum (one without is only an info finding, under another title).
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
      const fake = checksummedToken(
        'ghp_',
        Array.from({ length: 30 }, (_, i) => alphabet[(i * 7 + 3) % 62]).join(''),
      );
      await p.keyboard.insertText(`const github = '${fake}';`);
      const row = p.locator('.markers-panel .monaco-list-row', { hasText: 'GitHub token hard-coded' });
      await p.keyboard.press('Control+Shift+M');
      await row.waitFor({ timeout: 30_000 });
      // To the finding from its Problems row, as a user would: a click on the token's text can miss
      // when the editor has scrolled sideways past it (a long JWT line above does that).
      await row.click();
      await p.keyboard.press('Enter');
      await (await openQuickFix(p, 'Replace with environment variable')).click();
      // The variable's name comes from what the value was assigned to (`github`).
      await p
        .locator('.monaco-editor .view-lines', { hasText: 'process.env.GITHUB' })
        .waitFor({ timeout: 15_000 });
      assert.ok(
        !((await p.locator('.monaco-editor .view-lines').first().textContent()) ?? '').includes(
          fake.slice(0, 12),
        ),
      );
      await row.waitFor({ state: 'detached', timeout: 15_000 });
    }),
  );

  it(
    'flags a live token the agent holds as an error, whatever its format',
    step('live token', async () => {
      const p = page();
      const live = await runAgentCli(['get', 'demo'], { env: agentEnv });
      assert.equal(live.code, 0, live.stderr);
      const token = live.stdout.trim();
      await p.keyboard.press('Control+End');
      await p.keyboard.press('Enter');
      await p.keyboard.insertText(`const live = '${token}';`);
      // An error, not a warning: the value is a token this agent holds right now.
      const row = p.locator('.markers-panel .monaco-list-row:has(.codicon-error)', {
        hasText: "live token 'demo' hard-coded",
      });
      await row.waitFor({ timeout: 30_000 });
    }),
  );

  it(
    'keeps every window in step: a refresh in one shows in the other, which does not refresh again',
    step('two windows', async () => {
      assert.ok(workbench && tokenServer);
      const second = await workbench.context.newPage();
      try {
        await second.goto(page().url());
        await second.locator(statusItem).waitFor({ timeout: 60_000 });
        await nextEvent(() => secondsLeft(second), 'a countdown in the second window', 60_000);
        const refreshesBefore = tokenServer.events.grantSuccess;
        const pidOf = async (p: typeof second) => /pid (\d+)/.exec(await statusLabel(p))?.[1];
        // One user agent serves every window: the same process, so one refresh for all of them.
        assert.equal(await pidOf(second), await pidOf(page()), 'both windows use the one user agent');
        await runCommand(page(), 'Token Agent: Refresh Now');
        await page()
          .locator('.notification-toast', { hasText: "Refreshed 'demo'" })
          .waitFor({ timeout: 30_000 });
        // A scheduled refresh may have run while the second window loaded; Refresh Now adds one more,
        // unless one ran in the last 10 s (the agent then hands back that token: no client can spend
        // the refresh budget on its own).
        assert.ok(tokenServer.events.grantSuccess >= refreshesBefore);
        const refreshesAfter = tokenServer.events.grantSuccess;
        // Both windows now count down to the same expiry (within the second they tick on).
        await waitUntil(
          async () => {
            const [a, b] = [await secondsLeft(page()), await secondsLeft(second)];
            // At least 20 s of a 30 s token: refreshed now, or handed back from a refresh under 10 s ago.
            return a !== undefined && b !== undefined && a >= 18 && Math.abs(a - b) <= 1;
          },
          'the second window to show the refreshed expiry',
          5_000,
        );
        assert.equal(
          tokenServer.events.grantSuccess,
          refreshesAfter,
          'the second window did not refresh again',
        );
      } finally {
        await second.close();
      }
    }),
  );

  it(
    'shows a killed user agent in the status bar, starts a new one and comes back with the token by itself',
    step('agent restart', async () => {
      const pid = Number(/pid (\d+)/.exec(await statusLabel(page()))?.[1]);
      assert.ok(pid > 0);
      const sawDown = page().waitForFunction(
        `document.querySelector('${statusItem}')?.getAttribute('aria-label')?.includes('agent down')`,
        undefined,
        { timeout: 30_000, polling: 'raf' },
      );
      process.kill(pid, 'SIGKILL');
      await sawDown;
      await waitUntil(
        async () => {
          const label = await statusLabel(page());
          const newPid = Number(/pid (\d+)/.exec(label)?.[1]);
          return newPid > 0 && newPid !== pid && /^Token Agent: demo expires in \d+ seconds/.test(label);
        },
        'the restarted agent to show the token again',
        30_000,
      );
    }),
  );

  // The bug: this quick fix stored the value but defined no token, so nothing watched it. Last, because
  // a second token makes commands such as Refresh Now ask which token first.
  it(
    'moves a hard-coded token into the secret store from its quick fix, and the agent watches it from then on',
    step('store as static', async () => {
      const p = page();
      const editor = p.locator('.monaco-editor .view-lines', { hasText: 'ready' });
      await editor.click();
      await p.keyboard.press('Control+End');
      await p.keyboard.press('Enter');
      // Built here, never committed, and unlike the one above so that only this line is flagged.
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
      const fake = checksummedToken(
        'ghp_',
        Array.from({ length: 30 }, (_, i) => alphabet[(i * 11 + 5) % 62]).join(''),
      );
      await p.keyboard.insertText(`const deployKey = '${fake}';`);
      if (!(await p.locator('.markers-panel').isVisible())) await p.keyboard.press('Control+Shift+M');
      const row = p.locator('.markers-panel .monaco-list-row', { hasText: 'GitHub token hard-coded' });
      await row.waitFor({ timeout: 30_000 });
      // To the finding from its Problems row, as a user would: a click on the token's text can miss
      // when the editor has scrolled sideways past it (a long JWT line above does that).
      await row.click();
      await p.keyboard.press('Enter');
      await (await openQuickFix(p, "Store in the secret store as static token 'deploy-key'")).click();
      await p
        .locator('.notification-toast', { hasText: "Stored the value as the static token 'deploy-key'" })
        .waitFor({ timeout: 30_000 });
      await p
        .locator('.monaco-editor .view-lines', { hasText: 'process.env.DEPLOY_KEY' })
        .waitFor({ timeout: 15_000 });
      await row.waitFor({ state: 'detached', timeout: 15_000 });
      // The extension added the definition, the agent rebuilt its engine and loaded the stored value.
      await waitUntil(
        async () => / 2 tokens,/.test(await statusLabel(p)),
        'the status bar to count the new static token',
        30_000,
      );
      await runCommand(p, 'Token Agent: Show Tokens');
      await p
        .locator('.quick-input-widget .monaco-list-row', { hasText: 'deploy-key' })
        .filter({ hasText: 'fresh' })
        .waitFor({ timeout: 15_000 });
      await p.keyboard.press('Escape');
      const notices = await p.locator('.notification-toast').allTextContents();
      assert.ok(!notices.some((text) => text.includes(fake.slice(4, 16))), 'no notification shows the value');
    }),
  );
});
