// One user agent per user and config file, shared by every VS Code window and every terminal: a token
// added in the editor is there for `token-agent get`, one added in a terminal shows in the window
// without a reload, and two windows and a terminal talk to one agent process that refreshes once.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { refreshTokenEntry } from '../support/agentCli';
import { runAgentCli } from '../support/agentProcess';
import { type EditorSession, sessionSteps, startEditorSession } from '../support/editorSession';
import { fakeJwt } from '../support/fakeTokens';
import {
  agentHealth,
  agentProcessesFor,
  isRunning,
  keepScreenshot,
  userAgentPaths,
  waitForExit,
} from '../support/userAgentProbe';
import { nextEvent, waitUntil } from '../support/waitFor';
import { runCommand, secondsLeft, statusItem, statusLabel, statusText } from '../support/workbench';

const suite = 'e2e-user-agent';
/** Long-lived access tokens: no scheduled refresh may run during the test and blur the count. */
const accessTokenTtlSeconds = 900;

/** Types `value` into the input box that shows `prompt`, and accepts it. */
async function answerInputBox(page: Page, prompt: string, value: string): Promise<void> {
  const message = page.locator('.quick-input-widget .quick-input-message', { hasText: prompt });
  await message.waitFor({ timeout: 15_000 });
  await page.locator('.quick-input-widget input.input').fill(value);
  await page.keyboard.press('Enter');
  // The widget hides, or moves on to the next box: either way this prompt is no longer shown.
  await message.waitFor({ state: 'hidden', timeout: 15_000 });
}

const agentPid = async (page: Page) => Number(/agent pid (\d+)/.exec(await statusLabel(page))?.[1]);

describe('one user agent for every window and terminal', { timeout: 300_000 }, () => {
  let session: EditorSession | undefined;
  let agentEnv: NodeJS.ProcessEnv = {};
  let paths: { socketPath: string; configPath: string } = { socketPath: '', configPath: '' };
  const page = () => {
    assert.ok(session);
    return session.page;
  };
  const step = sessionSteps(suite, () => session);
  const cli = async (args: string[], input?: string) => {
    const result = await runAgentCli(args, { env: agentEnv, ...(input === undefined ? {} : { input }) });
    assert.equal(result.code, 0, `token-agent ${args.join(' ')} failed: ${result.stderr}`);
    return result;
  };

  before(async () => {
    session = await startEditorSession({
      name: suite,
      tokenServer: { accessTokenTtlSeconds },
      tokens: (server) => [refreshTokenEntry(server, { name: 'api', refreshBeforeSeconds: 60 })],
      secrets: async (server) => [
        {
          name: 'api',
          kind: 'refresh_token',
          value: await server.mintRefreshToken({ clientId: server.publicClientId }),
        },
      ],
    });
    ({ agentEnv } = session);
    paths = userAgentPaths(agentEnv);
    await nextEvent(() => secondsLeft(page()), "the countdown of 'api' in the status bar", 60_000);
  });

  after(async () => {
    // The agent runs detached from code-server (clients start it in its own session), so stopping
    // the editor does not stop it: it stops on SIGTERM, or by itself once its socket is gone.
    const pid = await agentHealth(paths.socketPath).then(
      (health) => health.pid,
      () => undefined,
    );
    await session?.close();
    if (pid === undefined || !isRunning(pid)) return;
    if (!existsSync(paths.socketPath)) {
      // The session removed its folder: the agent notices within its 5-second socket check.
      const exited = await waitForExit(pid, 8_000);
      if (!exited) {
        process.kill(pid, 'SIGTERM');
        await waitForExit(pid, 10_000);
      }
      assert.ok(exited, `the agent (pid ${pid}) still ran 8 s after its socket was removed`);
      console.log(`# diagnostic: the agent (pid ${pid}) exited by itself once its socket was removed`);
      return;
    }
    console.log(
      `# diagnostic: the session's close left ${paths.socketPath} in place; stopping the agent (pid ${pid}) with SIGTERM`,
    );
    process.kill(pid, 'SIGTERM');
    assert.ok(await waitForExit(pid, 15_000), `the agent (pid ${pid}) did not stop on SIGTERM`);
  });

  it(
    'a token pasted in the editor is what `token-agent get` prints in a terminal',
    step('pasted in editor', async () => {
      const p = page();
      // Built here, never committed: a JWT-shaped value no issuer signed.
      const value = fakeJwt({ sub: 'e2e-user-agent', jti: randomUUID() });
      await runCommand(p, 'Token Agent: Paste Token…');
      await answerInputBox(p, 'A short name for the token', 'pasted');
      await answerInputBox(p, "The token to watch as 'pasted'", value);
      await p.locator('.notification-toast', { hasText: "Added 'pasted'" }).waitFor({ timeout: 30_000 });

      const got = await cli(['get', 'pasted']);
      assert.equal(got.stdout.trim(), value);
      // The definition is in the agent's config file, without the value; not in the user settings.
      const config = readFileSync(paths.configPath, 'utf8');
      assert.ok(
        (JSON.parse(config) as { tokens: { name: string; type: string }[] }).tokens.some(
          (t) => t.name === 'pasted' && t.type === 'static',
        ),
        `'pasted' is defined in ${paths.configPath}`,
      );
      assert.ok(!config.includes(value.slice(-20)), 'the config file holds no token value');
      assert.ok(session);
      const settings = readFileSync(join(session.server.userDataDir, 'User', 'settings.json'), 'utf8');
      assert.ok(!settings.includes('"pasted"'), 'the definition is not written to the user settings');
      await waitUntil(
        async () => / 2 tokens,/.test(await statusLabel(p)),
        'the status bar to count 2 tokens',
      );
      await keepScreenshot(p, suite, '1-pasted-in-editor');
    }),
  );

  it(
    'a token added in a terminal shows in the window without a reload',
    step('added in terminal', async () => {
      const p = page();
      const addStarted = Date.now();
      await cli(['token', 'add', 'from-terminal', '--type', 'static']);
      const definedAt = Date.now();
      await waitUntil(
        async () => / 3 tokens,/.test(await statusLabel(p)),
        "the status bar to count 'from-terminal' (3 tokens)",
        15_000,
      );
      const shownAt = Date.now();

      // Expires before 'api' does, so once the agent holds it the status bar names it.
      const value = fakeJwt({
        sub: 'e2e-user-agent',
        jti: randomUUID(),
        exp: Math.floor(Date.now() / 1000) + 420,
      });
      const setStarted = Date.now();
      await cli(['secret', 'set', 'from-terminal', 'static_token'], value);
      const storedAt = Date.now();
      await waitUntil(
        async () => /^Token Agent: from-terminal expires in \d+ seconds/.test(await statusLabel(p)),
        "the status bar to show the countdown of 'from-terminal'",
        15_000,
      );
      const countdownAt = Date.now();
      assert.match(await statusText(p), /from-terminal [67]:\d\d$/);
      console.log(
        `# diagnostic: 'token add' -> shown in the status bar: ${shownAt - definedAt} ms after the command returned (${shownAt - addStarted} ms after it started); 'secret set' -> countdown: ${countdownAt - storedAt} ms after it returned (${countdownAt - setStarted} ms after it started); the issue asks for within 2000 ms`,
      );
      await keepScreenshot(p, suite, '2a-terminal-token-in-status-bar');

      await runCommand(p, 'Token Agent: Show Tokens');
      await p
        .locator('.quick-input-widget .monaco-list-row', { hasText: 'from-terminal' })
        .waitFor({ timeout: 15_000 });
      await keepScreenshot(p, suite, '2b-terminal-token-in-show-tokens');
      await p.keyboard.press('Escape');

      // Removed from the terminal, it leaves the window the same way; 'api' is shown again.
      const removeStarted = Date.now();
      await cli(['token', 'remove', 'from-terminal']);
      const removedAt = Date.now();
      await cli(['secret', 'delete', 'from-terminal']);
      await waitUntil(
        async () => /^Token Agent: api expires in \d+ seconds.*, 2 tokens,/.test(await statusLabel(p)),
        "the status bar to drop 'from-terminal'",
        15_000,
      );
      console.log(
        `# diagnostic: 'token remove' -> gone from the status bar ${Date.now() - removedAt} ms after it returned (${Date.now() - removeStarted} ms after it started)`,
      );
    }),
  );

  it(
    'two windows and a terminal share one agent process, which refreshes once for all of them',
    step('two windows one agent', async () => {
      assert.ok(session);
      const { tokenServer } = session;
      const first = page();
      const second = await session.workbench.context.newPage();
      try {
        await second.goto(first.url());
        await second.locator(statusItem).waitFor({ timeout: 60_000 });
        for (const [which, p] of [
          ['first', first],
          ['second', second],
        ] as const)
          await waitUntil(
            async () => /^Token Agent: api expires in \d+ seconds/.test(await statusLabel(p)),
            `the countdown of 'api' in the ${which} window`,
            60_000,
          );

        const health = await agentHealth(paths.socketPath);
        assert.equal(health.status, 'ok');
        assert.equal(health.configPath, paths.configPath);
        const status = JSON.parse((await cli(['status', '--json'])).stdout) as {
          pid: number;
          tokens: { name: string; expiresAt?: number }[];
        };
        assert.equal(status.pid, health.pid, '`token-agent status --json` and /healthz name one pid');
        assert.equal(await agentPid(first), health.pid, 'the first window shows the same agent');
        assert.equal(await agentPid(second), health.pid, 'the second window shows the same agent');
        const running = agentProcessesFor(paths.configPath);
        assert.deepEqual(
          running.map((r) => r.pid),
          [health.pid],
          `exactly one process runs the agent for ${paths.configPath}': ${JSON.stringify(running)}`,
        );

        const oldExpiry = status.tokens.find((t) => t.name === 'api')?.expiresAt;
        assert.ok(oldExpiry !== undefined);
        const grantsBefore = tokenServer.events.grantSuccess;
        const callsBefore = tokenServer.log.length;
        await cli(['refresh', 'api']);
        const refreshedAt = Date.now();
        const refreshed = JSON.parse((await cli(['status', '--json'])).stdout) as typeof status;
        const newExpiry = refreshed.tokens.find((t) => t.name === 'api')?.expiresAt;
        assert.ok(newExpiry !== undefined);
        // The first token was obtained before the editor started, well over 5 s ago.
        assert.ok(newExpiry - oldExpiry >= 5_000, `the expiry moved by ${newExpiry - oldExpiry} ms`);
        // Both windows count down to the new expiry (within the second they tick on).
        const showsNewExpiry = async (p: Page) => {
          const left = await secondsLeft(p);
          const expected = (newExpiry - Date.now()) / 1000;
          return left !== undefined && Math.abs(left - expected) <= 2;
        };
        await waitUntil(
          async () => (await showsNewExpiry(first)) && (await showsNewExpiry(second)),
          'both windows to show the new expiry of api',
          15_000,
        );
        console.log(
          `# diagnostic: terminal 'refresh api' -> new expiry in both windows ${Date.now() - refreshedAt} ms`,
        );
        await keepScreenshot(first, suite, '3a-first-window-after-refresh');
        await keepScreenshot(second, suite, '3b-second-window-after-refresh');
        assert.equal(
          tokenServer.events.grantSuccess - grantsBefore,
          1,
          'one successful grant at the token server',
        );
        assert.equal(
          tokenServer.log.length - callsBefore,
          1,
          `one token-endpoint call: ${JSON.stringify(tokenServer.log.slice(callsBefore))}`,
        );
        assert.equal(agentProcessesFor(paths.configPath).length, 1, 'still one agent process');
      } finally {
        await second.close();
      }
    }),
  );
});
