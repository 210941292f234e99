// A small gitignore matcher for `.gitignore` and `.tokenagentignore`: comments, negation (`!`),
// directory-only patterns (`dir/`), anchoring (a `/` anywhere but at the end), `*`, `?`, `[…]` and
// `**`. Later patterns win, and patterns in a deeper directory's file win over shallower ones.

interface Pattern {
  negate: boolean;
  dirOnly: boolean;
  regex: RegExp;
}

export class IgnoreFile {
  readonly #patterns: Pattern[];

  /** `base` is the directory holding the file, as a `/`-separated path relative to the scan root. */
  constructor(
    text: string,
    readonly base = '',
  ) {
    this.#patterns = text.split(/\r?\n/).flatMap((line) => {
      const pattern = parseLine(line);
      return pattern ? [pattern] : [];
    });
  }

  get size(): number {
    return this.#patterns.length;
  }

  /**
   * Whether this file ignores `path` (relative to the scan root, `/`-separated): true or false when a
   * pattern decides, undefined when none applies or the path is outside `base`.
   */
  decide(path: string, isDirectory: boolean): boolean | undefined {
    let relative = path;
    if (this.base !== '') {
      if (!path.startsWith(`${this.base}/`)) return undefined;
      relative = path.slice(this.base.length + 1);
    }
    let result: boolean | undefined;
    for (const pattern of this.#patterns) {
      if (pattern.dirOnly && !isDirectory) continue;
      if (pattern.regex.test(relative)) result = !pattern.negate;
    }
    return result;
  }
}

/** Decides with several files, shallowest first: the last one that has an opinion wins. */
export function isIgnored(files: readonly IgnoreFile[], path: string, isDirectory: boolean): boolean {
  let ignored = false;
  for (const file of files) {
    const decision = file.decide(path, isDirectory);
    if (decision !== undefined) ignored = decision;
  }
  return ignored;
}

/**
 * Whether `path` or any directory above it is ignored (gitignore cannot re-include a file inside an
 * ignored directory), for paths named on the command line rather than found by walking.
 */
export function isPathIgnored(files: readonly IgnoreFile[], path: string): boolean {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    if (isIgnored(files, parts.slice(0, i).join('/'), true)) return true;
  }
  return isIgnored(files, path, false);
}

function parseLine(raw: string): Pattern | undefined {
  // Trailing spaces are dropped unless escaped with a backslash.
  let line = raw.replace(/(?<!\\)\s+$/, '');
  if (line === '' || line.startsWith('#')) return undefined;
  let negate = false;
  if (line.startsWith('!')) {
    negate = true;
    line = line.slice(1);
  } else if (line.startsWith('\\!') || line.startsWith('\\#')) {
    line = line.slice(1);
  }
  let dirOnly = false;
  if (line.endsWith('/')) {
    dirOnly = true;
    line = line.slice(0, -1);
  }
  if (line === '') return undefined;
  const anchored = line.includes('/');
  if (line.startsWith('/')) line = line.slice(1);
  const body = globToRegex(line);
  return { negate, dirOnly, regex: new RegExp(anchored ? `^${body}$` : `(?:^|/)${body}$`) };
}

function globToRegex(glob: string): string {
  let out = '';
  let i = 0;
  while (i < glob.length) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      const atStart = i === 0;
      const slashAfter = glob[i + 2] === '/';
      const atEnd = i + 2 === glob.length;
      if (atStart && slashAfter) {
        out += '(?:.*/)?';
        i += 3;
      } else if (atEnd && out.endsWith('/')) {
        out += '.*';
        i += 2;
      } else if (slashAfter && out.endsWith('/')) {
        out += '(?:.*/)?';
        i += 3;
      } else {
        out += '[^/]*';
        i += 2;
      }
    } else if (c === '*') {
      out += '[^/]*';
      i++;
    } else if (c === '?') {
      out += '[^/]';
      i++;
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
        i++;
      } else {
        let set = glob.slice(i + 1, close);
        if (set.startsWith('!')) set = `^${set.slice(1)}`;
        out += `[${set.replace(/\\/g, '\\\\')}]`;
        i = close + 1;
      }
    } else if (c === '\\' && i + 1 < glob.length) {
      out += escapeChar(glob[i + 1] as string);
      i += 2;
    } else {
      out += escapeChar(c);
      i++;
    }
  }
  return out;
}

function escapeChar(c: string): string {
  return /[.*+?^${}()|[\]\\]/.test(c) ? `\\${c}` : c;
}
