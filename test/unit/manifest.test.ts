// The manifest and the code must agree: every setting the extension reads is declared with the same
// default, and every command it registers is contributed (and the other way round).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { settingDefaults, settingsSection } from '../../extension/settings';

interface Manifest {
  main: string;
  bin: Record<string, string>;
  activationEvents: string[];
  contributes: {
    commands: { command: string; category: string }[];
    configuration: {
      properties: Record<string, { default: unknown; description?: string; markdownDescription?: string }>;
    };
  };
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as Manifest;

describe('package.json manifest', () => {
  it('declares exactly the settings the extension reads, with the same defaults and a description', () => {
    const declared = manifest.contributes.configuration.properties;
    const expected = Object.keys(settingDefaults)
      .map((key) => `${settingsSection}.${key}`)
      .sort();
    assert.deepEqual(Object.keys(declared).sort(), expected);
    for (const [key, value] of Object.entries(settingDefaults)) {
      const property = declared[`${settingsSection}.${key}`];
      assert.deepEqual(property?.default, value, key);
      assert.ok(property?.description ?? property?.markdownDescription, `${key} needs a description`);
    }
  });

  it('contributes exactly the commands the extension registers, all in the Token Agent category', () => {
    // commands.ts imports vscode, so its ids are read from the source rather than imported.
    const source = readFileSync('extension/commands.ts', 'utf8');
    const registered = [...source.matchAll(/^ {2}'(tokenAgent\.[A-Za-z]+)': \{/gm)].map((m) => m[1]).sort();
    const contributed = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(contributed, registered);
    for (const command of manifest.contributes.commands) assert.equal(command.category, 'Token Agent');
  });

  it('points main and the token-agent binary at the bundles esbuild writes', () => {
    assert.equal(manifest.main, './dist/extension.js');
    assert.equal(manifest.bin['token-agent'], 'dist/agent.js');
    // Docker finds its helper by this name on PATH; esbuild.mjs writes the file, the .vsix ships it.
    assert.equal(manifest.bin['docker-credential-token-agent'], 'dist/docker-credential-token-agent.js');
    assert.match(readFileSync('.vscodeignore', 'utf8'), /^!dist\/docker-credential-token-agent\.js$/m);
    assert.match(readFileSync('esbuild.mjs', 'utf8'), /'dist\/docker-credential-token-agent\.js'/);
    assert.deepEqual(manifest.activationEvents, ['onStartupFinished']);
  });

  it('ships every bundle esbuild writes, the ones the small entry point loads beside itself too', () => {
    // dist/agent.js requires agent-main.js, agent-run-feed.js and agent-scan.js by a computed path: a bundle built but
    // not shipped would fail only in the installed extension.
    const outfiles = [...readFileSync('esbuild.mjs', 'utf8').matchAll(/outfile: '(dist\/[^']+)'/g)].map(
      (match) => match[1],
    );
    assert.ok(outfiles.includes('dist/agent-run-feed.js'), outfiles.join(', '));
    assert.ok(outfiles.includes('dist/agent-scan.js'), outfiles.join(', '));
    const shipped = readFileSync('.vscodeignore', 'utf8').split('\n');
    for (const outfile of outfiles) assert.ok(shipped.includes(`!${outfile}`), `${outfile} is not shipped`);
  });
});

describe('install scripts (npm 11 allowScripts)', () => {
  it('allows by name exactly the packages in the lockfile that run install scripts', () => {
    // npm 11 warns "install scripts not yet covered by allowScripts" for any other (#14 item 1); an
    // allowed name the lockfile no longer has would allow a script nobody reviewed.
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    const withScripts = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
      .sort();
    const { allowScripts } = JSON.parse(readFileSync('package.json', 'utf8')) as {
      allowScripts: Record<string, boolean>;
    };
    assert.ok(withScripts.length > 0, 'the lockfile marks install scripts');
    assert.deepEqual(Object.keys(allowScripts).sort(), [...new Set(withScripts)]);
    assert.ok(Object.values(allowScripts).every((allowed) => allowed === true));
  });
});
