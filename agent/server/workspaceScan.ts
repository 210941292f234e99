// Token Agent: Scan Workspace. Walks every workspace folder as `token-agent scan` does and publishes the
// findings of files that are not open, so they land in the Problems panel next to the as-you-type
// lint of open documents. The walk yields to the event loop every few milliseconds: the agent keeps
// answering token requests, and a cancel or a newer scan stops it.
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Connection, TextDocuments } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  defaultMaxFileBytes,
  describeIoError,
  IgnoreRules,
  readScannable,
  type WalkedFile,
} from '../lint/fileWalk';
import type { LiveTokenIndex } from '../lint/liveTokens';
import { scanText } from '../lint/scanner';
import * as protocol from '../protocol';
import { scanDocument, toDiagnostic } from './diagnostics';

const sliceMs = 20;
const progressEveryMs = 200;
const maxErrors = 20;

export interface WorkspaceScanOptions {
  liveTokens: LiveTokenIndex;
  now?: () => number;
}

export interface WorkspaceScan {
  /** Removes every diagnostic the last scan published (the lint was turned off). */
  clear(): void;
}

export function registerWorkspaceScan(
  connection: Connection,
  documents: TextDocuments<TextDocument>,
  options: WorkspaceScanOptions,
): WorkspaceScan {
  const now = options.now ?? Date.now;
  /** Files whose findings this scan published, so the next scan can clear those that became clean. */
  let published = new Set<string>();
  let generation = 0;

  const publishFromDisk = (uri: string, path: string, text: string): number => {
    const findings = scanText(text, { path, liveTokens: options.liveTokens });
    if (findings.length === 0) return 0;
    const document = TextDocument.create(uri, 'plaintext', 0, text);
    void connection.sendDiagnostics({
      uri,
      diagnostics: findings.map((finding) => toDiagnostic(document, finding)),
    });
    return findings.length;
  };

  // The lint of open documents clears a document's diagnostics when it closes; a file the workspace
  // scan flagged keeps its findings, read again from what is saved on disk.
  documents.onDidClose((event) => {
    const uri = event.document.uri;
    if (!published.has(uri)) return;
    const path = fileURLToPath(uri);
    const file = readScannable(path, defaultMaxFileBytes);
    if (file.kind !== 'text' || publishFromDisk(uri, path, file.text) === 0) published.delete(uri);
  });

  connection.onRequest(protocol.scanWorkspace, async (params, cancel) => {
    const workDone = connection.window.attachWorkDoneProgress(params.workDoneToken);
    const mine = ++generation;
    const stopped = () => cancel.isCancellationRequested || generation !== mine;
    const result: protocol.ScanWorkspaceResult = {
      files: 0,
      bytes: 0,
      findings: 0,
      filesWithFindings: 0,
      skipped: 0,
      errors: [],
      cancelled: false,
    };
    const error = (where: string, cause: unknown) => {
      if (result.errors.length < maxErrors) result.errors.push(`${where}: ${describeIoError(cause)}`);
    };
    workDone.begin('Scanning for hard-coded tokens', 0, 'Listing files…', true);
    const files = await listFiles(connection, error, stopped, now);
    const nowPublished = new Set<string>();
    let sliceStart = now();
    let lastReport = sliceStart;
    for (const [index, { path }] of files.entries()) {
      if (stopped()) break;
      if (now() - sliceStart >= sliceMs) {
        await yieldToEventLoop();
        sliceStart = now();
        if (stopped()) break;
        if (sliceStart - lastReport >= progressEveryMs) {
          lastReport = sliceStart;
          workDone.report(
            Math.floor((index / files.length) * 100),
            `${index} of ${files.length} files, ${result.findings} findings`,
          );
        }
      }
      const uri = pathToFileURL(path).href;
      const open = documents.get(uri);
      let found: number;
      if (open) {
        // Open documents are linted live from the editor's copy; only count them here.
        found = scanDocument(open, options.liveTokens).length;
        result.bytes += open.getText().length;
      } else {
        const file = readScannable(path, defaultMaxFileBytes);
        if (file.kind === 'error') error(path, file.error);
        if (file.kind !== 'text') {
          result.skipped++;
          continue;
        }
        result.bytes += file.bytes;
        found = publishFromDisk(uri, path, file.text);
        if (found > 0) nowPublished.add(uri);
      }
      result.files++;
      result.findings += found;
      if (found > 0) result.filesWithFindings++;
    }
    result.cancelled = stopped();
    // A cancelled scan saw only part of the tree: keep what the previous scan found elsewhere.
    for (const uri of published) {
      if (nowPublished.has(uri)) continue;
      if (result.cancelled) nowPublished.add(uri);
      else if (!documents.get(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
    }
    published = nowPublished;
    workDone.done();
    return result;
  });

  return {
    clear() {
      for (const uri of published)
        if (!documents.get(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
      published = new Set();
    },
  };
}

/** Every file of every `file:` workspace folder, once, in walk order. */
async function listFiles(
  connection: Connection,
  error: (where: string, cause: unknown) => void,
  stopped: () => boolean,
  now: () => number,
): Promise<WalkedFile[]> {
  const folders = (await connection.workspace.getWorkspaceFolders()) ?? [];
  const seen = new Set<string>();
  const files: WalkedFile[] = [];
  let sliceStart = now();
  for (const folder of folders) {
    if (!folder.uri.startsWith('file:')) {
      error(folder.name, new Error(`only folders on this machine can be scanned (${folder.uri})`));
      continue;
    }
    const root = fileURLToPath(folder.uri);
    const rules = new IgnoreRules(root);
    for (const file of rules.walk(root, error)) {
      // Nested workspace folders would otherwise be scanned twice.
      if (seen.has(file.path)) continue;
      seen.add(file.path);
      files.push(file);
      if (now() - sliceStart >= sliceMs) {
        await yieldToEventLoop();
        sliceStart = now();
        if (stopped()) return files;
      }
    }
  }
  return files;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
