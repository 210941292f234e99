// The plaintext tier for machines without a usable keychain, used only when the user names it.
// Everything sits in one JSON file, `secrets.json` in the data directory, readable by its owner alone:
// created 0600 inside a 0700 directory, replaced atomically (a 0600 temp file renamed over it) so a crash
// never leaves half a file, and refused when someone has widened its mode, as ssh does with private keys.
// Writers on one machine take a lock file, so two agents updating different tokens do not lose a write.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomically } from '../base/atomicFile';
import { codes, TokenAgentError } from '../base/errors';
import { ensurePrivateFolder, noFollow } from '../base/privateFolder';
import { acquireLock } from './lockFile';
import type { SecretKind, SecretStore } from './types';

export const secretsFileName = 'secrets.json';

type Secrets = Map<string, Partial<Record<SecretKind, string>>>;

interface SecretsFile {
  version: 1;
  tokens: Record<string, Partial<Record<SecretKind, string>>>;
}

export interface FileStoreOptions {
  dataDir: string;
  /** How long a write waits for another process's write to finish. */
  lockTimeoutMs?: number;
}

export class FileStore implements SecretStore {
  readonly tier = 'file';
  readonly plaintext = true;
  readonly path: string;
  readonly #dataDir: string;
  readonly #lockTimeoutMs: number;

  constructor(options: FileStoreOptions) {
    this.#dataDir = options.dataDir;
    this.path = join(options.dataDir, secretsFileName);
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  }

  /** Reads the file once, so that a bad mode or a corrupt file is reported when the store opens. */
  async check(): Promise<void> {
    await this.#read();
  }

  async get(tokenName: string, kind: SecretKind): Promise<string | undefined> {
    const secrets = await this.#read();
    return secrets.get(tokenName)?.[kind];
  }

  async set(tokenName: string, kind: SecretKind, value: string): Promise<void> {
    await this.#update((secrets) => {
      secrets.set(tokenName, { ...secrets.get(tokenName), [kind]: value });
      return true;
    });
  }

  async delete(tokenName: string, kind?: SecretKind): Promise<void> {
    await this.#update((secrets) => {
      const kinds = secrets.get(tokenName);
      if (kinds === undefined || (kind !== undefined && kinds[kind] === undefined)) return false;
      if (kind === undefined) {
        secrets.delete(tokenName);
        return true;
      }
      const { [kind]: _removed, ...rest } = kinds;
      if (Object.keys(rest).length === 0) secrets.delete(tokenName);
      else secrets.set(tokenName, rest);
      return true;
    });
  }

  async #update(change: (secrets: Secrets) => boolean): Promise<void> {
    try {
      await ensurePrivateFolder(this.#dataDir);
      const lock = await acquireLock({ path: `${this.path}.lock`, timeoutMs: this.#lockTimeoutMs });
      try {
        const secrets = await this.#read();
        if (change(secrets)) await this.#write(secrets);
      } finally {
        await lock.release();
      }
    } catch (error) {
      throw this.#cannotWrite(error);
    }
  }

  /**
   * A full disk, a read-only or a no-longer-writable folder is a store that cannot take a secret right
   * now, not a broken one: ERR_STORE_UNAVAILABLE, so that the engine keeps the new refresh token in
   * memory and writes it again later (pendingSave.ts). The errno stays on the cause for the status.
   */
  #cannotWrite(error: unknown): unknown {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (error instanceof TokenAgentError || code === undefined || !(code in unwritableAdvice)) return error;
    return new TokenAgentError(
      codes.storeUnavailable,
      `The plaintext secret file ${this.path} cannot be written right now (${code}): ${unwritableAdvice[code]}.`,
      { cause: error },
    );
  }

  async #read(): Promise<Secrets> {
    let text: string;
    try {
      // O_NOFOLLOW: a symlink planted in the data directory must not redirect us to another file.
      // The checks run on the open descriptor, so the file cannot be swapped between check and read.
      const handle = await open(this.path, constants.O_RDONLY | noFollow);
      try {
        const stats = await handle.stat();
        if (!stats.isFile()) throw this.#unusable(`${this.path} is not a regular file.`);
        // Windows has no POSIX modes to check; there the file lives in the user's profile.
        if (process.platform !== 'win32') {
          if ((stats.mode & 0o077) !== 0) {
            throw this.#unusable(
              `${this.path} is readable by other users (mode ${(stats.mode & 0o777).toString(8)}); ` +
                `run \`chmod 600 ${this.path}\` and rotate the secrets it holds.`,
            );
          }
          const uid = process.getuid?.();
          if (uid !== undefined && stats.uid !== uid) {
            throw this.#unusable(`${this.path} belongs to another user (uid ${stats.uid}).`);
          }
        }
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (error instanceof TokenAgentError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return new Map();
      if (code === 'ELOOP')
        throw this.#unusable(`${this.path} is a symbolic link; refusing to follow it.`, error);
      throw this.#unusable(`${this.path} could not be read (${code ?? 'error'}).`, error);
    }
    return this.#parse(text);
  }

  #parse(text: string): Secrets {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // The SyntaxError is dropped on purpose: its message quotes the file's text, which holds secrets.
      throw this.#unusable(`${this.path} is not valid JSON; fix or delete it.`);
    }
    const tokens = (value as Partial<SecretsFile> | null)?.tokens;
    if ((value as Partial<SecretsFile> | null)?.version !== 1 || !isRecord(tokens)) {
      throw this.#unusable(`${this.path} is not a version 1 secrets file.`);
    }
    const secrets: Secrets = new Map();
    for (const [name, kinds] of Object.entries(tokens)) {
      if (!isRecord(kinds) || !Object.values(kinds).every((secret) => typeof secret === 'string')) {
        throw this.#unusable(`${this.path} has an unexpected entry for token ${JSON.stringify(name)}.`);
      }
      secrets.set(name, kinds as Partial<Record<SecretKind, string>>);
    }
    return secrets;
  }

  async #write(secrets: Secrets): Promise<void> {
    // Object.fromEntries defines own properties, so a token named "__proto__" stays a plain key.
    const file: SecretsFile = { version: 1, tokens: Object.fromEntries(secrets) };
    // A 0600 temp file (O_EXCL | O_NOFOLLOW) renamed over the file: a crash leaves the old file or
    // the new one, and a link planted as secrets.json is refused, never written through.
    await writeAtomically(this.path, `${JSON.stringify(file, null, 2)}\n`);
  }

  #unusable(message: string, cause?: unknown): TokenAgentError {
    return new TokenAgentError(
      codes.storeUnavailable,
      `The plaintext secret file cannot be used: ${message}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** What to do about each errno that means "not now" rather than "broken". */
export const unwritableAdvice: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full; free some space',
  EDQUOT: 'the disk quota is used up; free some space',
  EROFS: 'the file system is read-only; make it writable',
  EACCES: 'the data folder is not writable; give your user write access to it',
  EPERM: 'the data folder is not writable; give your user write access to it',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
