// tokenAgent/timeline through the built agent, as the Token Timeline asks it: a language server over
// stdio, the user agent it starts, and the real token server. A refresh shows as an event and a
// lifetime; the change stamp answers "unchanged" until the log is written to again.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InitializedNotification, RegistrationRequest } from 'vscode-languageserver-protocol/node';
import * as protocol from '../../agent/protocol';
import { refreshTokenEntry } from '../support/agentCli';
import { type AgentUnderTest, startAgent, stopUserAgent } from '../support/lspClient';
import { startTokenServer, type TokenServer } from '../support/tokenServer';
import { nextEvent } from '../support/waitFor';

type Full = Extract<protocol.TimelineResult, { from: number }>;

describe('tokenAgent/timeline through the built agent', () => {
  let agent: AgentUnderTest;
  let server: TokenServer;
  let dataHome: string;
  const statuses: protocol.AgentStatus[] = [];
  const timeline = (params: protocol.TimelineParams = {}) =>
    agent.connection.sendRequest(protocol.timeline, params);

  before(async () => {
    server = await startTokenServer({ accessTokenTtlSeconds: 600 });
    const home = mkdtempSync(join(tmpdir(), 'token-agent-timeline-'));
    const config = join(home, 'config.json');
    dataHome = join(home, 'data');
    writeFileSync(
      config,
      JSON.stringify({ store: 'memory', tokens: [refreshTokenEntry(server, { name: 'api' })] }),
    );
    agent = await startAgent({ env: { TOKEN_AGENT_CONFIG: config, XDG_DATA_HOME: dataHome } });
    agent.connection.onNotification(protocol.didChangeStatus, (status) => {
      statuses.push(status);
    });
    // The server registers for settings changes before it connects to the user agent, as VS Code allows.
    agent.connection.onRequest(RegistrationRequest.type, () => undefined);
    await agent.connection.sendNotification(InitializedNotification.type, {});
    await nextEvent(() => statuses.find((s) => s.agentDown === undefined), 'the user agent status', 20_000);
  });

  after(async () => {
    if (agent.child.exitCode === null) agent.child.kill();
    await stopUserAgent(statuses);
    await server.close();
  });

  let first: Full | undefined;

  it('shows a refresh as an event and an open lifetime, and the line as the newest row', async () => {
    const before = Date.now();
    await agent.connection.sendRequest(protocol.setSecret, {
      name: 'api',
      kind: 'refresh_token',
      value: await server.mintRefreshToken({ clientId: server.publicClientId }),
    });
    await agent.connection.sendRequest(protocol.refreshToken, { name: 'api' });
    const answer = await timeline();
    assert.ok(!answer.unchanged);
    first = answer;
    assert.equal(answer.to - answer.from, 24 * 3_600_000);
    assert.equal(answer.auditLogPath, join(dataHome, 'token-agent', 'audit.jsonl'));
    const api = answer.tokens.find((t) => t.name === 'api');
    const refreshed = api?.events.filter((e) => e.kind === 'refreshed') ?? [];
    assert.ok(refreshed.length >= 1);
    const last = refreshed.at(-1);
    assert.ok(last && last.time >= before - 1_000 && last.time <= Date.now());
    // The token server's 10-minute tokens: a lifetime reaching past now.
    assert.ok(last.exp !== undefined && Math.abs(last.exp - last.time - 600_000) < 5_000);
    assert.ok(api?.spans.some((s) => s.kind === 'lifetime' && s.open === true));
    assert.equal(answer.rows[0]?.token, 'api');
    assert.equal(answer.rows[0]?.outcome, 'refreshed');
    assert.equal(answer.skipped, 0);
  });

  it('answers only "unchanged" for the same stamp, and the new lines once the log is written', async () => {
    assert.ok(first);
    assert.deepEqual(await timeline({ stamp: first.stamp }), { unchanged: true, stamp: first.stamp });
    // A torn line (as a crash mid-write leaves) changes the file: counted, not fatal.
    appendFileSync(first.auditLogPath, '{"time":"2030-01-01T00:00:00.000Z","tok');
    const next = await timeline({ stamp: first.stamp });
    assert.ok(!next.unchanged);
    assert.notEqual(next.stamp, first.stamp);
    assert.equal(next.skipped, 1);
    assert.equal(next.rows.length, first.rows.length);
  });
});
