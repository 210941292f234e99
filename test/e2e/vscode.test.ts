// End to end in a real VS Code: the packaged .vsix installed into code-server, driven by Chromium,
// read the way a user reads it (status bar, Problems panel).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
import { checksummedToken, fakeJwt } from '../support/fakeTokens';
import { alphabets, randomString, rng } from '../support/secretCorpus';
import { nextEvent, waitUntil } from '../support/waitFor';
import { runCommand } from '../support/workbench';

const statusItem = '[id="token-agent-dev.token-agent.tokenAgent.status"]';

describe('Token Agent in a real VS Code (code-server)', { timeout: 600_000 }, () => {
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  const step = keepArtifactsOnFailure('e2e-vscode', {
    page: () => workbench?.page,
    logs: () => ({
      'code-server.log': server?.output() ?? '',
      'token-agent.log': server ? readExtensionLog(server.userDataDir) : '',
    }),
  });

  const statusLabel = async () =>
    (await workbench?.page
      .locator(statusItem)
      .getAttribute('aria-label', { timeout: 1_000 })
      .catch(() => null)) ?? '';
  const agentPid = async () => {
    const match = /agent pid (\d+)/.exec(await statusLabel());
    return match ? Number(match[1]) : undefined;
  };
  /** The window's language server: `dist/agent.js lsp --stdio` from this profile's extension folder. */
  const languageServerPids = () =>
    readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
          return (
            args.includes('lsp') &&
            args.some((arg) => arg.startsWith(server?.profileDir ?? '//') && arg.endsWith('/dist/agent.js'))
          );
        } catch {
          return false;
        }
      })
      .map(Number);

  before(async () => {
    ensureCodeServer();
    const vsix = packageExtension();
    const workspace = mkdtempSync(join(tmpdir(), 'token-agent-ws-'));
    // Built at run time: no token-shaped literal lives in the repository.
    writeFileSync(
      join(workspace, 'leaky.ts'),
      `export const apiToken = '${fakeJwt({ sub: 'e2e-user' })}';\n`,
    );
    // For the workspace scan: a leak in a file nobody opens, and one in a folder .gitignore excludes.
    const fakeGithubToken = () => checksummedToken('ghp_', randomString(rng(7), 36, alphabets.alnum));
    mkdirSync(join(workspace, 'src', 'deep'), { recursive: true });
    mkdirSync(join(workspace, 'build'));
    writeFileSync(join(workspace, 'src', 'deep', 'settings.py'), `GITHUB_TOKEN = "${fakeGithubToken()}"\n`);
    writeFileSync(join(workspace, 'build', 'copy.py'), `GITHUB_TOKEN = "${fakeGithubToken()}"\n`);
    writeFileSync(join(workspace, '.gitignore'), 'build/\n.data/\n');
    // A fresh user: an empty config of their own, whatever this machine's real config holds.
    writeFileSync(join(workspace, '..', `${workspace.split('/').pop()}.config.json`), '{ "tokens": [] }\n');
    server = await startCodeServer({
      vsix,
      env: {
        TOKEN_AGENT_CONFIG: join(workspace, '..', `${workspace.split('/').pop()}.config.json`),
        XDG_DATA_HOME: join(workspace, '.data'),
      },
    });
    workbench = await openWorkbench(server.url, workspace);
  });

  after(async () => {
    // The user agent outlives the editor, as it should; this test started it, so it stops it.
    const agent = await agentPid().catch(() => undefined);
    await workbench?.close();
    await server?.stop();
    if (agent) {
      try {
        process.kill(agent, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
  });

  it(
    'activates on startup and shows the agent state in the status bar',
    step('status bar', async () => {
      const page = workbench?.page;
      assert.ok(page);
      await page.locator(statusItem).waitFor({ timeout: 60_000 });
      await waitUntil(
        async () => /no tokens/.test(await statusLabel()),
        'a running agent in the status bar',
        60_000,
      );
      assert.equal((await page.locator(statusItem).textContent())?.trim(), 'Token Agent: no tokens');
      assert.match(await statusLabel(), /^Token Agent \d+\.\d+\.\d+, agent pid \d+, no tokens$/);
      const log = readExtensionLog(server?.userDataDir ?? '');
      const activation = /extension activated in (\d+) ms/.exec(log)?.[1];
      const agentStart = /agent started from .* in (\d+) ms since activation/.exec(log)?.[1];
      console.log(
        `measured: extension activation ${activation} ms, agent start ${agentStart} ms after activation`,
      );
      assert.ok(activation !== undefined && agentStart !== undefined, `timings in the log:\n${log}`);
    }),
  );

  it(
    "runs the bundled user agent as its own process, beside the window's language server",
    step('agent process', async () => {
      const pid = await agentPid();
      assert.ok(pid, 'the status bar names the agent pid');
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      assert.ok(
        commandLine.some((arg) => arg.endsWith('/dist/agent.js')),
        commandLine.join(' '),
      );
      assert.ok(commandLine.includes('agent'), commandLine.join(' '));
      const servers = languageServerPids();
      assert.equal(servers.length, 1, `one language server for the window: ${servers.join(', ')}`);
      assert.notEqual(servers[0], pid, 'the language server is a client of the agent, not the agent');
    }),
  );

  it(
    "shows the agent's diagnostic for a hard-coded JWT in the Problems panel",
    step('problems panel', async () => {
      const page = workbench?.page;
      assert.ok(page);
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'leaky.ts' }).click();
      await page.locator('.monaco-editor .view-lines', { hasText: 'apiToken' }).waitFor({ timeout: 30_000 });
      await waitUntil(
        async () =>
          /Warnings: 1/.test((await page.locator('#status\\.problems').getAttribute('aria-label')) ?? ''),
        'one warning in the problems counter',
        30_000,
      );
      await page.keyboard.press('Control+Shift+M');
      const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'Hard-coded JWT' });
      await row.waitFor({ timeout: 30_000 });
      const text = (await row.textContent()) ?? '';
      assert.match(text, /Hard-coded JWT \(HS256\)/);
      assert.match(text, /\(eyJhbGci…\)/);
      assert.match(text, /token-agent/);
      assert.match(text, /\[Ln 1, Col 26\]/);
    }),
  );

  it(
    'scans the whole workspace on command, honouring .gitignore, into the Problems panel',
    step('workspace scan', async () => {
      const page = workbench?.page;
      assert.ok(page);
      await runCommand(page, 'Token Agent: Scan Workspace for Hard-Coded Tokens');
      // The progress notification comes first ("Scanning for hard-coded tokens: …"), then the summary.
      const summary = page.locator('.notification-toast', { hasText: /Found \d+ hard-coded token/ });
      await summary.waitFor({ timeout: 60_000 });
      // leaky.ts (open, linted live) and src/deep/settings.py; build/ is ignored.
      assert.match(
        (await summary.textContent()) ?? '',
        /Found 2 hard-coded tokens in 2 files of \d+ files scanned/,
      );
      const problems = page.locator('.markers-panel');
      await problems.locator('.monaco-list-row', { hasText: 'settings.py' }).waitFor({ timeout: 30_000 });
      const rows = (await problems.locator('.monaco-list-row').allTextContents()).join('\n');
      assert.match(rows, /GitHub/);
      assert.doesNotMatch(rows, /copy\.py/, 'a .gitignored folder is not scanned');
    }),
  );

  it(
    'restarts a killed language server by itself, saying so in the status bar meanwhile',
    step('agent restart', async () => {
      const page = workbench?.page;
      const agent = await agentPid();
      const [pid] = languageServerPids();
      assert.ok(page && pid && agent);
      // Polled on every animation frame: the "agent down" state lasts only the first backoff delay.
      const sawDown = page.waitForFunction(
        `document.querySelector('${statusItem}')?.getAttribute('aria-label')?.includes('agent down')`,
        undefined,
        { timeout: 30_000, polling: 'raf' },
      );
      process.kill(pid, 'SIGKILL');
      await sawDown;
      const newPid = await nextEvent(
        async () => {
          const [next] = languageServerPids();
          return next !== undefined && next !== pid && (await agentPid()) !== undefined ? next : undefined;
        },
        'a new language server, and the status bar showing the agent again',
        30_000,
      );
      assert.notEqual(newPid, pid);
      assert.match(readExtensionLog(server?.userDataDir ?? ''), /restart attempt 1 in \d+ ms/);
      // The user agent, and so every token it holds, lived on through the window's restart.
      assert.equal(await agentPid(), agent);
    }),
  );
});
