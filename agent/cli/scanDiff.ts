// Reads a unified diff (`git diff --cached | token-agent scan -`) as the lines it adds, so a hook
// reports what a commit introduces and never blocks the commit that removes a secret.

export interface AddedFile {
  /** The file's path after the change (`b/` side). */
  path: string;
  /** Added lines joined with `\n`; consecutive added lines stay adjacent (PEM bodies). */
  text: string;
  /** The file line number of each line of `text` (1-based). */
  lineNumbers: number[];
}

export function looksLikeDiff(text: string): boolean {
  return /^(?:diff --git |--- (?:a\/|\/dev\/null)|Index: )/m.test(text.slice(0, 4096));
}

export function parseUnifiedDiff(diff: string): AddedFile[] {
  const files: AddedFile[] = [];
  const parser = new AddedLinesParser((file) => files.push(file));
  for (const line of diff.split('\n')) parser.line(line);
  parser.end();
  return files;
}

/**
 * The same reading, a line at a time, for input too large to hold (`git log -p` over a whole
 * history): each file's added lines are handed on when the next file starts or on `end()`.
 */
export class AddedLinesParser {
  #current: { path: string; lines: string[]; numbers: number[] } | undefined;
  #newLine = 0;
  #inHunk = false;
  // Lines left in the current hunk on each side, so that a hunk ends exactly where it should.
  #oldLeft = 0;
  #newLeft = 0;

  constructor(readonly onFile: (file: AddedFile) => void) {}

  /** Ends the current file (a commit boundary, or the end of the input). */
  end(): void {
    const current = this.#current;
    if (current && current.lines.length > 0)
      this.onFile({ path: current.path, text: current.lines.join('\n'), lineNumbers: current.numbers });
    this.#current = undefined;
    this.#inHunk = false;
  }

  line(line: string): void {
    if (line.startsWith('diff --git ')) {
      this.end();
      return;
    }
    if (!this.#inHunk && line.startsWith('+++ ')) {
      this.end();
      const target = line.slice(4).replace(/\t.*$/, '');
      this.#current =
        target === '/dev/null' ? undefined : { path: target.replace(/^b\//, ''), lines: [], numbers: [] };
      return;
    }
    const current = this.#current;
    if (!this.#inHunk && line.startsWith('@@ ')) {
      const hunk = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (!hunk) return;
      this.#oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
      this.#newLine = Number(hunk[2]);
      this.#newLeft = hunk[3] === undefined ? 1 : Number(hunk[3]);
      this.#inHunk = this.#oldLeft > 0 || this.#newLeft > 0;
      return;
    }
    if (!this.#inHunk || !current) return;
    if (line.startsWith('+')) {
      current.lines.push(line.endsWith('\r') ? line.slice(1, -1) : line.slice(1));
      current.numbers.push(this.#newLine);
      this.#newLine++;
      this.#newLeft--;
    } else if (line.startsWith(' ') || line === '') {
      this.#newLine++;
      this.#newLeft--;
      this.#oldLeft--;
    } else if (line.startsWith('-')) {
      this.#oldLeft--;
    } else if (!line.startsWith('\\')) {
      this.#inHunk = false;
    }
    // "\ No newline at end of file" changes nothing.
    if (this.#oldLeft <= 0 && this.#newLeft <= 0) this.#inHunk = false;
  }
}
