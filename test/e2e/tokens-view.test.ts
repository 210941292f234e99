// The Tokens view in a real VS Code (code-server driven by Chromium), against the real token server
// (30-second JWTs) and the real Secret Service: rows with a live time left, inline actions that fit
// each token's type, a config-problem row, and pinning a token to the status bar.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Locator } from 'playwright-core';
import { refreshTokenEntry } from '../support/agentCli';
import { type EditorSession, sessionSteps, startEditorSession } from '../support/editorSession';
import { fakeJwt } from '../support/fakeTokens';
import { nextEvent, waitUntil } from '../support/waitFor';
import { readClipboard, statusLabel, statusText } from '../support/workbench';

const suite = 'e2e-tokens-view';

describe('the Tokens view in a real VS Code', { timeout: 600_000 }, () => {
  let session: EditorSession | undefined;
  const page = () => {
    assert.ok(session);
    return session.page;
  };
  const step = sessionSteps(suite, () => session);
  const row = (text: string): Locator =>
    page().locator('.part.sidebar .monaco-list-row', { hasText: text }).first();
  const description = async (name: string) =>
    (
      (await row(name)
        .locator('.label-description')
        .textContent({ timeout: 1_000 })
        .catch(() => null)) ?? ''
    ).trim();
  /** The seconds a `m:ss left` description states. */
  const secondsIn = (text: string) => {
    const match = /^(\d+):(\d\d) left/.exec(text);
    return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
  };
  const inlineActions = async (name: string) => {
    await row(name).hover();
    await row(name).locator('.actions .action-label').first().waitFor({ timeout: 10_000 });
    return row(name)
      .locator('.actions .action-label')
      .evaluateAll((links) => links.map((link) => link.getAttribute('aria-label') ?? ''));
  };
  const contextAction = async (name: string, action: string) => {
    await row(name).click({ button: 'right' });
    const item = page().locator('.monaco-menu .action-item', { hasText: action }).first();
    await item.waitFor({ timeout: 10_000 });
    // A click just as the menu opens can be dropped (the menu guards against the right-click's own
    // release): point at the item, which focuses it, and press Enter, as a keyboard user would.
    await item.hover();
    await page().keyboard.press('Enter');
    await page().locator('.monaco-menu').first().waitFor({ state: 'detached', timeout: 10_000 });
  };

  before(async () => {
    session = await startEditorSession({
      name: suite,
      tokenServer: { accessTokenTtlSeconds: 30 },
      tokens: (server) => [
        refreshTokenEntry(server, { name: 'demo', refreshBeforeSeconds: 120 }),
        { name: 'pasted', type: 'static' },
        // No issuer and no token endpoint: the agent disables it and reports a config problem.
        { name: 'broken', type: 'oauth2-refresh-token', clientId: 'e2e' },
      ],
      secrets: async (server) => [
        {
          name: 'demo',
          kind: 'refresh_token',
          value: await server.mintRefreshToken({ clientId: server.publicClientId }),
        },
        // Built here, never committed: a JWT-shaped value no issuer signed, valid two hours.
        {
          name: 'pasted',
          kind: 'static_token',
          value: fakeJwt({ sub: 'e2e-tokens-view', exp: Math.floor(Date.now() / 1000) + 7_200 }),
        },
      ],
      userSettings: { 'tokenAgent.copy.minValiditySeconds': 20, 'tokenAgent.copy.clearAfterSeconds': 0 },
    });
  });

  after(async () => {
    await session?.close();
  });

  it(
    'opens from the activity bar with a row per token, its time left counting down, and a config-problem row',
    step('rows', async () => {
      const p = page();
      await p.locator('.activitybar .action-label[aria-label^="Token Agent"]').click();
      await row('demo').waitFor({ timeout: 60_000 });
      const first = await nextEvent(
        async () => secondsIn(await description('demo')),
        "a countdown in 'demo''s row",
        60_000,
      );
      // Live: the row ticks on its own between the agent's status messages.
      const later = await nextEvent(async () => {
        const now = secondsIn(await description('demo'));
        return now !== undefined && now !== first ? now : undefined;
      }, "'demo''s time left to change");
      assert.ok(later !== first);
      assert.match(await description('pasted'), /^(1h 59m|2h 0m) left$/);
      await row('Config problem').waitFor({ timeout: 15_000 });
      assert.match((await row('Config problem').textContent()) ?? '', /broken/);
      // Each row's state icon: a fresh token shows the `pass` icon.
      assert.equal(await row('pasted').locator('.codicon-pass').count(), 1);
    }),
  );

  it(
    'offers inline Copy, Refresh and Sign In only where they apply (no Refresh on a pasted token)',
    step('inline actions', async () => {
      const demo = await inlineActions('demo');
      assert.ok(
        demo.some((label) => label.startsWith('Copy Fresh Token')),
        demo.join(', '),
      );
      assert.ok(
        demo.some((label) => label.startsWith('Refresh Now')),
        demo.join(', '),
      );
      assert.ok(!demo.some((label) => label.startsWith('Sign In')), 'no Sign In while the token is fresh');
      const pasted = await inlineActions('pasted');
      assert.ok(
        pasted.some((label) => label.startsWith('Copy Fresh Token')),
        pasted.join(', '),
      );
      assert.ok(!pasted.some((label) => label.startsWith('Refresh Now')), pasted.join(', '));
    }),
  );

  it(
    "copies a JWT that verifies against the token server's keys from the row's inline Copy action",
    step('inline copy', async () => {
      assert.ok(session);
      const { tokenServer } = session;
      await row('demo').hover();
      await row('demo').locator('.actions .action-label[aria-label^="Copy Fresh Token"]').click();
      // Run from the row, the command knows the token: no question which one, although there are two.
      await page().locator('.notification-toast', { hasText: "Copied 'demo'" }).waitFor({ timeout: 30_000 });
      const copied = await readClipboard(page());
      const { protectedHeader } = await jwtVerify(copied, createRemoteJWKSet(new URL(tokenServer.jwksUri)), {
        issuer: tokenServer.issuer,
        audience: tokenServer.resource,
        typ: 'at+jwt',
      });
      assert.equal(protectedHeader.alg, 'RS256');
    }),
  );

  it(
    'pins a token from its context menu, and the status bar shows it instead of the most urgent one',
    step('pin', async () => {
      const p = page();
      // Unpinned, the status bar shows the 30-second token, the one expiring soonest.
      await waitUntil(
        async () => /^demo /.test(await statusText(p)),
        "the status bar to show 'demo'",
        30_000,
      );
      await contextAction('pasted', 'Pin to Status Bar');
      await waitUntil(
        async () => /^pasted (1h 59m|2h 0m)$/.test(await statusText(p)),
        "the status bar to show the pinned 'pasted'",
        15_000,
      );
      assert.match(
        await statusLabel(p),
        /^Token Agent: pasted expires in \d+ seconds at .*, pinned, 2 tokens/,
      );
      await waitUntil(
        async () => /pinned$/.test(await description('pasted')),
        "'pasted''s row to say pinned",
      );
      const dir = join('test-results', suite);
      mkdirSync(dir, { recursive: true });
      await p.screenshot({ path: join(dir, 'tokens-view-pinned.png') });

      await contextAction('pasted', 'Unpin from Status Bar');
      await waitUntil(
        async () => /^demo /.test(await statusText(p)),
        "the status bar to go back to 'demo'",
        15_000,
      );
    }),
  );
});
