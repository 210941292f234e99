import assert from 'node:assert/strict';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isTokenAgentError } from '../../agent/base/errors';
import { ConfigOwner, toDefinitionList } from '../../agent/config/configFile';
import { writeConfigAtomically } from '../../agent/config/configIo';
import type { ConfigResult } from '../../agent/config/types';

const mode = async (path: string) => (await stat(path)).mode & 0o777;
const names = (result: ConfigResult) => result.config.tokens.map((token) => token.name);

// Collects what a callback receives and lets a test wait for a wanted item, failing after a timeout
// instead of sleeping a fixed time.
function recorder<T>() {
  const items: T[] = [];
  const waiters: { wanted: (items: T[]) => boolean; resolve: () => void }[] = [];
  return {
    items,
    push(item: T) {
      items.push(item);
      for (const waiter of [...waiters]) {
        if (waiter.wanted(items)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    },
    waitFor(wanted: (items: T[]) => boolean, what: string, timeoutMs = 5_000): Promise<void> {
      if (wanted(items)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
        waiters.push({
          wanted,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
  };
}

describe('the config file owned by the agent', () => {
  let root: string;
  let folder: string;
  let path: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'token-agent-config-file-'));
    folder = join(root, 'token-agent');
    path = join(folder, 'config.json');
  });

  afterEach(() => rm(root, { recursive: true, force: true }));

  const writeConfig = async (value: unknown) => {
    await mkdir(folder, { recursive: true });
    await writeFile(path, `${JSON.stringify(value)}\n`);
  };
  const readConfig = async () => JSON.parse(await readFile(path, 'utf8'));

  it('loads a missing file as an empty config without problems, and writes nothing', async () => {
    const result = await new ConfigOwner({ path }).load();
    assert.deepEqual(result.config.tokens, []);
    assert.deepEqual(result.problems, []);
    await assert.rejects(stat(folder), { code: 'ENOENT' });
  });

  it('loads invalid JSON as the usual problem, and refuses to edit it until it is fixed by hand', async () => {
    await mkdir(folder);
    await writeFile(path, '{\n  "tokens": x }\n');
    const owner = new ConfigOwner({ path });
    const result = await owner.load();
    assert.match(result.problems[0]?.message ?? '', /not valid JSON/);
    await assert.rejects(owner.define({ name: 'api', type: 'static' }), (error: unknown) => {
      assert.ok(isTokenAgentError(error, 'ERR_CONFIG_INVALID'));
      assert.match(error.message, /not valid JSON.*Fix it by hand/);
      return true;
    });
    assert.equal(await readFile(path, 'utf8'), '{\n  "tokens": x }\n');
  });

  it('creates a new file 0600 in a 0700 folder, formatted, with no temp file left behind', async () => {
    const owner = new ConfigOwner({ path });
    const verdict = await owner.define({ name: 'api', type: 'static' });
    assert.equal(verdict.ok, true);
    assert.equal(await mode(path), 0o600);
    assert.equal(await mode(folder), 0o700);
    assert.equal(
      await readFile(path, 'utf8'),
      '{\n  "tokens": [\n    {\n      "name": "api",\n      "type": "static"\n    }\n  ]\n}\n',
    );
    assert.deepEqual(await readdir(folder), ['config.json']);
  });

  it('keeps unknown fields, other entries and their order when it adds a token', async () => {
    const before = {
      $schema: 'https://example.com/schema.json',
      store: 'file',
      team: { note: 'unknown top-level field' },
      tokens: [
        { name: 'svc', type: 'static', comment: 'unknown entry field', refreshBeforeSeconds: 30 },
        { name: 'broken', type: 'oauth2-refresh-token' },
      ],
      trailing: [1, 2],
    };
    await writeConfig(before);
    const owner = new ConfigOwner({ path });
    await owner.load();
    const verdict = await owner.define({
      name: 'api',
      type: 'oauth2-refresh-token',
      issuer: 'https://login.example.com',
      clientId: 'cli',
    });
    assert.ok(verdict.ok);
    assert.equal(verdict.replaced, false);
    assert.deepEqual(verdict.problems, []);
    assert.equal(verdict.definition.refreshBeforeSeconds, 120, 'the definition has the defaults applied');
    const after = await readConfig();
    assert.deepEqual(after, {
      ...before,
      tokens: [
        ...before.tokens,
        { name: 'api', type: 'oauth2-refresh-token', issuer: 'https://login.example.com', clientId: 'cli' },
      ],
    });
    assert.deepEqual(Object.keys(after), Object.keys(before));
  });

  it('refuses an entry with an error, naming the field, and leaves the file byte for byte as it was', async () => {
    await writeConfig({ tokens: [{ name: 'svc', type: 'static' }] });
    const before = await readFile(path, 'utf8');
    const owner = new ConfigOwner({ path });
    const verdict = await owner.define({ name: 'api', type: 'oauth2-refresh-token', clientId: 'cli' });
    assert.equal(verdict.ok, false);
    const error = verdict.problems.find((problem) => problem.severity === 'error');
    assert.equal(error?.field, 'issuer');
    assert.equal(error?.token, 'api');
    assert.match(error?.message ?? '', /token 'api'.*"issuer"/);
    assert.equal(await readFile(path, 'utf8'), before);
  });

  it('does not write fields it ignores, so a secret sent by mistake never lands in the file', async () => {
    const owner = new ConfigOwner({ path });
    const verdict = await owner.define({ name: 'api', type: 'static', clientSecret: 'fake-secret-value' });
    assert.ok(verdict.ok);
    assert.deepEqual(
      verdict.problems.map((problem) => [problem.severity, problem.field]),
      [['warning', 'clientSecret']],
    );
    assert.doesNotMatch(await readFile(path, 'utf8'), /fake-secret-value|clientSecret/);
  });

  it('replaces the entry of the same name in its place', async () => {
    await writeConfig({
      tokens: [
        { name: 'a', type: 'static' },
        { name: 'api', type: 'static', refreshBeforeSeconds: 10 },
        { name: 'z', type: 'static' },
      ],
    });
    const owner = new ConfigOwner({ path });
    const verdict = await owner.define({ name: 'api', type: 'command', command: ['print-token'] });
    assert.ok(verdict.ok);
    assert.equal(verdict.replaced, true);
    assert.equal(verdict.definition.type, 'command');
    assert.deepEqual((await readConfig()).tokens, [
      { name: 'a', type: 'static' },
      { name: 'api', type: 'command', command: ['print-token'] },
      { name: 'z', type: 'static' },
    ]);
  });

  it('removes a broken entry by its name, and lists broken entries until then', async () => {
    await writeConfig({
      tokens: [
        { name: 'ok', type: 'static' },
        { name: 'bad', type: 'oauth2-client-credentials', tokenEndpoint: 'http://example.com/token' },
      ],
    });
    const owner = new ConfigOwner({ path });
    assert.deepEqual(owner.list().entries, [], 'nothing is known before load');
    await owner.load();
    const listing = owner.list();
    assert.equal(listing.configPath, path);
    assert.deepEqual(
      listing.tokens.map((token) => token.name),
      ['ok'],
    );
    assert.deepEqual(
      listing.entries.map(({ index, name, valid }) => ({ index, name, valid })),
      [
        { index: 0, name: 'ok', valid: true },
        { index: 1, name: 'bad', valid: false },
      ],
    );
    assert.ok(listing.entries[1]?.problems.some((problem) => problem.field === 'clientId'));
    assert.deepEqual(listing.entries[1]?.entry, {
      name: 'bad',
      type: 'oauth2-client-credentials',
      tokenEndpoint: 'http://example.com/token',
    });

    assert.deepEqual(toDefinitionList(listing).tokens, [
      { name: 'ok', entry: { name: 'ok', type: 'static' } },
      {
        name: 'bad',
        entry: listing.entries[1]?.entry,
        problems: listing.entries[1]?.problems.map((problem) => problem.message),
      },
    ]);

    assert.deepEqual(await owner.remove('bad'), { removed: true });
    assert.deepEqual(await readConfig(), { tokens: [{ name: 'ok', type: 'static' }] });
    assert.deepEqual(
      owner.list().entries.map(({ name }) => name),
      ['ok'],
      'the listing follows our own write',
    );
    assert.deepEqual(owner.current().problems, []);
    const before = await readFile(path, 'utf8');
    assert.deepEqual(await owner.remove('bad'), { removed: false });
    assert.equal(await readFile(path, 'utf8'), before);
  });

  it('refuses to write through a symbolic link, and leaves the link and its target alone', async () => {
    const target = join(root, 'dotfiles-config.json');
    await writeFile(target, '{"tokens":[]}\n');
    await mkdir(folder);
    await symlink(target, path);
    const owner = new ConfigOwner({ path });
    assert.deepEqual((await owner.load()).problems, [], 'reading through the link is fine');
    await assert.rejects(owner.define({ name: 'api', type: 'static' }), (error: unknown) => {
      assert.ok(isTokenAgentError(error, 'ERR_CONFIG_INVALID'));
      assert.match(error.message, /symbolic link/);
      return true;
    });
    assert.ok((await lstat(path)).isSymbolicLink());
    assert.equal(await readlink(path), target);
    assert.equal(await readFile(target, 'utf8'), '{"tokens":[]}\n');
    assert.deepEqual(await readdir(folder), ['config.json']);
  });

  it('refuses to replace something that is not a regular file', async () => {
    await mkdir(path, { recursive: true });
    const owner = new ConfigOwner({ path });
    await assert.rejects(owner.remove('api'), (error: unknown) => {
      assert.ok(isTokenAgentError(error, 'ERR_CONFIG_INVALID'));
      assert.match(error.message, /not a regular file/);
      return true;
    });
    assert.ok((await stat(path)).isDirectory());
  });

  it('keeps an edit made by hand between load and define, and reports it through onChange', async () => {
    await writeConfig({ tokens: [{ name: 'a', type: 'static' }] });
    const changes: ConfigResult[] = [];
    const owner = new ConfigOwner({ path, onChange: (result) => changes.push(result) });
    await owner.load();
    await writeConfig({
      store: 'memory',
      tokens: [
        { name: 'a', type: 'static' },
        { name: 'hand', type: 'static' },
      ],
    });
    const verdict = await owner.define({ name: 'api', type: 'static' });
    assert.ok(verdict.ok);
    const after = await readConfig();
    assert.equal(after.store, 'memory');
    assert.deepEqual(
      after.tokens.map((token: { name: string }) => token.name),
      ['a', 'hand', 'api'],
    );
    assert.equal(changes.length, 1, 'the hand edit is news to the caller; its own define is not');
    assert.deepEqual(names(changes[0] as ConfigResult), ['a', 'hand', 'api']);
  });

  it('runs concurrent edits one after another, so none is lost', async () => {
    const owner = new ConfigOwner({ path });
    const verdicts = await Promise.all(
      ['t1', 't2', 't3', 't4', 't5'].map((name) => owner.define({ name, type: 'static' })),
    );
    assert.ok(verdicts.every((verdict) => verdict.ok));
    assert.deepEqual(
      (await readConfig()).tokens.map((token: { name: string }) => token.name),
      ['t1', 't2', 't3', 't4', 't5'],
    );
  });

  it('does not replace a file that changed after it was read, and leaves no temp file', async () => {
    await writeConfig({ tokens: [] });
    const written = await writeConfigAtomically(
      path,
      '{"tokens":[{"name":"x","type":"static"}]}\n',
      async () => {
        await writeFile(path, '{"store":"memory"}\n');
        return false;
      },
    );
    assert.equal(written, false);
    assert.equal(await readFile(path, 'utf8'), '{"store":"memory"}\n');
    assert.deepEqual(await readdir(folder), ['config.json']);
  });

  it('watches for edits by hand: one onChange per outside edit, none for its own writes', async () => {
    await writeConfig({ tokens: [{ name: 'a', type: 'static' }] });
    const changes = recorder<ConfigResult>();
    const logs = recorder<string>();
    const owner = new ConfigOwner({
      path,
      onChange: (result) => changes.push(result),
      log: (_level, message) => logs.push(message),
    });
    await owner.load();
    const stop = owner.watch();
    const unchangedCount = (items: string[]) => items.filter((message) => /no change/.test(message)).length;
    try {
      await owner.define({ name: 'b', type: 'static' });
      await logs.waitFor((items) => unchangedCount(items) >= 1, 'the re-read after our own write');
      assert.equal(changes.items.length, 0);

      // An editor's save: a new file renamed over the old one.
      const temp = join(folder, 'config.json.swp');
      await writeFile(
        temp,
        JSON.stringify({
          tokens: [
            { name: 'a', type: 'static' },
            { name: 'c', type: 'static' },
          ],
        }),
      );
      await rename(temp, path);
      await changes.waitFor((items) => items.length >= 1, 'the change event');
      assert.deepEqual(names(changes.items[0] as ConfigResult), ['a', 'c']);

      // A formatting-only change is not news: what the file defines is the same.
      const seen = unchangedCount(logs.items);
      await writeFile(temp, `${JSON.stringify(await readConfig(), null, 4)}\n`);
      await rename(temp, path);
      await logs.waitFor((items) => unchangedCount(items) > seen, 'the re-read after reformatting');
      assert.equal(changes.items.length, 1);
    } finally {
      stop();
    }
  });

  it('imports old settings entries in one write, skipping names the file has and broken entries', async () => {
    await writeConfig({ tokens: [{ name: 'api', type: 'static' }] });
    const owner = new ConfigOwner({ path });
    const outcome = await owner.importDefinitions([
      { name: 'api', type: 'command', command: ['other'] },
      { name: 'svc', type: 'command', command: ['print-token'] },
      { name: 'nope', type: 'oauth2-refresh-token' },
      'not an entry',
      { name: 'svc', type: 'static' },
    ]);
    assert.deepEqual(outcome.imported, ['svc']);
    assert.deepEqual(
      outcome.skipped.map(({ name }) => name),
      ['api', 'nope', 'settings tokens[3]', 'svc'],
    );
    assert.match(outcome.skipped[0]?.reason ?? '', /already has an entry/);
    assert.match(outcome.skipped[1]?.reason ?? '', /clientId|issuer/);
    assert.deepEqual((await readConfig()).tokens, [
      { name: 'api', type: 'static' },
      { name: 'svc', type: 'command', command: ['print-token'] },
    ]);
  });
});
