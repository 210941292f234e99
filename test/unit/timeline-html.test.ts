// The timeline webview's page and script: a strict Content Security Policy, no remote content, and a
// script bundle that carries nothing of Node, vscode or the agent.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import { contentSecurityPolicy, timelineHtml } from '../../extension/timeline/html';

const options = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: 'bm9uY2UtZm9yLXRlc3Rz',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/timeline.js',
};

describe('the timeline page', () => {
  const html = timelineHtml(options);
  const policy = contentSecurityPolicy(options);

  it('allows nothing by default, and scripts and styles only with its nonce', () => {
    const directives = new Map(policy.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('script-src'), [`'nonce-${options.nonce}'`]);
    assert.deepEqual(directives.get('style-src'), [`'nonce-${options.nonce}'`]);
    assert.ok(!policy.includes('unsafe'), policy);
    assert.ok(html.includes(`content="${policy.replaceAll("'", '&#39;')}"`), 'the policy is in the page');
  });

  it('loads one script, from the extension, with the nonce; every script and style carries it', () => {
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1] ?? '');
    assert.equal(scripts.length, 1);
    assert.equal(scripts[0], ` nonce="${options.nonce}" src="${options.scriptUri}"`);
    for (const style of html.matchAll(/<style([^>]*)>/g)) assert.match(style[1] ?? '', /nonce=/);
    assert.ok(!/ style="/.test(html), 'no style attributes: the policy would block them');
  });

  it('names no remote address and uses theme colours only', () => {
    const addresses = [...html.matchAll(/https?:\/\/[^\s"')]+/g)].map((m) => m[0]);
    assert.deepEqual(
      addresses.filter((a) => !a.startsWith(options.cspSource)),
      [],
    );
    assert.deepEqual(html.match(/#[0-9a-f]{3,6}\b|rgb\(/gi) ?? [], []);
  });

  it('escapes what it puts into attributes', () => {
    const page = timelineHtml({ ...options, scriptUri: 'x"><script>alert(1)</script>' });
    assert.equal([...page.matchAll(/<script/g)].length, 1);
  });
});

describe('the webview script bundle', () => {
  it('takes only extension/timeline/ code (protocol types are erased), and neither Node nor vscode', async () => {
    const result = await esbuild.build({
      entryPoints: ['extension/timeline/webview.ts'],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    assert.deepEqual(Object.keys(result.metafile.inputs).sort(), [
      'extension/timeline/layout.ts',
      'extension/timeline/webview.ts',
    ]);
  });

  it('is built by esbuild.mjs and shipped by .vscodeignore', () => {
    assert.match(readFileSync('esbuild.mjs', 'utf8'), /outfile: 'dist\/timeline\.js'/);
    assert.match(readFileSync('.vscodeignore', 'utf8'), /^!dist\/timeline\.js$/m);
    assert.match(readFileSync('.vscodeignore', 'utf8'), /^!media\/\*\*$/m);
  });
});
