// A real JSON-RPC client for the built agent over stdio: what VS Code does, without VS Code.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigurationRequest,
  createProtocolConnection,
  InitializeRequest,
  type InitializeResult,
  type ProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';

export interface AgentUnderTest {
  connection: ProtocolConnection;
  child: ChildProcessWithoutNullStreams;
  initializeResult: InitializeResult;
  /** What the agent wrote to stderr, for failure messages. */
  stderr(): string;
  /** The `tokenAgent` settings section the fake editor answers `workspace/configuration` with. */
  settings: Record<string, unknown>;
  exit(): Promise<number | null>;
}

/**
 * Starts the built agent with its own config (no token, the in-memory store) and data folder, so
 * that nothing from the machine's real config or keyring leaks into the test.
 */
export async function startAgent(
  options: { env?: NodeJS.ProcessEnv; rootUri?: string } = {},
): Promise<AgentUnderTest> {
  const home = mkdtempSync(join(tmpdir(), 'token-agent-lsp-'));
  const config = join(home, 'config.json');
  writeFileSync(config, JSON.stringify({ store: 'memory', tokens: [] }));
  const child = spawn(process.execPath, ['dist/agent.js', 'lsp', '--stdio'], {
    env: { ...process.env, TOKEN_AGENT_CONFIG: config, XDG_DATA_HOME: join(home, 'data'), ...options.env },
    stdio: 'pipe',
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const connection = createProtocolConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  const agent: AgentUnderTest = {
    connection,
    child,
    initializeResult: undefined as unknown as InitializeResult,
    stderr: () => stderr,
    settings: { lint: { enabled: true } },
    exit: async () => {
      if (child.exitCode !== null) return child.exitCode;
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
  connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => agent.settings));
  connection.listen();
  agent.initializeResult = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: options.rootUri ?? null,
    capabilities: {
      workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } },
    },
  });
  return agent;
}

/**
 * Stops the user agent a language server under test started (it outlives the language server, as it
 * should): SIGTERM to the pid its last status named, then waits for it to be gone.
 */
export async function stopUserAgent(statuses: readonly { pid: number; agentDown?: string }[]): Promise<void> {
  const pid = [...statuses].reverse().find((status) => status.agentDown === undefined)?.pid;
  if (!pid || pid === process.pid) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
