// The editor's workspace scan against a fake connection and real folders on disk: ignore files
// honoured, findings published for files that are not open, open documents taken from the editor,
// progress reported, clean files cleared on the next scan, and a cancel that keeps what it found.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type {
  CancellationToken,
  Connection,
  PublishDiagnosticsParams,
  TextDocuments,
  WorkspaceFolder,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LiveTokenIndex } from '../../agent/lint/liveTokens';
import type { ScanWorkspaceParams, ScanWorkspaceResult } from '../../agent/protocol';
import { registerWorkspaceScan } from '../../agent/server/workspaceScan';
import { checksummedToken } from '../support/fakeTokens';
import { alphabets, randomString, rng } from '../support/secretCorpus';

type ScanHandler = (params: ScanWorkspaceParams, cancel: CancellationToken) => Promise<ScanWorkspaceResult>;

const r = rng(11);
const fakeGithubToken = () => checksummedToken('ghp_', randomString(r, 36, alphabets.alnum));
const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function workspace(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), 'token-agent-wscan-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

function fakeServer(folders: WorkspaceFolder[], lint = { enabled: true }) {
  let scan: ScanHandler | undefined;
  const published: PublishDiagnosticsParams[] = [];
  const progress: string[] = [];
  const docs = new Map<string, TextDocument>();
  const closeListeners: ((e: { document: TextDocument }) => void)[] = [];
  const connection = {
    onRequest: (_type: unknown, handler: ScanHandler) => {
      scan = handler;
    },
    sendDiagnostics: async (p: PublishDiagnosticsParams) => {
      published.push(p);
    },
    workspace: { getWorkspaceFolders: async () => folders },
    window: {
      attachWorkDoneProgress: (token: unknown) => ({
        begin: (title: string) => progress.push(`begin ${String(token)} ${title}`),
        report: (percentage: number, message: string) => progress.push(`report ${percentage} ${message}`),
        done: () => progress.push('done'),
      }),
    },
  } as unknown as Connection;
  const documents = {
    get: (uri: string) => docs.get(uri),
    all: () => [...docs.values()],
    onDidClose: (l: (e: { document: TextDocument }) => void) => {
      closeListeners.push(l);
      return { dispose: () => undefined };
    },
  } as unknown as TextDocuments<TextDocument>;
  const feature = registerWorkspaceScan(connection, documents, {
    liveTokens: new LiveTokenIndex(),
    enabled: () => lint.enabled,
  });
  const notCancelled = { isCancellationRequested: false } as CancellationToken;
  return {
    feature,
    published,
    progress,
    run: (cancel: CancellationToken = notCancelled) => {
      assert.ok(scan, 'the scan request is registered');
      return scan({ workDoneToken: 'w1' }, cancel);
    },
    open: (uri: string, text: string) => docs.set(uri, TextDocument.create(uri, 'typescript', 1, text)),
    close: (uri: string) => {
      const document = docs.get(uri);
      docs.delete(uri);
      for (const l of closeListeners) if (document) l({ document });
    },
  };
}

const uriOf = (root: string, path: string) => pathToFileURL(join(root, path)).href;
/** As VS Code spells a file URI: it percent-encodes `@`, which Node's pathToFileURL leaves alone. */
const editorUriOf = (root: string, path: string) => uriOf(root, path).replace(/@/g, '%40');
const folderOf = (root: string): WorkspaceFolder => ({ uri: pathToFileURL(root).href, name: 'w' });

describe('the workspace scan', () => {
  it('publishes findings of files on disk, honouring .gitignore and .tokenagentignore', async () => {
    const leaked = fakeGithubToken();
    const root = workspace({
      '.gitignore': 'build/\n',
      '.tokenagentignore': 'fixtures/**\n',
      'src/app.ts': `const githubToken = "${leaked}";\n`,
      'src/clean.ts': 'export const answer = 42;\n',
      'build/out.ts': `const t = "${fakeGithubToken()}";\n`,
      'fixtures/sample.ts': `const t = "${fakeGithubToken()}";\n`,
      'src/image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]),
    });
    const server = fakeServer([folderOf(root)]);
    const result = await server.run();

    assert.deepEqual(
      server.published.map((p) => p.uri),
      [uriOf(root, 'src/app.ts')],
    );
    const [diagnostic] = server.published[0]?.diagnostics ?? [];
    assert.equal(diagnostic?.code, 'github-token');
    assert.equal(diagnostic?.range.start.line, 0);
    assert.ok(!JSON.stringify(server.published).includes(leaked), 'the value never leaves the server');
    assert.equal(result.findings, 1);
    assert.equal(result.filesWithFindings, 1);
    assert.equal(result.files, 4, 'app.ts, clean.ts and the two ignore files');
    assert.equal(result.skipped, 1, 'the binary file');
    assert.equal(result.cancelled, false);
    assert.equal(server.progress[0], 'begin w1 Scanning for hard-coded tokens');
    assert.equal(server.progress.at(-1), 'done');
  });

  it('counts the info findings apart: a made-up token whose checksum fails', async () => {
    const root = workspace({
      'src/app.ts': `const githubToken = "${fakeGithubToken()}";\n`,
      // Random: its checksum fails (1 in 62^6 would pass), so it is the info rule's.
      'src/sample.ts': `const exampleToken = "ghp_${randomString(r, 36, alphabets.alnum)}";\n`,
    });
    const result = await fakeServer([folderOf(root)]).run();
    assert.equal(result.findings, 2);
    assert.equal(result.infoFindings, 1);
    assert.equal(result.filesWithFindings, 2);
  });

  it('takes an open document from the editor and leaves its diagnostics to the live lint', async () => {
    const root = workspace({ 'a.ts': 'export {};\n' });
    const server = fakeServer([folderOf(root)]);
    server.open(uriOf(root, 'a.ts'), `const githubToken = "${fakeGithubToken()}";\n`);
    const result = await server.run();
    assert.equal(result.findings, 1, 'the unsaved text counts');
    assert.deepEqual(server.published, [], 'the open document is published by the live lint, not here');
  });

  it('clears a file that became clean on the next scan, and keeps findings when a scanned file closes', async () => {
    const root = workspace({
      'a.ts': `const githubToken = "${fakeGithubToken()}";\n`,
      'b.ts': `const githubToken = "${fakeGithubToken()}";\n`,
    });
    const server = fakeServer([folderOf(root)]);
    await server.run();
    assert.equal(server.published.length, 2);

    writeFileSync(join(root, 'a.ts'), 'const githubToken = process.env.GITHUB_TOKEN;\n');
    server.published.length = 0;
    const second = await server.run();
    assert.equal(second.findings, 1);
    const cleared = server.published.find((p) => p.uri === uriOf(root, 'a.ts'));
    assert.deepEqual(cleared?.diagnostics, [], 'a.ts is cleared');

    // The live lint clears b.ts when it closes; the scan puts its saved findings back.
    server.open(uriOf(root, 'b.ts'), 'export {};\n');
    server.published.length = 0;
    server.close(uriOf(root, 'b.ts'));
    assert.equal(server.published[0]?.uri, uriOf(root, 'b.ts'));
    assert.equal(server.published[0]?.diagnostics.length, 1);

    server.published.length = 0;
    server.feature.clear();
    assert.deepEqual(
      server.published.map((p) => [p.uri, p.diagnostics.length]),
      [[uriOf(root, 'b.ts'), 0]],
    );
  });

  it('stops when cancelled and says so, keeping the previous findings', async () => {
    const files: Record<string, string> = { 'leak.ts': `const githubToken = "${fakeGithubToken()}";\n` };
    for (let i = 0; i < 50; i++) files[`many/f${i}.ts`] = 'export {};\n';
    const root = workspace(files);
    const server = fakeServer([folderOf(root)]);
    await server.run();
    const cancelled = await server.run({ isCancellationRequested: true } as CancellationToken);
    assert.equal(cancelled.cancelled, true);
    assert.equal(cancelled.files, 0);
    server.feature.clear();
    assert.ok(
      server.published.some((p) => p.uri === uriOf(root, 'leak.ts') && p.diagnostics.length === 0),
      'the findings of the first scan were still held after the cancelled one',
    );
  });

  it("recognises an open document by its path, whatever the editor's URI spelling", async () => {
    const root = workspace({ '@scope/a.ts': `const githubToken = "${fakeGithubToken()}";\n` });
    const server = fakeServer([folderOf(root)]);
    const editorUri = editorUriOf(root, '@scope/a.ts');
    assert.notEqual(editorUri, uriOf(root, '@scope/a.ts'), 'the two spellings differ');
    server.open(editorUri, 'export {};\n');
    const result = await server.run();
    assert.equal(result.findings, 0, "the editor's clean copy counts, not the leak on disk");
    assert.deepEqual(server.published, [], 'nothing published over the live lint of the open document');
  });

  it('keeps the saved findings of a file that was open during the scan, for when it closes', async () => {
    const root = workspace({ 'a.ts': `const githubToken = "${fakeGithubToken()}";\n` });
    const server = fakeServer([folderOf(root)]);
    await server.run();
    const text = `const githubToken = "${fakeGithubToken()}";\n`;
    server.open(editorUriOf(root, 'a.ts'), text);
    await server.run();
    server.published.length = 0;
    server.close(editorUriOf(root, 'a.ts'));
    assert.equal(server.published.length, 1, 'the findings on disk are back after the close');
    assert.equal(server.published[0]?.diagnostics.length, 1);
  });

  it('refuses to scan while the lint is off, and a scan leaves nothing behind once it is turned off', async () => {
    const root = workspace({ 'a.ts': `const githubToken = "${fakeGithubToken()}";\n` });
    const lint = { enabled: false };
    const server = fakeServer([folderOf(root)], lint);
    await assert.rejects(server.run(), (error: { data?: { code?: string }; message: string }) => {
      assert.equal(error.data?.code, 'ERR_LINT_DISABLED');
      assert.match(error.message, /tokenAgent\.lint\.enabled/);
      return true;
    });
    lint.enabled = true;
    await server.run();
    assert.equal(server.published.length, 1);
    lint.enabled = false;
    server.feature.clear();
    assert.deepEqual(server.published.at(-1)?.diagnostics, [], 'cleared');
  });

  it('reports a folder that is not on this machine instead of failing', async () => {
    const server = fakeServer([{ uri: 'vscode-vfs://github/x/y', name: 'remote' }]);
    const result = await server.run();
    assert.equal(result.files, 0);
    assert.match(result.errors[0] ?? '', /^remote: only folders on this machine can be scanned/);
  });
});
