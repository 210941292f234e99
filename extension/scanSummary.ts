// The sentence shown when a workspace scan ends. Pure, so it is tested without VS Code.
import type { ScanWorkspaceResult } from '../agent/protocol';

/** One sentence for the end of a scan. Pure, for tests. */
export function scanSummary(result: ScanWorkspaceResult): string {
  const files = plural(result.files, 'file');
  const megabytes = (result.bytes / 1_048_576).toFixed(1);
  const findings =
    result.findings === 0
      ? `no hard-coded tokens in ${files} (${megabytes} MB)`
      : `${plural(result.findings, 'hard-coded token')}${infoPart(result)} in ${plural(result.filesWithFindings, 'file')} of ${files} scanned`;
  const head = result.cancelled ? `Scan cancelled: ${findings} so far` : `Found ${findings}`;
  const unreadable =
    result.errors.length > 0
      ? ` ${plural(result.errors.length, 'path')} could not be read (see the log).`
      : '';
  return `${head}.${unreadable}`;
}

/** How many are info findings (published keys, made-up tokens), as `token-agent scan` says it. */
function infoPart(result: ScanWorkspaceResult): string {
  const info = result.infoFindings ?? 0;
  return info > 0 ? ` (${info.toLocaleString('en-US')} info)` : '';
}

function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
}
