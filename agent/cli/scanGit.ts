// `token-agent scan --git [RANGE]`: the lines each commit added, read from `git log -p` as it streams
// (never the whole history in memory: one file's added lines at a time), so a secret committed and
// removed later is still found, with the commit and its author date.
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { type AddedFile, AddedLinesParser } from './scanDiff';

export interface CommitInfo {
  sha: string;
  /** Author date, strict ISO 8601 (`%aI`). */
  date: string;
}

export interface HistoryFile extends AddedFile {
  commit: CommitInfo;
}

export interface HistoryHandlers {
  /** One file's added lines in one commit. */
  file(file: HistoryFile): void;
  /** A binary file a commit added or changed (git prints no lines for it). */
  binary(path: string, commit: CommitInfo): void;
  /** After each chunk of `git log` output is handled; git waits while this runs (backpressure). */
  chunkDone?(): Promise<void>;
}

export interface HistoryStats {
  commits: number;
  /** Bytes of `git log -p` output read. */
  bytes: number;
}

// NUL never appears in the text git prints for a diff (a file holding one is binary), so a line that
// starts with it is always ours.
const marker = '\0commit ';

/** The arguments for `git log`: every ref by default, else the range (`main..HEAD`, a tag, a sha). */
export function gitLogArgs(range: string | undefined): string[] {
  return [
    // Paths as they are (no octal quoting), whatever the user's config says.
    '-c',
    'core.quotePath=false',
    'log',
    '-p',
    // Only added lines matter; context would only cost time.
    '--unified=0',
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    // A renamed file shows only what changed, not its whole content again (whatever diff.renames says).
    '-M',
    `--format=${marker.replace('\0', '%x00')}%H %aI`,
    ...(range === undefined ? ['--all'] : ['--end-of-options', range]),
    '--',
  ];
}

/** Streams the history of the repository at `cwd` through `handlers`. Rejects with git's own message. */
export async function scanHistory(
  cwd: string,
  range: string | undefined,
  handlers: HistoryHandlers,
): Promise<HistoryStats> {
  const child = spawn('git', ['-C', cwd, ...gitLogArgs(range)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    if (stderr.length < 4096) stderr += text;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  const stats: HistoryStats = { commits: 0, bytes: 0 };
  let commit: CommitInfo = { sha: '', date: '' };
  const parser = new AddedLinesParser((file) => handlers.file({ ...file, commit }));
  const onLine = (line: string) => {
    if (line.startsWith(marker)) {
      parser.end();
      const space = line.indexOf(' ', marker.length);
      commit = { sha: line.slice(marker.length, space), date: line.slice(space + 1) };
      stats.commits++;
      return;
    }
    if (line.startsWith('Binary files ') && line.endsWith(' differ')) {
      const target = / and (?:b\/)?(.*) differ$/.exec(line)?.[1];
      if (target !== undefined && target !== '/dev/null') handlers.binary(target, commit);
      return;
    }
    parser.line(line);
  };
  const decoder = new StringDecoder('utf8');
  let rest = '';
  // Handlers run synchronously inside the loop, so git waits on a full pipe while a chunk is scanned.
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    stats.bytes += chunk.length;
    const text = rest + decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      onLine(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
    await handlers.chunkDone?.();
  }
  rest += decoder.end();
  if (rest !== '') onLine(rest);
  parser.end();
  const code = await exited;
  if (code !== 0) {
    const reason = stderr.trim().split('\n')[0] || `git exited with ${code}`;
    throw new Error(reason);
  }
  return stats;
}
