// Imports run one way: the extension is a thin shell that may take only the protocol module from
// agent/, and the agent never imports vscode. Checked on what esbuild actually bundles, so an import
// through any chain of modules counts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as esbuild from 'esbuild';

async function inputsOf(entry: string): Promise<esbuild.Metafile> {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: ['vscode', '@github/keytar'],
  });
  return result.metafile;
}

describe('import boundaries', () => {
  it('the extension bundle takes nothing of agent/ but agent/protocol.ts', async () => {
    const { inputs } = await inputsOf('extension/main.ts');
    const fromAgent = Object.keys(inputs).filter((path) => path.startsWith('agent/'));
    assert.deepEqual(fromAgent, ['agent/protocol.ts']);
  });

  it('the agent bundle never imports vscode', async () => {
    const { inputs } = await inputsOf('agent/main.ts');
    const importers = Object.entries(inputs)
      .filter(([, input]) => input.imports.some((imported) => imported.path === 'vscode'))
      .map(([path]) => path);
    assert.deepEqual(importers, []);
    assert.ok(Object.keys(inputs).length > 50, 'the agent bundle was really built');
  });
});
