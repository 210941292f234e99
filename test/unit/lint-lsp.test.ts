// The leak lint's language-server features against a fake connection: debounced diagnostics per
// document, hovers and code actions that never carry the value, and the store-and-replace command.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type {
  ApplyWorkspaceEditParams,
  CodeAction,
  Connection,
  Hover,
  PublishDiagnosticsParams,
  TextDocuments,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LiveTokenIndex } from '../../agent/lint/liveTokens';
import { registerLintFeatures, storeLeakedTokenCommand } from '../../agent/lint/lspFeatures';
import { renderRulesDoc } from '../../agent/lint/rulesDoc';
import { fakeJwt } from '../support/fakeTokens';
import { alphabets, randomString, rng } from '../support/secretCorpus';
import { nextEvent } from '../support/waitFor';

type Handler = (params: unknown) => unknown;

function fakeServer() {
  const handlers: Record<string, Handler> = {};
  const published: PublishDiagnosticsParams[] = [];
  const edits: ApplyWorkspaceEditParams[] = [];
  const messages: string[] = [];
  const docs = new Map<string, TextDocument>();
  const listeners = {
    change: [] as ((e: { document: TextDocument }) => void)[],
    close: [] as ((e: { document: TextDocument }) => void)[],
  };
  const connection = {
    onHover: (h: Handler) => (handlers.hover = h),
    onCodeAction: (h: Handler) => (handlers.codeAction = h),
    onExecuteCommand: (h: Handler) => (handlers.execute = h),
    sendDiagnostics: async (p: PublishDiagnosticsParams) => {
      published.push(p);
    },
    window: {
      showErrorMessage: async (m: string) => messages.push(`error: ${m}`),
      showInformationMessage: async (m: string) => messages.push(`info: ${m}`),
    },
    workspace: {
      applyEdit: async (p: ApplyWorkspaceEditParams) => {
        edits.push(p);
        return { applied: true };
      },
    },
  } as unknown as Connection;
  const documents = {
    get: (uri: string) => docs.get(uri),
    all: () => [...docs.values()],
    onDidChangeContent: (l: (e: { document: TextDocument }) => void) => {
      listeners.change.push(l);
      return { dispose: () => undefined };
    },
    onDidClose: (l: (e: { document: TextDocument }) => void) => {
      listeners.close.push(l);
      return { dispose: () => undefined };
    },
  } as unknown as TextDocuments<TextDocument>;
  const open = (uri: string, languageId: string, text: string, version = 1) => {
    const document = TextDocument.create(uri, languageId, version, text);
    docs.set(uri, document);
    for (const l of listeners.change) l({ document });
    return document;
  };
  return { connection, documents, handlers, published, edits, messages, open };
}

const r = rng(3);
const token = `ghp_${randomString(r, 36, alphabets.alnum)}`;

describe('registerLintFeatures', () => {
  it('publishes debounced diagnostics for the changed document, linked to the rule docs', async () => {
    const server = fakeServer();
    registerLintFeatures(server.connection, server.documents, {
      enabled: () => true,
      liveTokens: new LiveTokenIndex(),
      debounceMs: 5,
    });
    server.open('file:///w/a.ts', 'typescript', `const githubToken = "${token}";\n`);
    server.open('file:///w/a.ts', 'typescript', `const githubToken = "${token}";\n`, 2);
    const published = await nextEvent(() => server.published[0], 'diagnostics');
    assert.equal(server.published.length, 1, 'two quick changes publish once');
    assert.equal(published.version, 2);
    const [diagnostic] = published.diagnostics;
    assert.equal(diagnostic?.source, 'token-agent');
    assert.equal(diagnostic?.code, 'github-token');
    assert.equal(
      diagnostic?.codeDescription?.href,
      'https://example.invalid/token-agent/blob/main/docs/rules.md#github-token',
    );
    assert.ok(!JSON.stringify(published).includes(token), 'the value never leaves the server');
  });

  it('marks a live token as an error and re-lints everything on publishAll', async () => {
    const server = fakeServer();
    const live = new LiveTokenIndex();
    const features = registerLintFeatures(server.connection, server.documents, {
      enabled: () => true,
      liveTokens: live,
    });
    const opaque = randomString(r, 30, alphabets.alnum);
    server.open('file:///w/b.sh', 'shellscript', `curl -H "Authorization: Bearer ${opaque}" x\n`);
    live.update('api', opaque);
    features.publishAll();
    const last = server.published[server.published.length - 1];
    assert.deepEqual(
      last?.diagnostics.map((d) => [d.code, d.severity, String(d.message).split(' (')[0]]),
      [['live-token', 1, "Live token 'api' hard-coded"]],
    );
    features.dispose();
  });

  it('hovers with the provider, the reason and JWT claims, never the value', () => {
    const server = fakeServer();
    registerLintFeatures(server.connection, server.documents, {
      enabled: () => true,
      liveTokens: new LiveTokenIndex(),
    });
    const jwt = fakeJwt({
      sub: 'alice',
      iss: 'https://idp.internal',
      exp: Math.floor(Date.now() / 1000) - 60,
    });
    const document = server.open('file:///w/c.ts', 'typescript', `const t = '${jwt}';\n`);
    const hover = server.handlers.hover?.({
      textDocument: { uri: document.uri },
      position: { line: 0, character: 15 },
    }) as Hover;
    const value = (hover.contents as { value: string }).value;
    assert.match(value, /JSON Web Token/);
    assert.match(value, /\| iss \| https:\/\/idp\\\.internal \|/);
    assert.match(value, /\| exp \| .*expired/);
    assert.match(value, /Why: its header decodes to JSON/);
    assert.ok(!value.includes(jwt.slice(0, 30)));
  });

  it('offers env-var replacement, suppression, and store-and-replace, then runs the store command', async () => {
    const server = fakeServer();
    const stored: [string, string][] = [];
    registerLintFeatures(server.connection, server.documents, {
      enabled: () => true,
      liveTokens: new LiveTokenIndex(),
      onStoreStatic: async (name, value) => {
        stored.push([name, value]);
      },
    });
    const text = `const githubToken = "${token}";\n`;
    const document = server.open('file:///w/d.ts', 'typescript', text);
    const actions = server.handlers.codeAction?.({
      textDocument: { uri: document.uri },
      range: { start: { line: 0, character: 25 }, end: { line: 0, character: 25 } },
      context: { diagnostics: [] },
    }) as CodeAction[];
    assert.deepEqual(
      actions.map((a) => a.title),
      [
        'Replace with environment variable GITHUB_TOKEN',
        "Store in the secret store as static token 'github-token' and replace with GITHUB_TOKEN",
        'Suppress on this line (// token-agent:allow)',
      ],
    );
    assert.deepEqual(actions[0]?.edit?.changes?.[document.uri]?.[0]?.newText, 'process.env.GITHUB_TOKEN');
    assert.deepEqual(actions[2]?.edit?.changes?.[document.uri]?.[0], {
      range: { start: { line: 0, character: text.length - 1 }, end: { line: 0, character: text.length - 1 } },
      newText: ' // token-agent:allow',
    });
    const command = actions[1]?.command;
    assert.equal(command?.command, storeLeakedTokenCommand);
    assert.ok(!JSON.stringify(actions).includes(token), 'no action carries the value');

    await server.handlers.execute?.({ command: command?.command, arguments: command?.arguments });
    assert.deepEqual(stored, [['github-token', token]]);
    const change = server.edits[0]?.edit.documentChanges?.[0] as { edits: { newText: string }[] };
    assert.equal(change.edits[0]?.newText, 'process.env.GITHUB_TOKEN');
    assert.match(server.messages[0] ?? '', /^info: Stored as the static token 'github-token'/);
  });

  it('refuses to store from a document that changed since the action was offered', async () => {
    const server = fakeServer();
    const stored: string[] = [];
    registerLintFeatures(server.connection, server.documents, {
      enabled: () => true,
      liveTokens: new LiveTokenIndex(),
      onStoreStatic: async (name) => {
        stored.push(name);
      },
    });
    server.open('file:///w/e.ts', 'typescript', `const k = "${token}";\n`);
    const [, store] = (server.handlers.codeAction?.({
      textDocument: { uri: 'file:///w/e.ts' },
      range: { start: { line: 0, character: 12 }, end: { line: 0, character: 12 } },
      context: { diagnostics: [] },
    }) ?? []) as CodeAction[];
    server.open('file:///w/e.ts', 'typescript', `const k = "${token}"; // edited\n`, 2);
    await server.handlers.execute?.({
      command: storeLeakedTokenCommand,
      arguments: store?.command?.arguments,
    });
    assert.deepEqual(stored, []);
    assert.match(server.messages[0] ?? '', /^error: .*the document changed/);
  });

  it('reports nothing while the lint is disabled', async () => {
    const server = fakeServer();
    registerLintFeatures(server.connection, server.documents, {
      enabled: () => false,
      liveTokens: new LiveTokenIndex(),
      debounceMs: 1,
    });
    server.open('file:///w/f.ts', 'typescript', `const k = "${token}";\n`);
    const published = await nextEvent(() => server.published[0], 'diagnostics');
    assert.deepEqual(published.diagnostics, []);
  });
});

describe('docs/rules.md', () => {
  it('is generated from the rules (run `npx tsx scripts/gen-rules-doc.ts` after changing one)', () => {
    assert.equal(readFileSync('docs/rules.md', 'utf8'), renderRulesDoc());
  });
});
