// `token-agent scan` run in process with its output captured: the one helper the scan tests share.
import { Readable } from 'node:stream';
import { parseScanArgs, runScan, type ScanIo } from '../../agent/cli/scan';

export interface ScanResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `scan ARGV` in `cwd` with `stdin` as its standard input; `io` adds a clock or workers. */
export async function scanInMemory(
  cwd: string,
  argv: string[],
  stdin = '',
  io: Partial<Pick<ScanIo, 'now' | 'workers'>> = {},
): Promise<ScanResult> {
  let out = '';
  let err = '';
  const code = await runScan(parseScanArgs(argv), {
    cwd,
    ...io,
    stdin: Readable.from([stdin]),
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  return { code, out, err };
}
