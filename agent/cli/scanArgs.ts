// `token-agent scan`'s command line: the formats, the usage text and the parsed command. Apart from
// scan.ts, which runs the scan, so that each reads in one sitting.
import { parseArgs } from 'node:util';
import { defaultBaselineName } from '../lint/baseline';
import type { BaselineOptions } from './scanBaseline';

export const scanFormats = ['text', 'json', 'sarif'] as const;
export type ScanFormat = (typeof scanFormats)[number];

export type ScanCommand =
  | ({
      kind: 'scan';
      paths: string[];
      format: ScanFormat;
      maxFileBytes: number;
      verbose: boolean;
      /** --git [RANGE]: the lines commits added instead of files (RANGE undefined: every ref). */
      git?: { range?: string };
    } & BaselineOptions)
  | { kind: 'scan-help' }
  | { kind: 'usage-error'; message: string };

export const scanUsage = `Usage: token-agent scan [PATH…] [--format text|json|sarif] [--max-file-size BYTES] [--verbose]
                         [--baseline FILE | --no-baseline] [--write-baseline FILE]
       token-agent scan --git [RANGE] [options]

Finds hard-coded tokens, keys and passwords. PATH is a file or a directory (default: .); \`-\` reads
stdin, and a unified diff on stdin (\`git diff --cached | token-agent scan -\`) is scanned as the lines
it adds. Directories are walked honouring .gitignore (except for files git tracks) and
.tokenagentignore. Minified bundles get the provider formats only; keystores (.p12, .jks…) are
reported by name; files of any size are scanned (past 64 MB in overlapping windows), unless
--max-file-size sets a limit. Binary and over-the-limit files are skipped, counted on stderr (listed
with --verbose) and listed in the JSON and SARIF output. Suppress one line with a
\`token-agent:allow\` comment.

--git scans history instead: the lines each commit added (\`git log -p\`; every branch and tag, or
RANGE such as main..HEAD), so a secret committed and removed later is still found; each finding
names its commit and author date.

A baseline accepts the findings a repository already has: --write-baseline FILE records every
finding (path, rule and a salted scrypt hash of the value; never the value, never the line), and
later scans report only findings it does not list, plus its entries that no longer match (stale).
${defaultBaselineName} at the repository root is used when present (the editor reads it too);
--baseline FILE names another, --no-baseline reports everything.

Exit status: 0 clean (or only severity info findings: keys meant to be public, GitHub and npm
token look-alikes that fail their checksum), 1 findings, 2 usage or I/O errors.
`;

/** Parses the arguments after `scan`. Pure, like the rest of the CLI parsing. */
export function parseScanArgs(argv: readonly string[]): ScanCommand {
  let parsed: ReturnType<typeof parseWith>;
  try {
    parsed = parseWith(argv);
  } catch (error) {
    return { kind: 'usage-error', message: (error as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'scan-help' };
  const format = values.format ?? 'text';
  if (!(scanFormats as readonly string[]).includes(format)) {
    return {
      kind: 'usage-error',
      message: `--format must be one of ${scanFormats.join(', ')}, got '${format}'.`,
    };
  }
  // No cut-off unless asked for: a large file is scanned in windows (#13 item 4).
  const maxFileBytes =
    values['max-file-size'] === undefined ? Number.POSITIVE_INFINITY : Number(values['max-file-size']);
  if (maxFileBytes !== Number.POSITIVE_INFINITY && (!Number.isInteger(maxFileBytes) || maxFileBytes <= 0)) {
    return {
      kind: 'usage-error',
      message: `--max-file-size takes a positive number of bytes, got '${values['max-file-size']}'.`,
    };
  }
  if (values.git && positionals.length > 1)
    return {
      kind: 'usage-error',
      message: `--git takes one revision range (e.g. main..HEAD), got ${positionals.length} arguments.`,
    };
  if (values.baseline !== undefined && values['no-baseline'])
    return { kind: 'usage-error', message: '--baseline and --no-baseline contradict each other.' };
  return {
    kind: 'scan',
    paths: positionals.length > 0 && !values.git ? positionals : ['.'],
    format: format as ScanFormat,
    maxFileBytes,
    verbose: values.verbose === true,
    ...(values.baseline !== undefined ? { baseline: values.baseline } : {}),
    ...(values['no-baseline'] ? { noBaseline: true } : {}),
    ...(values['write-baseline'] !== undefined ? { writeBaseline: values['write-baseline'] } : {}),
    ...(values.git ? { git: positionals[0] === undefined ? {} : { range: positionals[0] } } : {}),
  };
}

function parseWith(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string', short: 'f' },
      'max-file-size': { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      baseline: { type: 'string' },
      'no-baseline': { type: 'boolean' },
      'write-baseline': { type: 'string' },
      git: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
