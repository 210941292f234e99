// What the terminal prints about token definitions: the `token list` table, the verdict on `token add`
// and the result of `token remove`. Pure, and fed either the config owner's listing (when the command
// edits the file itself) or the user agent's answer, which has the shape of protocol's DefinitionList.

import { redactTokensInText } from '../base/redact';
import type { ConfigListing, DefineVerdict } from './configFile';
import { configDefaults } from './types';

/** Any listing of definitions: the config owner's, or the user agent's answer (protocol DefinitionList). */
export type DefinitionsInput =
  | ConfigListing
  | {
      configPath: string;
      tokens: readonly { name: string; entry: Record<string, unknown>; problems?: readonly string[] }[];
      problems: readonly string[];
    };

interface Row {
  name: string;
  entry: unknown;
  errors: readonly string[];
  warnings: readonly string[];
}

/** The table of `token list`: every entry, then what is wrong with the broken ones, then the file. */
export function renderDefinitions(list: DefinitionsInput): string {
  const { rows, fileProblems } = rowsOf(list);
  const filePart = fileProblems.length === 0 ? '' : `\nConfig file problems:\n${indent(fileProblems)}`;
  if (rows.length === 0)
    return `No tokens defined in ${list.configPath}.\nAdd one: token-agent token add NAME --type TYPE\n${filePart}`;
  const cells = rows.map((row) => [
    cut(show(row.name)),
    textField(row.entry, 'type') ?? '-',
    source(row.entry),
    row.errors.length > 0 ? 'disabled, see below' : refreshLead(row.entry),
  ]);
  const header = ['TOKEN', 'TYPE', 'ENDPOINT OR COMMAND', 'REFRESH'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((row) => row[column]?.length ?? 0)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const broken = rows.flatMap((row) => row.errors);
  const warnings = rows.flatMap((row) => row.warnings);
  return [
    `${[line(header), ...cells.map(line)].join('\n')}\n`,
    broken.length === 0 ? '' : `\nBroken entries, disabled until fixed:\n${indent(broken)}`,
    warnings.length === 0 ? '' : `\nWarnings:\n${indent(warnings)}`,
    filePart,
    `\nConfig file: ${list.configPath}\n`,
  ].join('');
}

/** What `token add` prints: where the token went and what to do next, or each problem on its own line. */
export function renderVerdict(
  verdict:
    | DefineVerdict
    | { ok: true; replaced: boolean; warnings: readonly string[] }
    | { ok: false; problems: readonly { message: string; severity?: string }[] },
  configPath: string,
  sent?: Record<string, unknown>,
): string {
  if (!verdict.ok)
    return `Not added; ${configPath} is unchanged:\n${indent(verdict.problems.map((problem) => `${problem.severity ?? 'error'}: ${problem.message}`))}`;
  const name = show(
    'definition' in verdict ? verdict.definition.name : (textField(sent, 'name') ?? 'the token'),
  );
  const type = 'definition' in verdict ? verdict.definition.type : textField(sent, 'type');
  const warnings =
    'warnings' in verdict ? verdict.warnings : verdict.problems.map((problem) => problem.message);
  const next: Record<string, string> = {
    'oauth2-refresh-token': `Next: sign in with 'token-agent login ${name}'.`,
    'oauth2-client-credentials': `Next: store its client secret with 'token-agent secret set ${name} client_secret' (reads stdin).`,
    static: `Next: paste the token with 'token-agent secret set ${name} static_token' (reads stdin).`,
    command: `Try it: token-agent get ${name}`,
  };
  return [
    verdict.replaced ? `Replaced '${name}' in ${configPath}.\n` : `Added '${name}' to ${configPath}.\n`,
    indent(warnings.map((warning) => `warning: ${warning}`)),
    type !== undefined && next[type] !== undefined ? `${next[type]}\n` : '',
  ].join('');
}

/** What `token remove` prints. */
export function renderRemoval(result: { removed: boolean }, name: string, configPath: string): string {
  return result.removed
    ? `Removed '${show(name)}' from ${configPath}.\n`
    : `No token named '${show(name)}' in ${configPath}; nothing changed.\n`;
}

function rowsOf(list: DefinitionsInput): { rows: Row[]; fileProblems: string[] } {
  if ('entries' in list)
    return {
      rows: list.entries.map((entry) => ({
        name: entry.name ?? `tokens[${entry.index}]`,
        entry: entry.entry,
        errors: entry.problems
          .filter((problem) => problem.severity === 'error')
          .map((problem) => problem.message),
        warnings: entry.problems
          .filter((problem) => problem.severity === 'warning')
          .map((problem) => problem.message),
      })),
      fileProblems: list.problems
        .filter((problem) => problem.index === undefined)
        .map((problem) => `${problem.severity}: ${problem.message}`),
    };
  return {
    rows: list.tokens.map((token) => ({
      name: token.name,
      entry: token.entry,
      errors: token.problems ?? [],
      warnings: [],
    })),
    fileProblems: [...list.problems],
  };
}

function source(entry: unknown): string {
  const issuer = textField(entry, 'issuer');
  if (issuer !== undefined) return cut(`issuer ${issuer}`);
  const endpoint = textField(entry, 'tokenEndpoint');
  if (endpoint !== undefined) return cut(`endpoint ${endpoint}`);
  const command = isRecord(entry) ? entry.command : undefined;
  if (Array.isArray(command) && command.every((part) => typeof part === 'string'))
    return cut(show(`$ ${command.map(shellQuote).join(' ')}`));
  return '-';
}

function refreshLead(entry: unknown): string {
  const value = isRecord(entry) ? entry.refreshBeforeSeconds : undefined;
  const seconds = typeof value === 'number' ? value : configDefaults.refreshBeforeSeconds;
  // A pasted token cannot be refreshed: the lead is when it starts warning.
  return textField(entry, 'type') === 'static'
    ? `warns ${seconds}s before expiry`
    : `${seconds}s before expiry`;
}

function shellQuote(part: string): string {
  return /^[A-Za-z0-9._/:=@%+,-]+$/.test(part) ? part : `'${part.replace(/'/g, `'\\''`)}'`;
}

function textField(entry: unknown, field: string): string | undefined {
  const value = isRecord(entry) ? entry[field] : undefined;
  return typeof value === 'string' ? show(value) : undefined;
}

// Every text from the config or the command line is shown masked: the config holds no secrets, but a
// secret pasted into the wrong field or argument must not be printed whole.
export function show(text: string): string {
  // Control characters are replaced too, so that a value cannot move the cursor or recolour the terminal.
  return [...redactTokensInText(text)]
    .map((character) => (character < ' ' || character === '\u007f' ? '?' : character))
    .join('');
}

function cut(text: string): string {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function indent(lines: readonly string[]): string {
  return lines.map((line) => `  ${show(line)}\n`).join('');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
