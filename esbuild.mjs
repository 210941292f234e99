// Bundles the extension and the agent. Two entry points with different rules:
// the extension is loaded by VS Code (CommonJS, `vscode` provided by the host);
// the agent is a plain Node program (the `token-agent` binary) that must never see `vscode`.

import { chmod, stat } from 'node:fs/promises';
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

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
    outfile: 'dist/agent.js',
    // The secret-store binding is a native addon: it ships beside the bundle, it cannot be inlined.
    external: ['@github/keytar'],
    banner: { js: '#!/usr/bin/env node' },
  },
];

async function report(outfiles) {
  for (const file of outfiles) {
    const { size } = await stat(file);
    console.log(`${file.padEnd(20)} ${(size / 1024).toFixed(1).padStart(8)} KiB`);
  }
}

if (watch) {
  for (const options of builds) {
    const ctx = await esbuild.context({ ...options, logLevel: 'info' });
    await ctx.watch();
  }
  console.log('esbuild: watching extension/ and agent/ …');
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  await chmod('dist/agent.js', 0o755);
  await report(builds.map((b) => b.outfile));
}
