// The built agent (dist/agent.js), driven over stdio by a real JSON-RPC client as VS Code would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
  RegistrationRequest,
  ShutdownRequest,
} from 'vscode-languageserver-protocol/node';
import * as protocol from '../../agent/protocol';
import { fakeJwt } from '../support/fakeTokens';
import { type AgentUnderTest, startAgent, stopUserAgent } from '../support/lspClient';
import { nextEvent } from '../support/waitFor';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

describe('the agent over LSP (stdio)', () => {
  let agent: AgentUnderTest;
  const statuses: protocol.AgentStatus[] = [];
  const diagnostics: PublishDiagnosticsParams[] = [];
  const registrations: string[] = [];

  before(async () => {
    agent = await startAgent();
    agent.connection.onNotification(protocol.didChangeStatus, (status) => {
      statuses.push(status);
    });
    agent.connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      diagnostics.push(params);
    });
    agent.connection.onRequest(RegistrationRequest.type, (params) => {
      registrations.push(...params.registrations.map((r) => r.method));
    });
  });

  after(async () => {
    if (agent.child.exitCode === null) agent.child.kill();
    await stopUserAgent(statuses);
  });

  it('answers initialize with its name and version', () => {
    assert.deepEqual(agent.initializeResult.serverInfo, { name: 'token-agent', version });
  });

  it('pushes its status once initialized, without being asked', async () => {
    await agent.connection.sendNotification(InitializedNotification.type, {});
    const status = await nextEvent(() => statuses[0], 'first tokenAgent/didChangeStatus', 20_000);
    assert.equal(status.version, version);
    // The state is the user agent's, which the language server started: another process.
    assert.equal(status.agentDown, undefined);
    assert.notEqual(status.pid, agent.child.pid);
    process.kill(status.pid, 0);
    assert.equal(status.health, 'ok');
    assert.deepEqual(status.tokens, []);
    assert.equal(status.lint.enabled, true);
    assert.ok(
      registrations.includes('workspace/didChangeConfiguration'),
      'asks to hear about settings changes',
    );
  });

  it('answers the status request with the same state and a start time in the past', async () => {
    const status = await agent.connection.sendRequest(protocol.status);
    assert.equal(status.pid, statuses[0]?.pid);
    assert.ok(status.startedAt <= Date.now() && status.startedAt > Date.now() - 60_000);
    assert.deepEqual(status.store, statuses[0]?.store);
  });

  it('publishes a diagnostic for a JWT in an opened document, and updates it as the text changes', async () => {
    const uri = 'file:///workspace/config.ts';
    const token = fakeJwt({ sub: 'integration' });
    await agent.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'typescript', version: 1, text: `export const token = '${token}';\n` },
    });
    const opened = await nextEvent(
      () => diagnostics.find((d) => d.uri === uri && d.version === 1),
      'diagnostics v1',
    );
    assert.equal(opened.diagnostics.length, 1);
    const [diagnostic] = opened.diagnostics;
    assert.equal(diagnostic?.source, 'token-agent');
    assert.equal(diagnostic?.code, 'jwt');
    assert.deepEqual(diagnostic?.range, {
      start: { line: 0, character: 22 },
      end: { line: 0, character: 22 + token.length },
    });

    await agent.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: 'export const token = process.env.API_TOKEN;\n' }],
    });
    const changed = await nextEvent(
      () => diagnostics.find((d) => d.uri === uri && d.version === 2),
      'diagnostics v2',
    );
    assert.deepEqual(changed.diagnostics, []);
  });

  it('learns a settings change without a restart: lint off is announced and clears diagnostics', async () => {
    const uri = 'file:///workspace/other.ts';
    await agent.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'typescript', version: 1, text: fakeJwt({ sub: 'x' }) },
    });
    await nextEvent(() => diagnostics.find((d) => d.uri === uri && d.diagnostics.length === 1), 'finding');

    const before = statuses.length;
    agent.settings = { lint: { enabled: false } };
    await agent.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    const status = await nextEvent(
      () => statuses.slice(before).find((s) => !s.lint.enabled),
      'status with lint off',
    );
    assert.equal(status.lint.enabled, false);
    const last = await nextEvent(() => {
      const forUri = diagnostics.filter((d) => d.uri === uri);
      const latest = forUri[forUri.length - 1];
      return latest && latest.diagnostics.length === 0 ? latest : undefined;
    }, 'cleared diagnostics');
    assert.deepEqual(last.diagnostics, []);
  });

  it('shuts down and exits with code 0', async () => {
    await agent.connection.sendRequest(ShutdownRequest.type);
    await agent.connection.sendNotification(ExitNotification.type);
    assert.equal(await agent.exit(), 0, agent.stderr());
  });
});

describe('the agent binary from a terminal', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['dist/agent.js', ...args], { encoding: 'utf8' });

  it('prints its version and help, and explains usage errors with exit code 2', () => {
    assert.equal(run('--version').stdout, `${version}\n`);
    const help = run('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: token-agent <command>/);
    const bad = run('frobnicate');
    assert.equal(bad.status, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /Unknown command 'frobnicate'/);
  });
});
