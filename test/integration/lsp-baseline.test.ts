// #13 item 5 through the built language server: a workspace whose root holds the
// .tokenagent-baseline.json that `token-agent scan --write-baseline` wrote gets diagnostics only for
// findings the baseline does not list, whatever line the listed ones moved to.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  DidOpenTextDocumentNotification,
  InitializedNotification,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import * as protocol from '../../agent/protocol';
import { checksummedToken } from '../support/fakeTokens';
import { type AgentUnderTest, startAgent, stopUserAgent } from '../support/lspClient';
import { alphabets, randomString, rng } from '../support/secretCorpus';
import { nextEvent } from '../support/waitFor';

const r = rng(1308);
const ghp = () => checksummedToken('ghp_', randomString(r, 36, alphabets.alnum));

describe('the language server honours the workspace baseline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-agent-lsp-baseline-'));
  const known = ghp();
  const fresh = ghp();
  let agent: AgentUnderTest;
  const statuses: protocol.AgentStatus[] = [];
  const diagnostics: PublishDiagnosticsParams[] = [];

  before(async () => {
    writeFileSync(join(dir, 'app.ts'), `const known = "${known}";\n`);
    const written = spawnSync(
      process.execPath,
      [resolve('dist/agent.js'), 'scan', '--write-baseline', '.tokenagent-baseline.json'],
      { cwd: dir, encoding: 'utf8' },
    );
    assert.equal(written.status, 0, written.stderr);
    agent = await startAgent({ rootUri: pathToFileURL(dir).href });
    agent.connection.onNotification(protocol.didChangeStatus, (status) => {
      statuses.push(status);
    });
    agent.connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      diagnostics.push(params);
    });
    await agent.connection.sendNotification(InitializedNotification.type, {});
  });

  after(async () => {
    if (agent.child.exitCode === null) agent.child.kill();
    await stopUserAgent(statuses);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports only the finding the baseline does not list', async () => {
    const uri = pathToFileURL(join(dir, 'app.ts')).href;
    await agent.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: {
        uri,
        languageId: 'typescript',
        version: 1,
        text: `// moved\nconst fresh = "${fresh}";\nconst known = "${known}";\n`,
      },
    });
    const published = await nextEvent(() => diagnostics.find((d) => d.uri === uri), 'diagnostics');
    assert.deepEqual(
      published.diagnostics.map((d) => [d.code, d.range.start.line]),
      [['github-token', 1]],
      agent.stderr(),
    );
  });
});
