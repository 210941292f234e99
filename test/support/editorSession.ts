// One real editor for an e2e file: the test token server, a private Secret Service, a config with the
// given tokens and secrets (stored through `token-agent secret set`, as a user would), code-server
// with the packaged .vsix, and Chromium on the workspace folder.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { runAgentCli } from './agentProcess';
import { keepArtifactsOnFailure } from './artifacts';
import {
  type CodeServer,
  ensureCodeServer,
  openWorkbench,
  packageExtension,
  readExtensionLog,
  startCodeServer,
  type Workbench,
} from './codeServer';
import { type SecretService, startSecretService } from './secretService';
import { startTokenServer, type TokenServer, type TokenServerOptions } from './tokenServer';
import { statusItem } from './workbench';

export interface EditorSessionOptions {
  /** Names the temporary folder. */
  name: string;
  tokenServer?: TokenServerOptions;
  tokens(server: TokenServer): Record<string, unknown>[];
  secrets?(server: TokenServer): Promise<{ name: string; kind: string; value: string }[]>;
  userSettings?: Record<string, unknown>;
  /** Files written into the workspace folder, by relative path. */
  files?: Record<string, string>;
  /** The browser's time zone (the machine's when absent). */
  timezoneId?: string;
  /** More extensions (.vsix) installed beside ours. */
  moreVsix?: string[];
}

export interface EditorSession {
  tokenServer: TokenServer;
  secrets: SecretService;
  server: CodeServer;
  workbench: Workbench;
  page: Page;
  /** The environment the editor's agent runs with: CLI calls with it share its store and config. */
  agentEnv: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function startEditorSession(options: EditorSessionOptions): Promise<EditorSession> {
  ensureCodeServer();
  const vsix = packageExtension();
  const tokenServer = await startTokenServer(options.tokenServer);
  const secrets = await startSecretService();
  const dir = mkdtempSync(join(tmpdir(), `token-agent-${options.name}-`));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ store: 'keychain', tokens: options.tokens(tokenServer) }));
  for (const [path, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, path), text);
  const agentEnv = { ...secrets.env, TOKEN_AGENT_CONFIG: configPath, XDG_DATA_HOME: join(dir, 'data') };
  for (const { name, kind, value } of (await options.secrets?.(tokenServer)) ?? []) {
    const stored = await runAgentCli(['secret', 'set', name, kind], { env: agentEnv, input: value });
    assert.equal(stored.code, 0, stored.stderr);
  }
  const server = await startCodeServer({
    vsix,
    moreVsix: options.moreVsix ?? [],
    env: agentEnv,
    userSettings: options.userSettings ?? {},
  });
  const workbench = await openWorkbench(
    server.url,
    dir,
    options.timezoneId ? { timezoneId: options.timezoneId } : {},
  );
  await workbench.page.locator(statusItem).waitFor({ timeout: 60_000 });
  return {
    tokenServer,
    secrets,
    server,
    workbench,
    page: workbench.page,
    agentEnv,
    close: async () => {
      await workbench.close();
      await server.stop();
      await secrets.stop();
      await tokenServer.close();
    },
  };
}

/** Test bodies that keep a screenshot and the logs of the session when they fail. */
export function sessionSteps(suite: string, session: () => EditorSession | undefined) {
  return keepArtifactsOnFailure(suite, {
    page: () => session()?.page,
    logs: () => {
      const server = session()?.server;
      return {
        'code-server.log': server?.output() ?? '',
        'token-agent.log': server ? readExtensionLog(server.userDataDir) : '',
      };
    },
  });
}
