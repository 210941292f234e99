import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isTokenAgentError } from '../../agent/base/errors';
import { secretsFileName } from '../../agent/store/fileStore';
import { openSecretStore, type SecretStore, secretKinds } from '../../agent/store/secretStore';

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('the plaintext file secret store', () => {
  let root: string;
  let dataDir: string;
  let file: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'token-agent-file-store-'));
    dataDir = join(root, 'data');
    file = join(dataDir, secretsFileName);
  });

  afterEach(() => rm(root, { recursive: true, force: true }));

  async function open(): Promise<SecretStore> {
    const opened = await openSecretStore({ tier: 'file', dataDir });
    if ('error' in opened) throw opened.error;
    return opened.store;
  }

  async function openError() {
    const opened = await openSecretStore({ tier: 'file', dataDir });
    assert.ok('error' in opened, 'expected the store to refuse to open');
    return opened.error;
  }

  it('says it is the plaintext file tier, and opening alone writes nothing', async () => {
    const store = await open();
    assert.equal(store.tier, 'file');
    assert.equal(store.plaintext, true);
    await assert.rejects(stat(dataDir), { code: 'ENOENT' });
  });

  it('creates secrets.json 0600 in a 0700 directory and leaves no temp file behind', async () => {
    const store = await open();
    await store.set('github', 'refresh_token', 'fake-refresh-1');
    await store.set('github', 'client_secret', 'fake-client-secret');
    assert.equal(await mode(dataDir), 0o700);
    assert.equal(await mode(file), 0o600);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), {
      version: 1,
      tokens: { github: { refresh_token: 'fake-refresh-1', client_secret: 'fake-client-secret' } },
    });
    assert.deepEqual(await readdir(dataDir), [secretsFileName]);
  });

  it('round-trips through the file: a second store sees what the first wrote', async () => {
    const first = await open();
    await first.set('github', 'refresh_token', 'fake-refresh-1');
    await first.set('gitlab', 'static_token', 'fake-static');
    const second = await open();
    assert.equal(await second.get('github', 'refresh_token'), 'fake-refresh-1');
    assert.equal(await second.get('gitlab', 'static_token'), 'fake-static');
    assert.equal(await second.get('github', 'access_token'), undefined);
    assert.equal(await second.get('nobody', 'access_token'), undefined);
  });

  it('deletes one kind, or every kind of a token', async () => {
    const store = await open();
    for (const kind of secretKinds) await store.set('github', kind, `fake-${kind}`);
    await store.set('gitlab', 'refresh_token', 'fake-gitlab');
    await store.delete('github', 'access_token');
    assert.equal(await store.get('github', 'access_token'), undefined);
    assert.equal(await store.get('github', 'refresh_token'), 'fake-refresh_token');
    await store.delete('github');
    for (const kind of secretKinds) assert.equal(await store.get('github', kind), undefined);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')).tokens, {
      gitlab: { refresh_token: 'fake-gitlab' },
    });
    await store.delete('never-stored');
    await store.delete('gitlab', 'client_secret');
  });

  it('loses no write when many writers update different tokens at once', async () => {
    // Two store instances stand for two agents: each write is a read-modify-write of the whole file.
    const [one, two] = [await open(), await open()];
    const names = Array.from({ length: 12 }, (_, i) => `token-${i}`);
    await Promise.all(names.map((name, i) => (i % 2 ? one : two).set(name, 'refresh_token', `fake-${name}`)));
    const fresh = await open();
    for (const name of names) assert.equal(await fresh.get(name, 'refresh_token'), `fake-${name}`);
    assert.deepEqual(await readdir(dataDir), [secretsFileName]);
  });

  it('keeps a token named __proto__ as a plain key', async () => {
    const store = await open();
    await store.set('__proto__', 'refresh_token', 'fake-proto');
    assert.equal(await (await open()).get('__proto__', 'refresh_token'), 'fake-proto');
    assert.equal(await store.get('toString', 'refresh_token'), undefined);
  });

  it('refuses a file other users can read, and says to chmod 600', async () => {
    const store = await open();
    await store.set('github', 'refresh_token', 'fake-refresh-secret-value');
    await chmod(file, 0o644);
    const error = await openError();
    assert.equal(error.code, 'ERR_STORE_UNAVAILABLE');
    assert.match(error.message, /chmod 600/);
    assert.match(error.message, /mode 644/);
    assert.doesNotMatch(error.message, /fake-refresh/);
    // An open store checks on every read too, and writes are refused rather than narrowing silently.
    await assert.rejects(store.get('github', 'refresh_token'), (e: unknown) =>
      isTokenAgentError(e, 'ERR_STORE_UNAVAILABLE'),
    );
    await assert.rejects(store.set('github', 'refresh_token', 'fake-other'), (e: unknown) =>
      isTokenAgentError(e, 'ERR_STORE_UNAVAILABLE'),
    );
    await chmod(file, 0o600);
    assert.equal(await store.get('github', 'refresh_token'), 'fake-refresh-secret-value');
  });

  it('refuses a corrupt file without quoting its contents', async () => {
    await mkdir(dataDir, { mode: 0o700 });
    await writeFile(file, '{"version":1,"tokens":{"github":{"refresh_token":"fake-secret-abc', {
      mode: 0o600,
    });
    const error = await openError();
    assert.equal(error.code, 'ERR_STORE_UNAVAILABLE');
    assert.match(error.message, /not valid JSON/);
    assert.doesNotMatch(error.message, /fake-secret/);
    assert.equal(error.cause, undefined, 'the SyntaxError quotes the file, so it is not kept');

    await writeFile(file, JSON.stringify({ version: 2, tokens: {} }));
    assert.match((await openError()).message, /not a version 1 secrets file/);
    await writeFile(file, JSON.stringify({ version: 1, tokens: { github: { refresh_token: 42 } } }));
    assert.match((await openError()).message, /unexpected entry for token "github"/);
  });

  it('refuses to follow a symbolic link', async () => {
    await mkdir(dataDir, { mode: 0o700 });
    const elsewhere = join(root, 'elsewhere.json');
    await writeFile(elsewhere, JSON.stringify({ version: 1, tokens: {} }), { mode: 0o600 });
    await symlink(elsewhere, file);
    const error = await openError();
    assert.equal(error.code, 'ERR_STORE_UNAVAILABLE');
    assert.match(error.message, /symbolic link/);
  });
});
