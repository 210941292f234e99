// A real Secret Service (gnome-keyring on a private D-Bus session bus) in a throwaway HOME, for tests of
// the OS secret store on a headless machine. Needs the apt packages dbus, gnome-keyring, libsecret-1-0.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { waitUntil } from './waitFor';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');
const loginCollection = '/org/freedesktop/secrets/collection/login';

export interface SecretService {
  dir: string;
  /** What a process needs on top of its environment to use this store (and no other). */
  env: Record<string, string>;
  /** Starts gnome-keyring (again); it unlocks the login keyring with the same password unless told not to.
   *  Without unlocking, a fresh HOME has no login keyring at all. */
  startKeyring(options?: { unlock?: boolean }): Promise<void>;
  /** Leaves the bus with nobody serving org.freedesktop.secrets. */
  stopKeyring(): Promise<void>;
  /** Locks the login keyring, as a screen lock would; unlocking needs a prompt, so restart the keyring. */
  lock(): Promise<void>;
  /** Stops everything and removes the directory. */
  stop(): Promise<void>;
}

export async function startSecretService(options: { keyring?: boolean } = {}): Promise<SecretService> {
  const dir = mkdtempSync(join(tmpdir(), 'token-agent-secrets-'));
  const home = join(dir, 'home');
  const runtime = join(dir, 'run');
  mkdirSync(home);
  mkdirSync(runtime, { mode: 0o700 });
  const env = {
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(dir, 'bus')}`,
    HOME: home,
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_RUNTIME_DIR: runtime,
  };
  // Our own bus configuration, without the system's service directories: the stock session bus would
  // auto-start a locked gnome-keyring on first use, and "no Secret Service" could not be tested.
  const config = join(dir, 'bus.conf');
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>${env.DBUS_SESSION_BUS_ADDRESS}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const childEnv = { ...process.env, ...env };
  const password = `keyring-password-${randomUUID()}`;

  // Foreground children rather than --fork: we own their pids and stop() can wait for their exit.
  const bus = watch(
    spawn('dbus-daemon', ['--config-file', config, '--nofork', '--print-address=1'], {
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let keyring: Watched | undefined;

  const stopKeyring = async () => {
    await keyring?.stop();
    keyring = undefined;
  };
  const stop = async () => {
    await stopKeyring();
    await bus.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const dbus = (...args: string[]) =>
    run('dbus-send', ['--session', '--print-reply', ...args], { env: childEnv });
  const secretsOwned = () =>
    dbus(
      '--dest=org.freedesktop.DBus',
      '/org/freedesktop/DBus',
      'org.freedesktop.DBus.NameHasOwner',
      'string:org.freedesktop.secrets',
    ).then(({ stdout }) => stdout.includes('boolean true'));

  const service: SecretService = {
    dir,
    env,
    async startKeyring({ unlock = true } = {}) {
      if (keyring) throw new Error('gnome-keyring is already running');
      const args = ['--foreground', '--components=secrets', ...(unlock ? ['--unlock'] : [])];
      const started = watch(
        spawn('gnome-keyring-daemon', args, { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] }),
      );
      keyring = started;
      // --unlock reads the password from stdin, up to end of file.
      started.child.stdin?.end(unlock ? password : '');
      await waitUntil(async () => {
        started.failIfExited('gnome-keyring-daemon');
        return secretsOwned();
      }, 'gnome-keyring to own org.freedesktop.secrets');
    },
    stopKeyring,
    async lock() {
      await dbus(
        '--dest=org.freedesktop.secrets',
        '/org/freedesktop/secrets',
        'org.freedesktop.Secret.Service.Lock',
        `array:objpath:${loginCollection}`,
      );
    },
    stop,
  };

  try {
    await waitUntil(() => {
      bus.failIfExited('dbus-daemon');
      return bus.output().includes(env.DBUS_SESSION_BUS_ADDRESS);
    }, 'dbus-daemon to print its address');
    if (options.keyring !== false) await service.startKeyring();
  } catch (error) {
    await stop();
    throw error;
  }
  return service;
}

interface Watched {
  child: ChildProcess;
  output(): string;
  failIfExited(name: string): void;
  stop(): Promise<void>;
}

function watch(child: ChildProcess): Watched {
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  // A spawn failure (binary not installed) arrives as an event; without a listener it would crash.
  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
  });
  // Should the test process end without stop() (a crash, a forgotten after()), do not leave daemons.
  const killOnExit = () => child.kill();
  process.once('exit', killOnExit);
  const exited = new Promise<void>((done) =>
    child.once('close', () => {
      process.off('exit', killOnExit);
      done();
    }),
  );
  return {
    child,
    output: () => output,
    failIfExited(name) {
      if (spawnError) throw new Error(`${name} did not start: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${name} exited early (${child.exitCode ?? child.signalCode}):\n${output}`);
    },
    async stop() {
      if (spawnError || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export type KeytarMethod =
  | 'getPassword'
  | 'setPassword'
  | 'deletePassword'
  | 'findPassword'
  | 'findCredentials';

export type KeytarOutcome =
  | { outcome: 'value'; value: unknown }
  | { outcome: 'error'; message: string }
  /** The process died, e.g. of a native crash in libsecret (`signal` 'SIGSEGV'). */
  | { outcome: 'crash'; signal: NodeJS.Signals | null; exitCode: number | null; stderr: string };

export interface KeytarProcess {
  /** One @github/keytar call in the child; calls run one at a time, in order. */
  call(method: KeytarMethod, ...args: string[]): Promise<KeytarOutcome>;
  /** Changes the child's own environment between calls, as the agent might in-process. */
  setEnv(name: string, value: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A Node process that makes @github/keytar calls on request, with our environment and `env` laid over it
 * (an `undefined` value removes a variable). A separate process because libsecret reads
 * DBUS_SESSION_BUS_ADDRESS once, at its first successful connection, and keeps that connection (and the
 * keyring daemon it found) for the life of the process, as the agent will.
 */
export function startKeytarProcess(env: Record<string, string | undefined>): KeytarProcess {
  const script = `
    const keytar = require('@github/keytar');
    const lines = require('node:readline').createInterface({ input: process.stdin });
    const answer = (result) => process.stdout.write(JSON.stringify(result) + '\\n');
    let queue = Promise.resolve();
    lines.on('line', (line) => {
      const [method, ...args] = JSON.parse(line);
      const work = method === 'setEnv' ? async () => { process.env[args[0]] = args[1]; } : () => keytar[method](...args);
      queue = queue.then(work).then(
        (value) => answer({ outcome: 'value', value: value ?? null }),
        (error) => answer({ outcome: 'error', message: error.message }),
      );
    });`;
  const merged: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  const child = spawn(process.execPath, ['-e', script], { cwd: root, env: merged, stdio: 'pipe' });
  const waiting: ((outcome: KeytarOutcome) => void)[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    waiting.shift()?.(JSON.parse(line) as KeytarOutcome);
  });
  const exited = new Promise<void>((done) =>
    child.once('close', (exitCode, signal) => {
      for (const answer of waiting.splice(0)) answer({ outcome: 'crash', signal, exitCode, stderr });
      done();
    }),
  );
  const call = async (method: KeytarMethod | 'setEnv', ...args: string[]): Promise<KeytarOutcome> => {
    if (child.exitCode !== null || child.signalCode !== null)
      return { outcome: 'crash', signal: child.signalCode, exitCode: child.exitCode, stderr };
    const answered = new Promise<KeytarOutcome>((answer) => waiting.push(answer));
    child.stdin.write(`${JSON.stringify([method, ...args])}\n`);
    // A hang is a finding too; report it rather than wait forever.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, fail) => {
      timer = setTimeout(() => {
        // Its answers would no longer match the calls; end it.
        child.kill();
        fail(new Error(`keytar ${method} did not answer within 10 s`));
      }, 10_000);
    });
    try {
      return await Promise.race([answered, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    call,
    async setEnv(name, value) {
      const outcome = await call('setEnv', name, value);
      if (outcome.outcome !== 'value')
        throw new Error(`setting ${name} in the keytar process: ${JSON.stringify(outcome)}`);
    },
    async close() {
      child.stdin.end();
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
    },
  };
}

/** One keytar call in a fresh process: see startKeytarProcess. */
export async function keytarInChild(
  env: Record<string, string | undefined>,
  method: KeytarMethod,
  ...args: string[]
): Promise<KeytarOutcome> {
  const keytar = startKeytarProcess(env);
  try {
    return await keytar.call(method, ...args);
  } finally {
    await keytar.close();
  }
}
