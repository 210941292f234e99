// Builds the bundles and packs them into a .vsix with @vscode/vsce.
// `--production` minifies and drops source maps (the release build); the e2e tests and the demo use
// the default build so stack traces stay readable. Prints the path, size and contents of the .vsix.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const production = process.argv.includes('--production');
const outIndex = process.argv.indexOf('--out');
const targetIndex = process.argv.indexOf('--target');
const target = targetIndex > 0 ? process.argv[targetIndex + 1] : undefined;
const { name, version } = JSON.parse(readFileSync('package.json', 'utf8'));
const out = resolve(outIndex > 0 ? process.argv[outIndex + 1] : join('.cache', `${name}-${version}.vsix`));
mkdirSync(resolve(out, '..'), { recursive: true });

const targetArgs = target ? ['--target', target] : [];
run(process.execPath, ['esbuild.mjs', ...(production ? ['--production'] : []), ...targetArgs]);
// Everything the extension and agent need is bundled by esbuild, so vsce must not pull node_modules in.
run(process.execPath, [
  'node_modules/@vscode/vsce/vsce',
  'package',
  '--no-dependencies',
  '--skip-license',
  '--allow-missing-repository',
  // The README's relative links (docs/…) must point somewhere once shown on a marketplace page.
  '--baseContentUrl',
  'https://example.invalid/token-agent/blob/main/',
  '--out',
  out,
  ...targetArgs,
]);
console.log(`${out} ${(statSync(out).size / 1024).toFixed(1)} KiB`);

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
