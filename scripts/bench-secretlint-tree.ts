// secretlint 13 over a whole tree as one process, for `npm run bench:scan`'s whole-process table:
// secretlint's own CLI is not installed here (only @secretlint/core and the recommended preset), so
// this walks the tree the way token-agent does (regular files, no links, none over 10 MB, no binary)
// and lints each file with the preset, profiler off. Prints the number of findings on stdout.
//   node --import tsx scripts/bench-secretlint-tree.ts DIR…
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

async function main(): Promise<void> {
  const { secretLintProfiler } = await import('@secretlint/profiler');
  // Its profiler is on by default and its bookkeeping grows with every call.
  secretLintProfiler.setEnabled(false);
  const { lintSource } = await import('@secretlint/core');
  const preset = await import('@secretlint/secretlint-rule-preset-recommend');
  const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: preset.creator }] };
  let found = 0;
  for (const path of walk(process.argv.slice(2))) {
    if (statSync(path).size > 10 * 1024 * 1024) continue;
    const bytes = readFileSync(path);
    if (bytes.subarray(0, 8192).includes(0)) continue;
    const result = await lintSource({
      source: {
        content: bytes.toString('utf8'),
        filePath: path,
        ext: path.slice(path.lastIndexOf('.')),
        contentType: 'text',
      },
      options: { config: config as never, noPhysicFilePath: true },
    });
    found += result.messages.length;
  }
  console.log(found);
}

function* walk(roots: string[]): Generator<string> {
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? 1 : -1));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== '.git') stack.push(path);
      else if (entry.isFile()) yield path;
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
