// The leak lint's "store in the secret store as a static token" quick fix against the built agent over
// stdio, with a fake editor that either adds the definition it is asked for (as the extension does) or,
// like a headless LSP client, has no handler for tokenAgent/addTokenDefinition.
//
// The config uses the file store: the memory store is made anew with every engine, and the engine
// is rebuilt when the definition arrives, so a memory-store value would not survive to be checked.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import {
  type ApplyWorkspaceEditParams,
  ApplyWorkspaceEditRequest,
  type CodeAction,
  CodeActionRequest,
  DidChangeConfigurationNotification,
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
import { type AgentUnderTest, startAgent } from '../support/lspClient';
import { alphabets, randomString, rng } from '../support/secretCorpus';
import { nextEvent } from '../support/waitFor';

interface FakeEditor {
  agent: AgentUnderTest;
  statuses: protocol.AgentStatus[];
  diagnostics: PublishDiagnosticsParams[];
  edits: ApplyWorkspaceEditParams[];
  messages: ShowMessageParams[];
  /** What the user does with settings: the agent pulls them again. */
  setTokens(tokens: unknown[]): Promise<void>;
}

async function startFakeEditor(options: {
  handlesAddTokenDefinition: boolean;
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
    setTokens: async (tokens) => {
      agent.settings = { ...agent.settings, tokens };
      await agent.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    },
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
  if (options.handlesAddTokenDefinition) {
    agent.connection.onRequest(protocol.addTokenDefinition, async ({ definition }) => {
      const tokens = (agent.settings.tokens as unknown[] | undefined) ?? [];
      await editor.setTokens([...tokens, definition]);
      return null;
    });
  }
  await agent.connection.sendNotification(InitializedNotification.type, {});
  await nextEvent(() => editor.statuses[0], 'the first status');
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

  afterEach(() => {
    if (editor && editor.agent.child.exitCode === null) editor.agent.child.kill();
    editor = undefined;
  });

  // The bug: the value went into the store but nothing defined the token, so it was not watched and
  // getting it failed with ERR_TOKEN_UNKNOWN.
  it('defines the static token, so the agent watches it and hands out the stored value', async () => {
    editor = await startFakeEditor({ handlesAddTokenDefinition: true });
    const value = `ghp_${randomString(r, 36, alphabets.alnum)}`;
    const store = await storeLeakedToken(editor, value);
    assert.equal(
      store.title,
      "Store in the secret store as static token 'github-token' and replace with GITHUB_TOKEN",
    );

    const state = await watched(editor, 'github-token');
    assert.equal(state.type, 'static');
    assert.deepEqual(editor.agent.settings.tokens, [{ name: 'github-token', type: 'static' }]);
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

  it('replaces the literal and says how to define the token when the editor cannot; the value is kept', async () => {
    editor = await startFakeEditor({ handlesAddTokenDefinition: false });
    const value = `ghp_${randomString(r, 36, alphabets.alnum)}`;
    await storeLeakedToken(editor, value);

    const message = await nextEvent(() => editor?.messages[0], 'the outcome message');
    assert.match(message.message, /this editor cannot add token definitions/);
    assert.match(
      message.message,
      /add \{"name": "github-token", "type": "static"\} to the tokens in .*config\.json/,
    );
    assert.equal(editor.edits.length, 1, 'the literal is replaced all the same');
    assert.ok(!message.message.includes(value.slice(4)));

    // Doing what the message says brings the stored value back under watch.
    await editor.setTokens([{ name: 'github-token', type: 'static' }]);
    await watched(editor, 'github-token');
    const got = await editor.agent.connection.sendRequest(protocol.getToken, {
      name: 'github-token',
      minValidSeconds: 0,
    });
    assert.equal(got.accessToken, value);
  });

  it('never replaces a value already stored under the name with no definition (an earlier fix, say)', async () => {
    const earlier = `ghp_${randomString(r, 36, alphabets.alnum)}`;
    editor = await startFakeEditor({
      handlesAddTokenDefinition: false,
      stored: { name: 'github-token', value: earlier },
    });
    await storeLeakedToken(editor, `ghp_${randomString(r, 36, alphabets.alnum)}`);
    const message = await nextEvent(() => editor?.messages[0], 'the outcome message');
    assert.match(
      message.message,
      /ERR_CONFIG_INVALID: the secret store already holds another value as 'github-token'/,
    );
    assert.equal(editor.edits.length, 0, 'the literal stays, since its value was not stored');
    await editor.setTokens([{ name: 'github-token', type: 'static' }]);
    await watched(editor, 'github-token');
    const got = await editor.agent.connection.sendRequest(protocol.getToken, {
      name: 'github-token',
      minValidSeconds: 0,
    });
    assert.equal(got.accessToken, earlier, 'the earlier value is intact');
  });
});
