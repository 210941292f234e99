// What the credential-helper suites share: a short-lived-token server, a private keyring, a scratch
// folder, workspaces signed in (or not) with `urls`, and a way to run real programs (git, kubectl,
// the docker helper) to their end without blocking the event loop the token server answers on.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentWorkspace, createWorkspace } from './agentCli';
import type { GuardedServer } from './consumerServers';
import { type SecretService, startSecretService } from './secretService';
import { startTokenServer, type TokenServer } from './tokenServer';
import { killLeftoverAgents } from './userAgent';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `file` to its end; `input` is written to its stdin (closed either way). */
export function exec(
  file: string,
  args: string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv; input?: string },
): Promise<Result> {
  return new Promise((done) => {
    const child = execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
    // A program that exits without reading its stdin (git fetch) makes a late write fail with EPIPE:
    // harmless, the answer is in its exit code and output.
    child.stdin?.on('error', () => undefined);
    if (options.input === undefined) child.stdin?.end();
    else child.stdin?.end(options.input);
  });
}

export interface ConsumerHarness {
  server: TokenServer;
  secrets: SecretService;
  /** A scratch folder removed at close. */
  dir: string;
  /** A workspace with one refresh-token definition (lead 2 s), its refresh token stored unless told not to. */
  signedIn(entry: { name: string; urls?: string[] }, signIn?: boolean): Promise<AgentWorkspace>;
  /** Agents of these are ended and their folders removed at close. */
  workspaces: AgentWorkspace[];
  /** Closed at close. */
  servers: GuardedServer[];
  close(): Promise<void>;
}

export async function startConsumerHarness(ttlSeconds: number): Promise<ConsumerHarness> {
  const server = await startTokenServer({ accessTokenTtlSeconds: ttlSeconds });
  const secrets = await startSecretService();
  const dir = await mkdtemp(join(tmpdir(), 'token-agent-consumers-'));
  const workspaces: AgentWorkspace[] = [];
  const servers: GuardedServer[] = [];
  return {
    server,
    secrets,
    dir,
    workspaces,
    servers,
    async signedIn(entry, signIn = true) {
      const workspace = await createWorkspace({
        server,
        secrets,
        tokens: [{ refreshBeforeSeconds: 2, ...entry }],
      });
      workspaces.push(workspace);
      if (signIn)
        await workspace.setSecret(
          entry.name,
          'refresh_token',
          await server.mintRefreshToken({ clientId: server.publicClientId }),
        );
      return workspace;
    },
    async close() {
      await killLeftoverAgents(workspaces);
      for (const guarded of servers) await guarded.close();
      for (const workspace of workspaces) await workspace.remove();
      await secrets.stop();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
