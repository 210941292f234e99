// The terminal's commands for token definitions (`token add|remove|list`, `config path`): parsing and
// what they print. Pure: no I/O, so every path is unit-tested. The parser checks only what the command
// line alone can know (a missing name, an unknown flag, seconds that are not a number, where `--` may
// go); the values themselves are judged by the config's validation, the same rules as for the file.
import { show } from '../config/definitionsText';
import { tokenTypes } from '../config/types';

export {
  type DefinitionsInput,
  renderDefinitions,
  renderRemoval,
  renderVerdict,
} from '../config/definitionsText';

/** What every token command takes, as the other client commands do. */
export interface TokenCommandFlags {
  config?: string;
  /** --no-agent: edit the config file in this process instead of asking the user agent. */
  noAgent?: boolean;
}

export type TokenCommand =
  | ({ kind: 'token-add'; definition: Record<string, unknown> } & TokenCommandFlags)
  | ({ kind: 'token-remove'; name: string } & TokenCommandFlags)
  | ({ kind: 'token-list'; json: boolean } & TokenCommandFlags)
  | ({ kind: 'config-path' } & TokenCommandFlags)
  | { kind: 'help' };

export type UsageError = { kind: 'usage-error'; message: string };

export const tokenUsage = `  token add NAME --type TYPE [OPTION]... [-- PROGRAM ARG…]
                                   Define a token in the config file (the agent edits it). TYPE: one of
                                   ${tokenTypes.join(', ')}.
                                   OPTION: --issuer URL or --token-endpoint URL, --client-id ID,
                                   --scope "S1 S2", --resource URL, --refresh-before SECONDS,
                                   --timeout SECONDS, --url PREFIX (repeatable: the remotes the git and
                                   docker helpers give it to), --username NAME. A command token's
                                   program and arguments follow --.
  token remove NAME                Remove NAME's definition from the config file.
  token list [--json]              List the defined tokens, and the broken entries with what to fix.
  config path                      Print where the config file is.
`;

/** `list`: a string flag that may be given again, each value kept in order. */
type FlagKind = 'string' | 'boolean' | 'list';
const commonFlags = { config: 'string', 'no-agent': 'boolean', help: 'boolean' } as const;
const addFlags = {
  ...commonFlags,
  type: 'string',
  issuer: 'string',
  'token-endpoint': 'string',
  'client-id': 'string',
  scope: 'string',
  resource: 'string',
  'refresh-before': 'string',
  timeout: 'string',
  url: 'list',
  username: 'string',
} as const;
// Where each flag lands in the config entry; the order is the order of the fields in the file.
const addFields = [
  ['issuer', 'issuer'],
  ['token-endpoint', 'tokenEndpoint'],
  ['client-id', 'clientId'],
  ['scope', 'scope'],
  ['resource', 'resource'],
  ['refresh-before', 'refreshBeforeSeconds'],
  ['timeout', 'timeoutSeconds'],
  ['url', 'urls'],
  ['username', 'username'],
] as const;
const secondsFlags = new Set(['refresh-before', 'timeout']);
// Flags people reach for to pass a secret, and the `secret set` KIND that takes it from stdin instead.
const secretFlags: Readonly<Record<string, string>> = {
  'client-secret': 'client_secret',
  'refresh-token': 'refresh_token',
  'access-token': 'static_token',
  token: 'static_token',
  secret: 'client_secret',
  password: 'client_secret',
};

/**
 * Parses the words from `token` or `config` on (`token add api --type static`, as args.ts passes
 * them). Words without either first are read as following `token`.
 */
export function parseTokenCommand(argv: readonly string[]): TokenCommand | UsageError {
  const [group, rest] =
    argv[0] === 'config' || argv[0] === 'token' ? [argv[0], argv.slice(1)] : ['token', argv];
  // The action may follow flags (`token --config FILE list`), as commands do everywhere else.
  const at = actionIndex(rest);
  const action = at === -1 ? undefined : rest[at];
  const args = rest.filter((_word, index) => index !== at);
  const what = `${group} ${action ?? ''}`.trim();
  const usageError = (message: string): UsageError => ({ kind: 'usage-error', message });
  if (action === undefined && args.some((arg) => arg === '--help' || arg === '-h')) return { kind: 'help' };
  if (group === 'config' && action !== 'path')
    return usageError("'config' needs 'path': token-agent config path");
  if (group === 'token' && action !== 'add' && action !== 'remove' && action !== 'list')
    return usageError(
      `'token' needs add, remove or list${action === undefined ? '' : `, got '${show(action)}'`}: token-agent token list`,
    );
  const spec =
    action === 'add' ? addFlags : action === 'list' ? { ...commonFlags, json: 'boolean' } : commonFlags;
  const scanned = scan(args, spec as Readonly<Record<string, FlagKind>>, what);
  if ('error' in scanned) return usageError(scanned.error);
  const { values, positionals, program } = scanned;
  if (values.help === true) return { kind: 'help' };
  const flags: TokenCommandFlags = {
    ...(typeof values.config === 'string' && { config: values.config }),
    ...(values['no-agent'] === true && { noAgent: true }),
  };
  // Only `token add` gives `--` a meaning; elsewhere it just allows a name that starts with '-'.
  const words = action === 'add' ? positionals : [...positionals, ...(program ?? [])];
  const needsName = action === 'add' || action === 'remove';
  const [name, extra] = needsName ? [words[0], words[1]] : [undefined, words[0]];
  if (needsName && name === undefined)
    return usageError(
      `'${what}' needs a token name: token-agent ${what} NAME${action === 'add' ? ' --type TYPE' : ''}`,
    );
  if (extra !== undefined) {
    const hint = action === 'add' ? " A command token's program goes after --type command --." : '';
    return usageError(`'${what}' got an unexpected argument '${show(extra)}'.${hint}`);
  }
  if (action === 'remove') return { kind: 'token-remove', name: name as string, ...flags };
  if (action === 'list') return { kind: 'token-list', json: values.json === true, ...flags };
  if (action === 'path') return { kind: 'config-path', ...flags };
  return parseAdd(name as string, values, program, flags);
}

function parseAdd(
  name: string,
  values: Readonly<Record<string, string | true | string[]>>,
  program: string[] | undefined,
  flags: TokenCommandFlags,
): TokenCommand | UsageError {
  const usageError = (message: string): UsageError => ({ kind: 'usage-error', message });
  const type = values.type;
  if (typeof type !== 'string')
    return usageError(
      `'token add' needs --type, one of ${tokenTypes.join(', ')}: token-agent token add ${show(name)} --type TYPE`,
    );
  if (program !== undefined && type !== 'command')
    return usageError(
      `'--' starts a command token's program; it needs --type command, not --type ${show(type)}.`,
    );
  if (type === 'command' && (program === undefined || program.length === 0))
    return usageError(
      `A command token needs its program after '--': token-agent token add ${show(name)} --type command -- PROGRAM ARG…`,
    );
  const definition: Record<string, unknown> = { name, type };
  for (const [flag, field] of addFields) {
    const value = values[flag];
    if (Array.isArray(value)) {
      definition[field] = value;
      continue;
    }
    if (typeof value !== 'string') continue;
    if (!secondsFlags.has(flag)) {
      definition[field] = value;
      continue;
    }
    if (!/^\d{1,9}$/.test(value))
      return usageError(`--${flag} takes whole seconds, like --${flag} 120; got '${show(value)}'.`);
    definition[field] = Number(value);
  }
  if (program !== undefined) definition.command = program;
  return { kind: 'token-add', definition, ...flags };
}

// Where the action word is: the first word that is neither a flag nor a flag's value, before any `--`.
function actionIndex(words: readonly string[]): number {
  const flags: Readonly<Record<string, FlagKind>> = addFlags;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word === '--') return -1;
    if (!word.startsWith('-') || word === '-') return i;
    const kind = flags[word.replace(/^--?/, '')];
    if (!word.includes('=') && (kind === 'string' || kind === 'list')) i++;
  }
  return -1;
}

interface Scanned {
  values: Record<string, string | true | string[]>;
  positionals: string[];
  /** The words after `--`, when it was given. */
  program?: string[];
}

// A small scanner rather than util.parseArgs: `--` must be kept apart from the positionals, and every
// error must say what to type instead, without ever echoing a value that could be a secret.
function scan(
  argv: readonly string[],
  flags: Readonly<Record<string, FlagKind>>,
  what: string,
): Scanned | { error: string } {
  const values: Record<string, string | true | string[]> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') return { values, positionals, program: argv.slice(i + 1) };
    if (arg === '-h') {
      values.help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const flag = (equals === -1 ? arg : arg.slice(0, equals)).replace(/^--?/, '');
    const kind = flags[flag];
    if (kind === undefined) return { error: unknownFlag(flag, flags, what) };
    if (values[flag] !== undefined && kind !== 'list')
      return { error: `--${flag} is given twice to '${what}'; give it once.` };
    if (kind === 'boolean') {
      if (equals !== -1) return { error: `--${flag} takes no value.` };
      values[flag] = true;
      continue;
    }
    const value = equals === -1 ? argv[++i] : arg.slice(equals + 1);
    if (value === undefined || (equals === -1 && value.startsWith('--')))
      return { error: `--${flag} needs a value: --${flag} ${flag.toUpperCase().replace(/-/g, '_')}` };
    const earlier = values[flag];
    values[flag] = kind === 'list' ? [...(Array.isArray(earlier) ? earlier : []), value] : value;
  }
  return { values, positionals };
}

function unknownFlag(flag: string, flags: Readonly<Record<string, FlagKind>>, what: string): string {
  const squash = (text: string) => text.toLowerCase().replace(/[-_]/g, '');
  const squashed = squash(flag);
  const kind =
    Object.entries(secretFlags).find(([secretFlag]) => squash(secretFlag) === squashed)?.[1] ??
    (/secret|passw/.test(squashed) ? 'client_secret' : /token$/.test(squashed) ? 'static_token' : undefined);
  if (kind !== undefined)
    return (
      `'${what}' takes no secrets: a command line is seen by other processes and kept in shell history. ` +
      `Store it with 'token-agent secret set NAME ${kind}', which reads it from stdin.`
    );
  const near = Object.keys(flags).find((known) => squash(known) === squashed);
  const known = Object.keys(flags)
    .filter((known) => known !== 'help')
    .map((known) => `--${known}`)
    .join(', ');
  return near !== undefined
    ? `Unknown option '--${show(flag)}' for '${what}'; did you mean --${near}?`
    : `Unknown option '--${show(flag)}' for '${what}'. Its options: ${known}.`;
}
