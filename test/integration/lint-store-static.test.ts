// The leak lint's "store in the secret store as a static token" quick fix against the built language
// server over stdio, with a fake editor. The user agent behind it owns the definitions: it writes the
// static token into its config file itself, so the token is watched without the editor's help.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import {
  type ApplyWorkspaceEditParams,
  ApplyWorkspaceEditRequest,
  type CodeAction,
  CodeActionRequest,
  DidOpenTextDocumentNotification,
  ExecuteCommandRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
  RegistrationRequest,
  ShowMessageNotification,
  type ShowMessageParams,
} from 'vscode-languageserver-protocol/node';
import * as protocol from '../../agent/protocol';
import { FileStore } from '../../agent/store/fileStore';
import { checksummedToken } from '../support/fakeTokens';
import { type AgentUnderTest, startAgent, stopUserAgent } from '../support/lspClient';
import { alphabets, randomString, rng } from '../support/secretCorpus';
import { nextEvent } from '../support/waitFor';

interface FakeEditor {
  agent: AgentUnderTest;
  statuses: protocol.AgentStatus[];
  diagnostics: PublishDiagnosticsParams[];
  edits: ApplyWorkspaceEditParams[];
  messages: ShowMessageParams[];
  configPath: string;
}

async function startFakeEditor(options: {
  handlesAddTokenDefinition?: false;
  /** Secrets already in the file store when the agent starts. */
  stored?: { name: string; value: string };
}): Promise<FakeEditor> {
  const home = mkdtempSync(join(tmpdir(), 'token-agent-store-static-'));
  const config = join(home, 'config.json');
  writeFileSync(config, JSON.stringify({ store: 'file', tokens: [] }));
  const dataHome = join(home, 'data');
  if (options.stored) {
    await new FileStore({ dataDir: join(dataHome, 'token-agent') }).set(
      options.stored.name,
      'static_token',
      options.stored.value,
    );
  }
  const agent = await startAgent({ env: { TOKEN_AGENT_CONFIG: config, XDG_DATA_HOME: dataHome } });
  const editor: FakeEditor = {
    agent,
    statuses: [],
    diagnostics: [],
    edits: [],
    messages: [],
    configPath: config,
  };
  agent.connection.onNotification(protocol.didChangeStatus, (status) => {
    editor.statuses.push(status);
  });
  agent.connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
    editor.diagnostics.push(params);
  });
  agent.connection.onNotification(ShowMessageNotification.type, (params) => {
    editor.messages.push(params);
  });
  agent.connection.onRequest(RegistrationRequest.type, () => undefined);
  agent.connection.onRequest(ApplyWorkspaceEditRequest.type, (params) => {
    editor.edits.push(params);
    return { applied: true };
  });
  await agent.connection.sendNotification(InitializedNotification.type, {});
  // The user agent's first status (the language server starts the agent on demand).
  await nextEvent(() => editor.statuses.find((st) => st.agentDown === undefined), 'the first status', 20_000);
  return editor;
}

/** Opens a file with a hard-coded GitHub token and runs its store-and-replace quick fix. */
async function storeLeakedToken(editor: FakeEditor, value: string): Promise<CodeAction> {
  const uri = 'file:///workspace/app.ts';
  const { connection } = editor.agent;
  await connection.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri, languageId: 'typescript', version: 1, text: `const githubToken = "${value}";\n` },
  });
  await nextEvent(
    () => editor.diagnostics.find((d) => d.uri === uri && d.diagnostics.length > 0),
    'the leak diagnostic',
  );
  const actions = (await connection.sendRequest(CodeActionRequest.type, {
    textDocument: { uri },
    range: { start: { line: 0, character: 25 }, end: { line: 0, character: 25 } },
    context: { diagnostics: [] },
  })) as CodeAction[];
  const store = actions.find((a) => a.command?.command === 'tokenAgent.storeLeakedToken');
  assert.ok(store?.command, `a store action among ${actions.map((a) => a.title).join(' | ')}`);
  await connection.sendRequest(ExecuteCommandRequest.type, {
    command: store.command.command,
    arguments: store.command.arguments ?? [],
  });
  return store;
}

const watched = (editor: FakeEditor, name: string) =>
  nextEvent(
    () => editor.statuses.flatMap((s) => s.tokens).find((t) => t.name === name && t.phase === 'fresh'),
    `'${name}' in the status`,
  );

describe('the store-as-static quick fix against the built agent', () => {
  const r = rng(11);
  let editor: FakeEditor | undefined;

  afterEach(async () => {
    if (editor && editor.agent.child.exitCode === null) editor.agent.child.kill();
    // The user agent outlives the language server, as it should; the test stops it.
    if (editor) await stopUserAgent(editor.statuses);
    editor = undefined;
  });

  // The bug: the value went into the store but nothing defined the token, so it was not watched and
  // getting it failed with ERR_TOKEN_UNKNOWN.
  it('defines the static token in the config file, so the agent watches it and hands out the stored value', async () => {
    editor = await startFakeEditor({});
    const value = checksummedToken('ghp_', randomString(r, 36, alphabets.alnum));
    const store = await storeLeakedToken(editor, value);
    assert.equal(
      store.title,
      "Store in the secret store as static token 'github-token' and replace with GITHUB_TOKEN",
    );

    const state = await watched(editor, 'github-token');
    assert.equal(state.type, 'static');
    // The agent wrote the definition; the editor's settings were never asked to change.
    const config = JSON.parse(readFileSync(editor.configPath, 'utf8')) as { tokens: unknown[] };
    assert.deepEqual(config.tokens, [{ type: 'static', name: 'github-token' }]);
    assert.equal(editor.agent.settings.tokens, undefined);
    const got = await editor.agent.connection.sendRequest(protocol.getToken, {
      name: 'github-token',
      minValidSeconds: 0,
    });
    assert.equal(got.accessToken, value);

    const [edit] = editor.edits;
    const change = edit?.edit.documentChanges?.[0] as { edits: { newText: string }[] } | undefined;
    assert.equal(change?.edits[0]?.newText, 'process.env.GITHUB_TOKEN');
    const message = await nextEvent(() => editor?.messages[0], 'the outcome message');
    assert.match(message.message, /^Stored the value as the static token 'github-token'/);
    assert.ok(!JSON.stringify(editor.messages).includes(value.slice(4)), 'no message carries the value');
  });

  it('never replaces a value already stored under the name with no definition (an earlier fix, say)', async () => {
    const earlier = checksummedToken('ghp_', randomString(r, 36, alphabets.alnum));
    editor = await startFakeEditor({
      stored: { name: 'github-token', value: earlier },
    });
    await storeLeakedToken(editor, checksummedToken('ghp_', randomString(r, 36, alphabets.alnum)));
    const message = await nextEvent(() => editor?.messages[0], 'the outcome message');
    assert.match(
      message.message,
      /ERR_CONFIG_INVALID: the secret store already holds another value as 'github-token'/,
    );
    assert.equal(editor.edits.length, 0, 'the literal stays, since its value was not stored');
    // Doing what the message says (defining it) brings the earlier value under watch.
    const defined = await editor.agent.connection.sendRequest(protocol.defineToken, {
      name: 'github-token',
      definition: { type: 'static' },
    });
    assert.equal(defined.ok, true);
    await watched(editor, 'github-token');
    const got = await editor.agent.connection.sendRequest(protocol.getToken, {
      name: 'github-token',
      minValidSeconds: 0,
    });
    assert.equal(got.accessToken, earlier, 'the earlier value is intact');
  });
});
