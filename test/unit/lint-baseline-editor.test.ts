// #13 item 5, the editor's side: the language server's lint honours the workspace's
// .tokenagent-baseline.json exactly as `token-agent scan` writes it, and reads it again when it changes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Connection, PublishDiagnosticsParams, TextDocuments } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseScanArgs, runScan } from '../../agent/cli/scan';
import { defaultBaselineName } from '../../agent/lint/baseline';
import { LiveTokenIndex } from '../../agent/lint/liveTokens';
import { registerLintFeatures } from '../../agent/server/lintFeatures';
import { filePathOf, WorkspaceBaselines } from '../../agent/server/workspaceBaseline';
import { checksummedToken } from '../support/fakeTokens';
import { alphabets, randomString, rng } from '../support/secretCorpus';
import { nextEvent } from '../support/waitFor';

const r = rng(1306);
const ghp = () => checksummedToken('ghp_', randomString(r, 36, alphabets.alnum));

async function writeBaseline(cwd: string): Promise<void> {
  let err = '';
  const code = await runScan(parseScanArgs(['--write-baseline', defaultBaselineName]), {
    cwd,
    stdin: Readable.from(['']),
    stdout: { write: () => true },
    stderr: { write: (s: string) => (err += s) },
  });
  assert.equal(code, 0, err);
}

/** Just enough of a connection and document set for the lint's publishing path. */
function fakeServer() {
  const published: PublishDiagnosticsParams[] = [];
  const docs = new Map<string, TextDocument>();
  const changeListeners: ((e: { document: TextDocument }) => void)[] = [];
  const connection = {
    onHover: () => undefined,
    onCodeAction: () => undefined,
    onExecuteCommand: () => undefined,
    sendDiagnostics: async (p: PublishDiagnosticsParams) => {
      published.push(p);
    },
  } as unknown as Connection;
  const documents = {
    get: (uri: string) => docs.get(uri),
    all: () => [...docs.values()],
    onDidChangeContent: (l: (e: { document: TextDocument }) => void) => {
      changeListeners.push(l);
      return { dispose: () => undefined };
    },
    onDidClose: () => ({ dispose: () => undefined }),
  } as unknown as TextDocuments<TextDocument>;
  const open = (uri: string, text: string, version = 1) => {
    const document = TextDocument.create(uri, 'typescript', version, text);
    docs.set(uri, document);
    for (const l of changeListeners) l({ document });
  };
  return { connection, documents, published, open };
}

describe('the editor honours the scan baseline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-agent-editor-baseline-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('hides listed findings wherever their line moves, shows new ones, and re-reads the file on change', async () => {
    const known = ghp();
    const fresh = ghp();
    const file = join(dir, 'src.ts');
    writeFileSync(file, `const known = "${known}";\n`);
    await writeBaseline(dir);

    const server = fakeServer();
    const baselines = new WorkspaceBaselines({
      log: (message) => assert.fail(message),
      onChange: () => features.publishAll(),
      settleMs: 10,
    });
    baselines.setFolders([dir]);
    const features = registerLintFeatures(server.connection, server.documents, {
      enabled: () => true,
      liveTokens: new LiveTokenIndex(),
      tokens: () => [],
      debounceMs: 5,
      baseline: baselines,
    });
    try {
      const uri = pathToFileURL(file).href;
      // The editor's copy: the known value two lines further down, and a new one.
      server.open(uri, `// moved\n\nconst known = "${known}";\nconst fresh = "${fresh}";\n`);
      const first = await nextEvent(() => server.published[0], 'diagnostics');
      assert.deepEqual(
        first.diagnostics.map((d) => [d.code, d.range.start.line]),
        [['github-token', 3]],
        'only the finding the baseline does not list',
      );
      assert.match(String(first.diagnostics[0]?.message), new RegExp(fresh.slice(0, 8)));

      // Accepting the new value too (a --write-baseline run over the saved file) clears it.
      writeFileSync(file, `const known = "${known}";\nconst fresh = "${fresh}";\n`);
      const version = baselines.version;
      await writeBaseline(dir);
      await nextEvent(() => (baselines.version > version ? true : undefined), 'the baseline re-read');
      const cleared = await nextEvent(
        () => server.published.find((p, i) => i > 0 && p.diagnostics.length === 0),
        'diagnostics cleared',
      );
      assert.equal(cleared.uri, uri);

      // Without the file, everything is shown again.
      const published = server.published.length;
      rmSync(join(dir, defaultBaselineName));
      const both = await nextEvent(
        () => server.published.slice(published).find((p) => p.diagnostics.length === 2),
        'both findings back',
      );
      assert.equal(both.uri, uri);
    } finally {
      features.dispose();
      baselines.dispose();
    }
  });

  it('leaves documents outside the folders and untitled ones alone', () => {
    const baselines = new WorkspaceBaselines({ log: () => undefined, onChange: () => undefined });
    baselines.setFolders([dir]);
    const finding = {
      rule: 'github-token',
      start: 0,
      end: 4,
    } as unknown as Parameters<WorkspaceBaselines['filter']>[1][number];
    assert.equal(filePathOf('untitled:Untitled-1'), undefined);
    assert.deepEqual(baselines.filter(undefined, [finding], 'abcd'), [finding]);
    assert.deepEqual(baselines.filter(join(tmpdir(), 'elsewhere.ts'), [finding], 'abcd'), [finding]);
    baselines.dispose();
  });
});
