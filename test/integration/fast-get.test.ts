// `token-agent get` through the small entry point (dist/agent.js, agent/fast/) against the full CLI
// (dist/agent-main.js) on the same agent: byte-identical stdout and stderr, the same exit codes, and the
// full CLI loaded only when the fast path hands over (no agent, an answer it leaves to the full CLI).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type AgentWorkspace,
  agentBundle,
  type CliResult,
  createWorkspace,
  verifyAccessToken,
} from '../support/agentCli';
import { startProcess } from '../support/agentProcess';
import { type SecretService, startSecretService } from '../support/secretService';
import { startTokenServer, type TokenServer } from '../support/tokenServer';
import { killLeftoverAgents, stopAgent, waitForAgent, writeFullCliProbe } from '../support/userAgent';

const fullBundle = join(agentBundle, '..', 'agent-main.js');

let server: TokenServer;
let secrets: SecretService;
let workspace: AgentWorkspace;
let probe: string;

before(async () => {
  server = await startTokenServer({ accessTokenTtlSeconds: 300 });
  secrets = await startSecretService();
  workspace = await createWorkspace({ server, secrets, tokens: [{ name: 'api', refreshBeforeSeconds: 30 }] });
  await workspace.setSecret(
    'api',
    'refresh_token',
    await server.mintRefreshToken({ clientId: server.publicClientId }),
  );
  probe = await writeFullCliProbe(workspace.dir);
});

after(async () => {
  if (workspace) {
    await killLeftoverAgents([workspace]);
    await workspace.remove();
  }
  await secrets?.stop();
  await server?.close();
});

let runs = 0;
/** Runs `token-agent ARGS` through `bundle`; whether the full CLI was loaded. */
async function run(bundle: string, args: string[]): Promise<{ result: CliResult; loadedFull: boolean }> {
  const out = join(workspace.dir, `probe-${++runs}.txt`);
  const env = { ...process.env, ...workspace.env, NODE_OPTIONS: `--require ${probe}`, PROBE_OUT: out };
  const result = await startProcess([bundle, ...args, '--config', workspace.configPath], env, '').done;
  return { result, loadedFull: (await readFile(out, 'utf8')) === 'true' };
}

describe('the fast entry point answers get as the full CLI does', { timeout: 120_000 }, () => {
  it('a fresh token: the same bytes and exit code, without loading the full CLI', async () => {
    await waitForAgent(workspace);
    const fast = await run(agentBundle, ['get', 'api']);
    const full = await run(fullBundle, ['get', 'api']);
    assert.equal(fast.loadedFull, false, 'the fast path answered by itself');
    assert.equal(full.loadedFull, true);
    assert.equal(fast.result.code, 0, fast.result.stderr);
    assert.deepEqual(fast.result, full.result);
    await verifyAccessToken(server, fast.result.stdout.trim());
    assert.match(fast.result.stdout, /^[^\n]+\n$/, 'the token alone on one line');
  });

  it('an unknown token: the same coded line and exit code 1', async () => {
    const fast = await run(agentBundle, ['get', 'nosuch']);
    const full = await run(fullBundle, ['get', 'nosuch']);
    assert.equal(fast.loadedFull, false);
    assert.equal(fast.result.code, 1);
    assert.deepEqual(fast.result, full.result);
    assert.match(fast.result.stderr, /^token-agent: ERR_TOKEN_UNKNOWN: /);
  });

  it('a usage error is the full CLI’s: exit 2 and its message', async () => {
    const fast = await run(agentBundle, ['get', 'api', '--min-valid', 'soon']);
    const full = await run(fullBundle, ['get', 'api', '--min-valid', 'soon']);
    assert.equal(fast.loadedFull, true);
    assert.equal(fast.result.code, 2);
    assert.deepEqual(fast.result, full.result);
  });

  it('a token shorter-lived than asked: handed to the full CLI, which words the warning', async () => {
    const fast = await run(agentBundle, ['get', 'api', '--min-valid', '3600']);
    const full = await run(fullBundle, ['get', 'api', '--min-valid', '3600']);
    assert.equal(fast.loadedFull, true);
    assert.equal(fast.result.code, 0);
    assert.equal(fast.result.stdout, full.result.stdout);
    assert.match(fast.result.stderr, /less than the 3600s asked/);
  });

  it('no agent running: the full CLI starts one and answers', async () => {
    await stopAgent(workspace);
    const fast = await run(agentBundle, ['get', 'api']);
    assert.equal(fast.loadedFull, true);
    assert.equal(fast.result.code, 0, fast.result.stderr);
    await verifyAccessToken(server, fast.result.stdout.trim());
    // And the agent it started answers the next get on the fast path.
    const again = await run(agentBundle, ['get', 'api']);
    assert.equal(again.loadedFull, false);
    assert.equal(again.result.stdout, fast.result.stdout);
  });
});
