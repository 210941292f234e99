// `npm run bench:scan`'s latency on real code (#13 item 7), beside the generated corpus's 20 KB and
// 1 MB files: those are cut from a corpus dense with planted secrets and decoys, where every rule
// runs far more often than on code people write. Here each tool scans the real files of the tree
// whose sizes are nearest 20 KB and 1 MB; the figure is the median over the files of each file's
// median time.
import { readFileSync } from 'node:fs';
import { type FileEntry, regularFiles } from './benchProcess';

export interface LatencyFiles {
  small: FileEntry[];
  large: FileEntry[];
}

/** The `count` text files of `dir` whose size is nearest `bytes` (ties by path, so runs agree). */
function nearest(files: readonly FileEntry[], bytes: number, count: number): FileEntry[] {
  return files
    .filter((f) => f.bytes > bytes / 2 && f.bytes < bytes * 2 && !isBinary(f.path))
    .sort((a, b) => Math.abs(a.bytes - bytes) - Math.abs(b.bytes - bytes) || (a.path < b.path ? -1 : 1))
    .slice(0, count);
}

function isBinary(path: string): boolean {
  return readFileSync(path).subarray(0, 8192).includes(0);
}

export function latencyFiles(dir: string): LatencyFiles {
  const files = regularFiles(dir);
  return { small: nearest(files, 20_000, 20), large: nearest(files, 1_000_000, 5) };
}

/** The median over `files` of each one's median scan time, in ms. */
export async function medianOverFiles(
  files: readonly FileEntry[],
  scan: (text: string, path: string) => unknown,
  times: number,
): Promise<number> {
  const perFile: number[] = [];
  for (const file of files) {
    const text = readFileSync(file.path, 'utf8');
    for (let i = 0; i < 3; i++) await scan(text, file.path);
    const samples: number[] = [];
    for (let i = 0; i < times; i++) {
      const started = process.hrtime.bigint();
      await scan(text, file.path);
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    perFile.push(median(samples));
  }
  return median(perFile);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
