// The Token Timeline and the Get Started walkthrough in a real VS Code (code-server driven by
// Chromium), against the real token server and the real Secret Service: a refresh that just happened
// shows on the timeline (read from the webview's own DOM), another one arrives while it is open, the
// audit log reads as a table, and the walkthrough opens from the Welcome page.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { forcedRefreshCoalesceMs } from '../../agent/engine/engineTypes';
import type { AgentStatus } from '../../agent/protocol';
import { refreshTokenEntry } from '../support/agentCli';
import { runAgentCli } from '../support/agentProcess';
import { type EditorSession, sessionSteps, startEditorSession } from '../support/editorSession';
import { waitUntil } from '../support/waitFor';
import { runCommand } from '../support/workbench';

const suite = 'e2e-timeline';
const shots = join('test-results', suite);
const minute = 60_000;

/**
 * A day of history written into the agent's audit log before the test's own refresh, so the timeline
 * has everything to draw: hourly refreshes, a failure streak with backoff, a clock-skew warning, a
 * token waiting for sign-in, and one torn line. Made up at run time (pid 4242 on host `e2e-seeded`).
 */
function seededHistory(now: number): string {
  const line = (ago: number, token: string, outcome: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      time: new Date(now - ago).toISOString(),
      token,
      outcome,
      ...extra,
      pid: 4242,
      host: 'e2e-seeded',
    });
  const lines: string[] = [];
  for (let ago = 23 * 60; ago > 7 * 60; ago -= 58)
    lines.push(
      line(ago * minute, 'demo', 'refreshed', { exp: Math.floor((now - ago * minute + 60 * minute) / 1000) }),
    );
  lines.push(line(6 * 60 * minute, 'demo', 'failed', { error: 'ERR_TOKEN_ENDPOINT_TIMEOUT' }));
  lines.push(line(5.9 * 60 * minute, 'demo', 'failed', { error: 'ERR_TOKEN_ENDPOINT_TIMEOUT' }));
  lines.push(line(5.6 * 60 * minute, 'demo', 'failed', { error: 'ERR_TOKEN_ENDPOINT_HTTP' }));
  lines.push(
    line(5 * 60 * minute, 'demo', 'refreshed', {
      exp: Math.floor((now - 4 * 60 * minute) / 1000),
      skewMs: 95_000,
    }),
  );
  lines.push(line(14 * 60 * minute, 'ci-deploy', 'needs-sign-in', { error: 'ERR_NEEDS_SIGN_IN' }));
  lines.push(line(13 * 60 * minute, 'ci-deploy', 'needs-sign-in', { error: 'ERR_NEEDS_SIGN_IN' }));
  lines.push(
    line(11 * 60 * minute, 'ci-deploy', 'signed-in', { exp: Math.floor((now - 3 * 60 * minute) / 1000) }),
  );
  lines.push('{"time":"2026-01-01T00:00:00.000Z","token":"demo","outc');
  return `${lines.join('\n')}\n`;
}

describe('the Token Timeline and the walkthrough in a real VS Code', { timeout: 600_000 }, () => {
  let session: EditorSession | undefined;
  const page = () => {
    assert.ok(session);
    return session.page;
  };
  const step = sessionSteps(suite, () => session);
  /** The page inside the webview: VS Code nests it in two iframes. */
  const webview = (): FrameLocator =>
    page().frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');
  const refreshMarks = () => webview().locator('.token[data-token="demo"] .mark-refreshed');
  const refreshTimes = async () =>
    (await refreshMarks().evaluateAll((marks) => marks.map((m) => Number(m.getAttribute('data-time'))))).sort(
      (a, b) => a - b,
    );
  const lastRefreshAt = async (): Promise<number> => {
    assert.ok(session);
    const result = await runAgentCli(['status', '--json'], { env: session.agentEnv });
    const status = JSON.parse(result.stdout) as AgentStatus;
    return status.tokens.find((token) => token.name === 'demo')?.lastRefreshAt ?? 0;
  };
  const refreshByCli = async () => {
    assert.ok(session);
    const result = await runAgentCli(['refresh', 'demo'], { env: session.agentEnv });
    assert.equal(result.code, 0, result.stderr);
  };

  before(async () => {
    mkdirSync(shots, { recursive: true });
    session = await startEditorSession({
      name: suite,
      // Not the machine's zone (UTC here): the timeline must draw in the browser's local time.
      timezoneId: 'Asia/Kolkata',
      tokenServer: { accessTokenTtlSeconds: 600 },
      tokens: (server) => [refreshTokenEntry(server, { name: 'demo', refreshBeforeSeconds: 60 })],
      secrets: async (server) => [
        {
          name: 'demo',
          kind: 'refresh_token',
          value: await server.mintRefreshToken({ clientId: server.publicClientId }),
        },
      ],
    });
    const audit = join(String(session.agentEnv.XDG_DATA_HOME), 'token-agent', 'audit.jsonl');
    appendFileSync(audit, seededHistory(Date.now()), { mode: 0o600 });
  });

  after(async () => {
    await session?.close();
  });

  let refreshedAt = 0;

  it(
    "shows a refresh that just happened on the token's timeline, with its details on hover",
    step('timeline', async () => {
      // The refresh the user just asked for, as a terminal would: the agent writes it to the audit log.
      // A forced refresh within 10 s of the last one hands that one's token over instead (no client may
      // spend the budget), and the editor's own first refresh can be that recent on a fast machine.
      await waitUntil(
        async () => Date.now() - (await lastRefreshAt()) > forcedRefreshCoalesceMs,
        'the last refresh to be over 10 s old',
        forcedRefreshCoalesceMs + 5_000,
      );
      refreshedAt = Date.now();
      await refreshByCli();
      // The Chat side bar code-server opens at start takes half the window from the screenshots.
      await runCommand(page(), 'View: Hide Secondary Side Bar');
      await runCommand(page(), 'Token Agent: Show Token Timeline');
      await webview().locator('.token[data-token="demo"]').waitFor({ timeout: 60_000 });
      const times = await refreshTimes();
      assert.ok(
        times.some((t) => t >= refreshedAt - 1_000 && t <= Date.now()),
        `a refresh mark at or after ${new Date(refreshedAt).toISOString()}: ${times.map((t) => new Date(t).toISOString())}`,
      );
      // Its lifetime is a bar, open (the token is still valid at the window's end).
      assert.ok((await webview().locator('.token[data-token="demo"] .bar-lifetime.open').count()) >= 1);
      // The axis is in local time: hour labels such as 14:00 (or a date at midnight).
      const labels = await webview().locator('#axis text').allTextContents();
      assert.ok(labels.length >= 4, labels.join(', '));
      assert.ok(
        labels.some((l) => /^\d\d:00$/.test(l)),
        labels.join(', '),
      );

      await refreshMarks().last().hover();
      const tooltip = webview().locator('#tooltip');
      await tooltip.waitFor({ state: 'visible', timeout: 10_000 });
      assert.match(
        (await tooltip.textContent()) ?? '',
        /^Refreshed at .* · valid until .* \((9m 5\ds|10m 0s)\)/,
      );
      await page().screenshot({ path: join(shots, 'timeline.png') });
    }),
  );

  it(
    'draws the next refresh without being reopened: it follows the audit log live',
    step('live', async () => {
      const times = await refreshTimes();
      // The agent answers a refresh asked within 10 s of the last one with the token it just got
      // (no new line): ask once that window has passed.
      const last = times.at(-1) ?? 0;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, last + 10_500 - Date.now())));
      const before = times.length;
      await refreshByCli();
      await waitUntil(
        async () => (await refreshTimes()).length > before,
        'a second refresh mark on the open timeline',
        30_000,
      );
    }),
  );

  it(
    'reads the audit log as a table, newest line first, in local time',
    step('table', async () => {
      await webview().locator('#tab-table').click();
      const first = webview().locator('#table tbody tr').first();
      await first.waitFor({ timeout: 10_000 });
      assert.equal(await first.getAttribute('data-token'), 'demo');
      assert.equal(await first.getAttribute('data-outcome'), 'refreshed');
      assert.equal(await first.locator('td.outcome').textContent(), 'refreshed');
      // Local time: the hour the browser's clock (UTC+5:30) read at that line, in 24- or 12-hour form,
      // with its minutes (half an hour off the machine's UTC).
      const time = Number(await first.getAttribute('data-time'));
      const [hour = 0, minutes = 0] = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Asia/Kolkata',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })
        .format(time)
        .split(':')
        .map(Number);
      const two = (n: number) => String(n).padStart(2, '0');
      const shown = (await first.locator('td.time').textContent()) ?? '';
      assert.ok(
        shown.includes(`${two(hour)}:${two(minutes)}`) ||
          shown.includes(`${two(((hour + 11) % 12) + 1)}:${two(minutes)}`),
        `${shown} shows ${two(hour)}:${two(minutes)} in UTC+5:30`,
      );
      assert.ok((await webview().locator('#table tbody tr').count()) >= 2);
      assert.equal(await webview().locator('#timeline').isHidden(), true);
      await page().screenshot({ path: join(shots, 'table.png') });
    }),
  );

  it(
    'opens the Get Started walkthrough from the Welcome page',
    step('walkthrough', async () => {
      const p = page();
      await runCommand(p, 'Help: Welcome');
      const entry = p
        .locator('.getting-started-category', { hasText: 'Get Started with Token Agent' })
        .first();
      // The Welcome page lists a few walkthroughs and folds the rest under "More…".
      const listed = await entry
        .waitFor({ timeout: 15_000 })
        .then(() => true)
        .catch(() => false);
      if (!listed) await p.locator('.gettingStartedContainer button', { hasText: 'More' }).first().click();
      await entry.click();
      const firstStep = p.locator('.getting-started-step', { hasText: 'Add a token or sign in' }).first();
      await firstStep.waitFor({ timeout: 15_000 });
      // The walkthrough slides in: wait until its first step stands still inside the editor area.
      let previous: number | undefined;
      await waitUntil(async () => {
        const box = await firstStep.boundingBox();
        const settled = box !== null && box.x === previous && box.x > 0 && box.x + box.width <= 1400;
        previous = box?.x;
        return settled;
      }, 'the walkthrough to finish sliding in');
      assert.ok(await firstStep.isVisible());
      const titles = await p.locator('.getting-started-step .step-title').allTextContents();
      assert.deepEqual(
        titles.map((t) => t.trim()),
        [
          'Add a token or sign in',
          'Watch the countdown',
          'Copy a fresh token',
          'Try the lint on a sample line',
          'Use a token from a terminal',
        ],
      );
      await p.screenshot({ path: join(shots, 'walkthrough.png') });
    }),
  );

  it(
    'walks to the lint step, whose button opens a sample the lint flags',
    step('walkthrough lint', async () => {
      const p = page();
      await p.locator('.getting-started-step', { hasText: 'Try the lint on a sample line' }).first().click();
      const button = p
        .locator('.getting-started-step', { hasText: 'Try the lint on a sample line' })
        .getByRole('button', { name: 'Open a Sample' });
      await button.waitFor({ timeout: 10_000 });
      await p.screenshot({ path: join(shots, 'walkthrough-lint-step.png') });
      await button.click();
      await waitUntil(
        async () =>
          /Warnings: [1-9]|Errors: [1-9]/.test(
            (await p
              .locator('#status\\.problems')
              .getAttribute('aria-label')
              .catch(() => null)) ?? '',
          ),
        'the sample to be flagged in the problems counter',
        30_000,
      );
      await p.screenshot({ path: join(shots, 'walkthrough-lint-sample.png') });
    }),
  );
});
