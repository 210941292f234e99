// Builds the release .vsix: minified bundles without source maps, and the secret-store binary of one
// platform (a platform-specific package, `vsce package --target`). Prints its size and contents.
//   --target T     a vsce target (linux-x64, linux-arm64, linux-armhf, alpine-x64, darwin-x64,
//                  darwin-arm64, win32-x64, win32-arm64); default: this machine's
//   --universal    one package with every platform's binary instead
//   --dev          readable bundles with source maps (for debugging a packaged build)
//   --out FILE     where to write it (default .cache/token-agent-VERSION[-TARGET].vsix)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    universal: { type: 'boolean' },
    dev: { type: 'boolean' },
    out: { type: 'string' },
  },
});

// vsce's target names and the keytar prebuild folder each one needs.
const keytarFolder = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'linux-armhf': 'linux-arm',
  'alpine-x64': 'linuxmusl-x64',
  'alpine-arm64': 'linuxmusl-arm64',
  'darwin-x64': 'darwin-x64',
  'darwin-arm64': 'darwin-arm64',
  'win32-x64': 'win32-x64',
  'win32-arm64': 'win32-arm64',
};

function hostTarget() {
  const musl = process.platform === 'linux' && !process.report?.getReport().header.glibcVersionRuntime;
  const platform = musl ? 'alpine' : process.platform;
  const arch = process.arch === 'arm' ? 'armhf' : process.arch;
  return `${platform}-${arch}`;
}

const target = values.universal ? undefined : (values.target ?? hostTarget());
if (target !== undefined && !(target in keytarFolder)) {
  console.error(
    `Unknown target '${target}'. Use one of: ${Object.keys(keytarFolder).join(', ')}, or --universal.`,
  );
  process.exit(2);
}
const { name, version } = JSON.parse(readFileSync('package.json', 'utf8'));
const out = resolve(values.out ?? join('.cache', `${name}-${version}${target ? `-${target}` : ''}.vsix`));
mkdirSync(resolve(out, '..'), { recursive: true });

run(process.execPath, [
  'esbuild.mjs',
  ...(values.dev ? [] : ['--production']),
  ...(target ? ['--target', keytarFolder[target]] : []),
]);
// Everything the extension and agent need is bundled by esbuild (plus keytar copied beside the agent),
// so vsce must not pull node_modules in.
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
  ...(target ? ['--target', target] : []),
]);
console.log(
  `\n${out}\n  ${(statSync(out).size / 1024).toFixed(1)} KiB, ${values.dev ? 'dev' : 'production'} build, ` +
    `${target ? `target ${target}` : 'universal'}; contents listed above`,
);

function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  if (result.status !== 0) process.exit(result.status ?? 1);
  return result.stdout;
}
