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
import {
  ErrorCodes,
  MessageType,
  ResponseError,
  ShowMessageNotification,
  type ShowMessageParams,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { DefinedToken } from '../../agent/lint/fixes';
import { LiveTokenIndex } from '../../agent/lint/liveTokens';
import { renderRulesDoc } from '../../agent/lint/rulesDoc';
import type { AddTokenDefinitionParams } from '../../agent/protocol';
import * as protocol from '../../agent/protocol';
import { type LintFeatureOptions, registerLintFeatures } from '../../agent/server/lintFeatures';
import { storeLeakedTokenCommand } from '../../agent/server/lintQuickFixes';
import { checksummedToken, fakeJwt } from '../support/fakeTokens';
import { alphabets, randomString, rng } from '../support/secretCorpus';
import { nextEvent } from '../support/waitFor';

type Handler = (params: unknown) => unknown;

const levels: Record<number, string> = {
  [MessageType.Error]: 'error',
  [MessageType.Warning]: 'warning',
  [MessageType.Info]: 'info',
};

function fakeServer(
  options: {
    /** How the fake editor answers `tokenAgent/addTokenDefinition`; it accepts by default. */
    addTokenDefinition?: (params: AddTokenDefinitionParams) => Promise<null>;
    applied?: boolean;
  } = {},
) {
  const handlers: Record<string, Handler> = {};
  /** What reached the editor, in order: requests by method, edits, messages. */
  const events: string[] = [];
  const definitions: AddTokenDefinitionParams[] = [];
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
    sendRequest: async (type: { method: string }, params: AddTokenDefinitionParams) => {
      events.push(type.method);
      assert.equal(type.method, protocol.addTokenDefinition.method);
      definitions.push(params);
      return (options.addTokenDefinition ?? (async () => null))(params);
    },
    sendNotification: async (type: { method: string }, params: ShowMessageParams) => {
      assert.equal(type.method, ShowMessageNotification.method);
      messages.push(`${levels[params.type]}: ${params.message}`);
    },
    workspace: {
      applyEdit: async (p: ApplyWorkspaceEditParams) => {
        events.push('applyEdit');
        edits.push(p);
        return options.applied === false
          ? { applied: false, failureReason: 'the file is read-only' }
          : { applied: true };
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
  return { connection, documents, handlers, published, edits, messages, events, definitions, open };
}

/** The lint features with a store that records the names it is given; `options` replaces any default. */
function registerStoring(server: ReturnType<typeof fakeServer>, options: Partial<LintFeatureOptions> = {}) {
  const stored: string[] = [];
  registerLintFeatures(server.connection, server.documents, {
    enabled: () => true,
    liveTokens: new LiveTokenIndex(),
    tokens: () => [],
    onStoreStatic: async (name) => {
      stored.push(name);
    },
    ...options,
  });
  return stored;
}

/** An editor, like a headless LSP client, with no handler for tokenAgent/addTokenDefinition. */
const withoutDefinitions = {
  addTokenDefinition: async () => {
    throw new ResponseError(ErrorCodes.MethodNotFound, 'Unhandled method tokenAgent/addTokenDefinition');
  },
};

/** Opens `text`, runs its store-and-replace quick fix (after `meanwhile`), and returns that action. */
async function runStoreFix(
  server: ReturnType<typeof fakeServer>,
  text: string,
  meanwhile: () => void = () => undefined,
): Promise<CodeAction> {
  const document = server.open(`file:///w/store-${server.published.length}.ts`, 'typescript', text);
  const actions = server.handlers.codeAction?.({
    textDocument: { uri: document.uri },
    range: { start: { line: 0, character: 25 }, end: { line: 0, character: 25 } },
    context: { diagnostics: [] },
  }) as CodeAction[];
  const store = actions.find((a) => a.command?.command === storeLeakedTokenCommand);
  assert.ok(store, 'a store-and-replace action is offered');
  meanwhile();
  await server.handlers.execute?.({ command: store.command?.command, arguments: store.command?.arguments });
  return store;
}

const r = rng(3);
const token = checksummedToken('ghp_', randomString(r, 36, alphabets.alnum));

describe('registerLintFeatures', () => {
  it('publishes debounced diagnostics for the changed document, linked to the rule docs', async () => {
    const server = fakeServer();
    registerLintFeatures(server.connection, server.documents, {
      enabled: () => true,
      liveTokens: new LiveTokenIndex(),
      tokens: () => [],
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
    // The shipped docs/rules.md, opened at the rule's heading (VS Code reads `#L<n>`).
    const href = new URL(diagnostic?.codeDescription?.href ?? '');
    assert.equal(href.protocol, 'file:');
    const lines = readFileSync(href, 'utf8').split('\n');
    assert.equal(lines[Number(href.hash.replace('#L', '')) - 1], '### github-token');
    assert.ok(!JSON.stringify(published).includes(token), 'the value never leaves the server');
  });

  it('marks a live token as an error and re-lints everything on publishAll', async () => {
    const server = fakeServer();
    const live = new LiveTokenIndex();
    const features = registerLintFeatures(server.connection, server.documents, {
      enabled: () => true,
      liveTokens: live,
      tokens: () => [],
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

  it('does not send a document the same diagnostics again (that would close an open quick-fix menu)', async () => {
    const server = fakeServer();
    const live = new LiveTokenIndex();
    const features = registerLintFeatures(server.connection, server.documents, {
      enabled: () => true,
      liveTokens: live,
      tokens: () => [],
    });
    server.open('file:///w/c.ts', 'typescript', `const githubToken = "${token}";\n`);
    features.publishAll();
    assert.equal(server.published.length, 1);
    // A refresh changes the live tokens, and every open document is linted again: nothing new here.
    live.update('api', randomString(r, 30, alphabets.alnum));
    features.publishAll();
    assert.equal(server.published.length, 1, 'unchanged findings are not re-sent');
    live.update('api', token);
    features.publishAll();
    assert.equal(server.published.length, 2, 'now the value is a live token: an error');
    assert.equal(server.published[1]?.diagnostics[0]?.code, 'live-token');
    features.dispose();
  });

  it('hovers with the provider, the reason and JWT claims, never the value', () => {
    const server = fakeServer();
    registerLintFeatures(server.connection, server.documents, {
      enabled: () => true,
      liveTokens: new LiveTokenIndex(),
      tokens: () => [],
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
    // The URL as written, in a code span: a backslash in it would be shown and linked (issue #14).
    assert.ok(value.includes('| iss | `https://idp.internal` |'), value);
    assert.ok(!/\\[.)]/.test(value), 'no escaped dot or parenthesis anywhere');
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
      tokens: () => [],
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
    assert.match(
      server.messages[0] ?? '',
      /^info: Stored the value as the static token 'github-token' and replaced the literal with GITHUB_TOKEN\./,
    );
  });

  // The bug: the value went into the store but no definition was added, so nothing watched the token
  // and `token-agent get github-token` answered ERR_TOKEN_UNKNOWN.
  it('store-as-static defines the token: stores the value, asks the editor to add the definition, then replaces the literal', async () => {
    const server = fakeServer();
    const order: string[] = [];
    registerLintFeatures(server.connection, server.documents, {
      enabled: () => true,
      liveTokens: new LiveTokenIndex(),
      tokens: () => [],
      onStoreStatic: async (name) => {
        order.push(`store ${name}`, ...server.events);
      },
      configPath: () => '/home/dev/.config/token-agent/config.json',
    });
    await runStoreFix(server, `const githubToken = "${token}";\n`);
    assert.deepEqual(order, ['store github-token'], 'nothing reached the editor before the value was stored');
    assert.deepEqual(server.events, [protocol.addTokenDefinition.method, 'applyEdit']);
    assert.deepEqual(server.definitions, [{ definition: { name: 'github-token', type: 'static' } }]);
    assert.equal(server.messages.length, 1);
    assert.match(
      server.messages[0] ?? '',
      /^info: .*now in your tokenAgent\.tokens setting, so Token Agent watches it/,
    );
    assert.match(server.messages[0] ?? '', /GITHUB_TOKEN="\$\(token-agent get github-token\)"/);
    assert.ok(!server.messages[0]?.includes(token.slice(4, 14)), 'the message never carries the value');
  });

  it("offers a free name (-2) when a token of another kind already has the variable's name", async () => {
    const server = fakeServer();
    const defined: DefinedToken[] = [{ name: 'github-token', type: 'oauth2-refresh-token', held: true }];
    const stored = registerStoring(server, { tokens: () => defined });
    const store = await runStoreFix(server, `const githubToken = "${token}";\n`);
    assert.equal(
      store.title,
      "Store in the secret store as static token 'github-token-2' and replace with GITHUB_TOKEN",
    );
    assert.deepEqual(stored, ['github-token-2']);
    assert.deepEqual(server.definitions, [{ definition: { name: 'github-token-2', type: 'static' } }]);
  });

  it('does not ask for a definition of a static token that is already defined', async () => {
    const server = fakeServer();
    const stored = registerStoring(server, {
      tokens: () => [{ name: 'github-token', type: 'static', held: false }],
    });
    await runStoreFix(server, `const githubToken = "${token}";\n`);
    assert.deepEqual(stored, ['github-token']);
    assert.deepEqual(server.events, ['applyEdit']);
    assert.match(server.messages[0] ?? '', /^info: Stored the value as the static token 'github-token'/);
  });

  it('still replaces the literal when the editor cannot add definitions, and says how to define the token', async () => {
    const server = fakeServer(withoutDefinitions);
    const stored = registerStoring(server, { configPath: () => '/home/dev/.config/token-agent/config.json' });
    await runStoreFix(server, `const githubToken = "${token}";\n`);
    assert.deepEqual(stored, ['github-token']);
    assert.deepEqual(server.events, [protocol.addTokenDefinition.method, 'applyEdit']);
    assert.equal(
      server.messages[0],
      "warning: Stored the value as the static token 'github-token' and replaced the literal with GITHUB_TOKEN. " +
        'The token is not defined yet (this editor cannot add token definitions), so nothing watches it: ' +
        'add {"name": "github-token", "type": "static"} to the tokens in /home/dev/.config/token-agent/config.json.',
    );
  });

  it('never stores a second leak over the first while the first is not defined yet', async () => {
    const server = fakeServer(withoutDefinitions);
    const stored = registerStoring(server);
    await runStoreFix(server, `const githubToken = "${token}";\n`);
    const second = checksummedToken('ghp_', randomString(r, 36, alphabets.alnum));
    await runStoreFix(server, `const githubToken = "${second}";\n`);
    assert.deepEqual(stored, ['github-token', 'github-token-2']);
  });

  it("passes on the editor's coded refusal, and still replaces the literal", async () => {
    const server = fakeServer({
      addTokenDefinition: async () => {
        throw new ResponseError(
          1,
          "tokenAgent.tokens already defines 'github-token', as a token of type command.",
          {
            code: 'ERR_CONFIG_INVALID',
          },
        );
      },
    });
    registerStoring(server);
    await runStoreFix(server, `const githubToken = "${token}";\n`);
    assert.equal(server.edits.length, 1);
    assert.match(
      server.messages[0] ?? '',
      /^warning: .*not defined yet \(ERR_CONFIG_INVALID: tokenAgent\.tokens already defines 'github-token', as a token of type command\.\).*the token-agent config file\.$/,
    );
  });

  it('says the value is stored when the editor declines the edit', async () => {
    const server = fakeServer({ applied: false });
    registerStoring(server);
    await runStoreFix(server, `const githubToken = "${token}";\n`);
    assert.match(
      server.messages[0] ?? '',
      /^warning: Stored the value as the static token 'github-token', but the literal was not replaced \(the file is read-only\): replace it with GITHUB_TOKEN by hand\./,
    );
  });

  it('stores nothing when the offered name was taken by another token meanwhile', async () => {
    const server = fakeServer();
    const stored: string[] = [];
    let defined: DefinedToken[] = [];
    registerLintFeatures(server.connection, server.documents, {
      enabled: () => true,
      liveTokens: new LiveTokenIndex(),
      tokens: () => defined,
      onStoreStatic: async (name) => {
        stored.push(name);
      },
    });
    await runStoreFix(server, `const githubToken = "${token}";\n`, () => {
      defined = [{ name: 'github-token', type: 'command', held: true }];
    });
    assert.deepEqual(stored, []);
    assert.deepEqual(server.events, []);
    assert.match(
      server.messages[0] ?? '',
      /^error: .*'github-token' is taken by another token; run the quick fix again\./,
    );
  });

  it('refuses to store from a document that changed since the action was offered', async () => {
    const server = fakeServer();
    const stored = registerStoring(server);
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
      tokens: () => [],
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
