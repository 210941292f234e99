// Bundles the extension and the agent. Two entry points with different rules:
// the extension is loaded by VS Code (CommonJS, `vscode` provided by the host);
// the agent is a plain Node program (the `token-agent` binary) that must never see `vscode`.

import { chmod, cp, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// `--target linux-x64` ships only that platform's secret-store binary (platform-specific .vsix).
const targetIndex = process.argv.indexOf('--target');
const target = targetIndex > 0 ? process.argv[targetIndex + 1] : undefined;

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  legalComments: production ? 'none' : 'inline',
  logLevel: 'warning',
  metafile: true,
};

const builds = [
  { ...common, entryPoints: ['extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  {
    ...common,
    entryPoints: ['agent/main.ts'],
    outfile: 'dist/agent-main.js',
    // The secret-store binding is a native addon: it ships beside the bundle, it cannot be inlined.
    external: ['@github/keytar'],
  },
  // `token-agent scan`'s worker threads (agent/cli/scanPool.ts): the scanner and its rules only, so
  // that a worker starts in tens of milliseconds; loaded from beside dist/agent-main.js.
  { ...common, entryPoints: ['agent/cli/scanWorker.ts'], outfile: 'dist/scan-worker.js' },
  // `token-agent scan` alone (agent/cli/scanEntry.ts), which the small entry point loads for `scan`: a
  // pre-commit hook's scan of a few files no longer loads the engine and the language server.
  {
    ...common,
    entryPoints: ['agent/cli/scanEntry.ts'],
    outfile: 'dist/agent-scan.js',
    plugins: [protocolWithoutLsp()],
  },
  // The `token-agent` binary: a small entry point that answers `get` from the running agent and loads
  // dist/agent-main.js for everything else (agent/fast/main.ts).
  {
    ...common,
    entryPoints: ['agent/fast/main.ts'],
    outfile: 'dist/agent.js',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [protocolWithoutLsp()],
  },
  // The feed that keeps `run --file` tokens fresh when the small entry point started the child: loaded
  // by it only once the child runs (agent/fast/fileFeed.ts).
  {
    ...common,
    entryPoints: ['agent/fast/fileFeed.ts'],
    outfile: 'dist/agent-run-feed.js',
    plugins: [protocolWithoutLsp()],
  },
  // The Token Timeline webview's script: runs in the webview (a browser page under a strict Content
  // Security Policy), so it is a browser bundle with nothing of Node or vscode in it.
  {
    ...common,
    entryPoints: ['extension/timeline/webview.ts'],
    outfile: 'dist/timeline.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];

/**
 * The fast entry point takes agent/protocol.ts only for its error codes (through base/errors.ts), never
 * its LSP message declarations; without this, those would pull vscode-languageserver-protocol (300 KB)
 * into the file every `get` loads. The stub's classes construct inert objects; anything else imported
 * from the package fails the build, so a new use cannot slip through unnoticed.
 */
function protocolWithoutLsp() {
  return {
    name: 'protocol-without-lsp',
    setup(build) {
      build.onResolve({ filter: /^vscode-languageserver-protocol$/ }, () => ({
        path: 'lsp-stub',
        namespace: 'lsp-stub',
      }));
      build.onLoad({ filter: /.*/, namespace: 'lsp-stub' }, () => ({
        contents: 'export class RequestType {} export class RequestType0 {} export class NotificationType {}',
        loader: 'js',
      }));
    },
  };
}

// The keytar addon loads its binary from a computed path, so it cannot be bundled: it is copied
// beside the agent bundle, where `require('@github/keytar')` from dist/agent.js finds it.
async function shipKeytar() {
  const from = 'node_modules/@github/keytar';
  const to = 'dist/node_modules/@github/keytar';
  await rm(to, { recursive: true, force: true });
  await mkdir(join(to, 'prebuilds'), { recursive: true });
  for (const file of ['package.json', 'LICENSE.md', 'lib/keytar.js'])
    await cp(join(from, file), join(to, file));
  const platforms = (await readdir(join(from, 'prebuilds'))).filter(
    (p) => target === undefined || p === target,
  );
  if (platforms.length === 0) throw new Error(`no keytar prebuild for target ${target}`);
  for (const platform of platforms)
    await cp(join(from, 'prebuilds', platform), join(to, 'prebuilds', platform), { recursive: true });
  return platforms;
}

// Docker runs `docker-credential-<name> ACTION` from PATH; npm links this file under that name (the
// package's "bin"). It is the agent's `docker-credential` command, run from the same bundle, and names
// agent.js as the program so that an agent it starts on demand is started from the bundle itself.
const dockerHelper = 'dist/docker-credential-token-agent.js';
async function writeDockerHelper() {
  await writeFile(
    dockerHelper,
    `#!/usr/bin/env node
// docker-credential-token-agent ACTION: token-agent's docker credential helper (generated by esbuild.mjs).
'use strict';
const { join } = require('node:path');
process.argv[1] = join(__dirname, 'agent.js');
process.argv.splice(2, 0, 'docker-credential');
require('./agent.js');
`,
  );
  await chmod(dockerHelper, 0o755);
}

async function report(outfiles) {
  for (const file of outfiles) {
    const { size } = await stat(file);
    console.log(`${file.padEnd(24)} ${(size / 1024).toFixed(1).padStart(8)} KiB`);
  }
}

if (watch) {
  await shipKeytar();
  await mkdir('dist', { recursive: true });
  await writeDockerHelper();
  for (const options of builds) {
    const ctx = await esbuild.context({ ...options, logLevel: 'info' });
    await ctx.watch();
  }
  console.log('esbuild: watching extension/ and agent/ …');
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  await chmod('dist/agent.js', 0o755);
  await writeDockerHelper();
  const platforms = await shipKeytar();
  await report(builds.map((b) => b.outfile));
  console.log(`keytar binaries: ${platforms.join(', ')}`);
}
