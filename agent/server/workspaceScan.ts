// Token Agent: Scan Workspace. Walks every workspace folder as `token-agent scan` does and publishes the
// findings of files that are not open, so they land in the Problems panel next to the as-you-type
// lint of open documents. The walk yields to the event loop every few milliseconds: the agent keeps
// answering token requests, and a cancel or a newer scan stops it.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Connection, ResponseError, type TextDocuments } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  defaultMaxFileBytes,
  describeIoError,
  IgnoreRules,
  readScannable,
  type WalkedFile,
} from '../lint/fileWalk';
import type { LiveTokenIndex } from '../lint/liveTokens';
import { type Finding, scanText } from '../lint/scanner';
import * as protocol from '../protocol';
import { scanDocument, toDiagnostic } from './diagnostics';
import type { FindingFilter } from './workspaceBaseline';

const sliceMs = 20;
const progressEveryMs = 200;
const maxErrors = 20;

export interface WorkspaceScanOptions {
  liveTokens: LiveTokenIndex;
  /** Whether the leak lint is on (`tokenAgent.lint.enabled`): off, there is no scan. */
  enabled(): boolean;
  /** The workspace's scan baseline, honoured as `token-agent scan` does. */
  baseline?: FindingFilter;
  now?: () => number;
}

export interface WorkspaceScan {
  /** Stops a running scan and removes every diagnostic scans published (the lint was turned off). */
  clear(): void;
}

export function registerWorkspaceScan(
  connection: Connection,
  documents: TextDocuments<TextDocument>,
  options: WorkspaceScanOptions,
): WorkspaceScan {
  const now = options.now ?? Date.now;
  /**
   * Files holding findings this scan published, by file-system path, with the URI they went out
   * under. By path, because the editor spells file URIs its own way (`%40`, `c%3A`) and Node another.
   */
  let published = new Map<string, string>();
  let generation = 0;

  const openByPath = () => {
    const open = new Map<string, TextDocument>();
    for (const document of documents.all()) {
      const path = pathOf(document.uri);
      if (path !== undefined) open.set(path, document);
    }
    return open;
  };
  const clearClosed = (paths: Iterable<[string, string]>) => {
    const open = openByPath();
    for (const [path, uri] of paths)
      if (!open.has(path)) void connection.sendDiagnostics({ uri, diagnostics: [] });
  };

  const publishFromDisk = (uri: string, path: string, text: string): Finding[] => {
    const scanned = scanText(text, { path, liveTokens: options.liveTokens });
    const findings = options.baseline ? options.baseline.filter(path, scanned, text) : scanned;
    if (findings.length === 0) return findings;
    const document = TextDocument.create(uri, 'plaintext', 0, text);
    void connection.sendDiagnostics({
      uri,
      diagnostics: findings.map((finding) => toDiagnostic(document, finding)),
    });
    return findings;
  };

  // The lint of open documents clears a document's diagnostics when it closes; a file the workspace
  // scan flagged keeps its findings, read again from what is saved on disk.
  documents.onDidClose((event) => {
    const path = pathOf(event.document.uri);
    const uri = path === undefined ? undefined : published.get(path);
    if (path === undefined || uri === undefined) return;
    const file = readScannable(path, defaultMaxFileBytes);
    if (file.kind !== 'text' || publishFromDisk(uri, path, file.text).length === 0) published.delete(path);
  });

  connection.onRequest(protocol.scanWorkspace, async (params, cancel) => {
    if (!options.enabled())
      throw new ResponseError(
        1,
        'The leak lint is turned off: set tokenAgent.lint.enabled to true to scan.',
        {
          code: protocol.ErrorCode.lintDisabled,
        },
      );
    const workDone = connection.window.attachWorkDoneProgress(params.workDoneToken);
    const mine = ++generation;
    const stopped = () => cancel.isCancellationRequested || generation !== mine;
    const result: protocol.ScanWorkspaceResult = {
      files: 0,
      bytes: 0,
      findings: 0,
      infoFindings: 0,
      filesWithFindings: 0,
      skipped: 0,
      errors: [],
      cancelled: false,
    };
    const error = (where: string, cause: unknown) => {
      if (result.errors.length < maxErrors) result.errors.push(`${where}: ${describeIoError(cause)}`);
    };
    // Not cancellable through the progress: the client cancels the request itself.
    workDone.begin('Scanning for hard-coded tokens', 0, 'Listing files…', false);
    const visited = new Set<string>();
    const nowPublished = new Map<string, string>();
    try {
      const files = await listFiles(connection, error, stopped, now);
      let open = openByPath();
      let sliceStart = now();
      let lastReport = sliceStart;
      for (const [index, { path }] of files.entries()) {
        if (stopped()) break;
        if (now() - sliceStart >= sliceMs) {
          await yieldToEventLoop();
          sliceStart = now();
          if (stopped()) break;
          open = openByPath();
          if (sliceStart - lastReport >= progressEveryMs) {
            lastReport = sliceStart;
            workDone.report(
              Math.floor((index / files.length) * 100),
              `${index} of ${files.length} files, ${result.findings} findings`,
            );
          }
        }
        visited.add(path);
        const openDocument = open.get(path);
        const uri = openDocument?.uri ?? pathToFileURL(path).href;
        let findings: Finding[];
        if (openDocument) {
          // Open documents are linted live from the editor's copy; only count them here, and keep
          // them on the list so that their saved findings come back when they close.
          const scanned = scanDocument(openDocument, options.liveTokens);
          findings = options.baseline?.filter(path, scanned, openDocument.getText()) ?? scanned;
          result.bytes += openDocument.getText().length;
        } else {
          const file = readScannable(path, defaultMaxFileBytes);
          if (file.kind === 'error') error(path, file.error);
          if (file.kind !== 'text') {
            result.skipped++;
            continue;
          }
          result.bytes += file.bytes;
          findings = publishFromDisk(uri, path, file.text);
        }
        const found = findings.length;
        if (found > 0) nowPublished.set(path, uri);
        result.files++;
        result.findings += found;
        result.infoFindings =
          (result.infoFindings ?? 0) + findings.filter((f) => f.severity === 'info').length;
        if (found > 0) result.filesWithFindings++;
      }
    } finally {
      result.cancelled = stopped();
      // Files the scan did not reach (it was cancelled) keep what the previous scan found in them;
      // files it read and found clean are cleared.
      const gone: [string, string][] = [];
      for (const [path, uri] of published) {
        if (nowPublished.has(path)) continue;
        if (result.cancelled && !visited.has(path)) nowPublished.set(path, uri);
        else gone.push([path, uri]);
      }
      clearClosed(gone);
      // The lint was turned off meanwhile: nothing of this scan may stay in the Problems panel.
      if (options.enabled()) published = nowPublished;
      else clearClosed(nowPublished);
      workDone.done();
    }
    return result;
  });

  return {
    clear() {
      generation++;
      clearClosed(published);
      published = new Map();
    },
  };
}

/** The file-system path of a `file:` URI, in whatever spelling; undefined for other schemes. */
function pathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
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
