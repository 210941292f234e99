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
  let current: { path: string; lines: string[]; numbers: number[] } | undefined;
  let newLine = 0;
  let inHunk = false;
  // Lines left in the current hunk on each side, so that a hunk ends exactly where it should.
  let oldLeft = 0;
  let newLeft = 0;
  const flush = () => {
    if (current && current.lines.length > 0) {
      files.push({ path: current.path, text: current.lines.join('\n'), lineNumbers: current.numbers });
    }
  };
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) {
      flush();
      current = undefined;
      inHunk = false;
      continue;
    }
    if (!inHunk && line.startsWith('+++ ')) {
      flush();
      const target = line.slice(4).replace(/\t.*$/, '');
      current =
        target === '/dev/null' ? undefined : { path: target.replace(/^b\//, ''), lines: [], numbers: [] };
      continue;
    }
    const hunk = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (hunk) {
      oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
      newLine = Number(hunk[2]);
      newLeft = hunk[3] === undefined ? 1 : Number(hunk[3]);
      inHunk = oldLeft > 0 || newLeft > 0;
      continue;
    }
    if (!inHunk || !current) continue;
    if (line.startsWith('+')) {
      current.lines.push(line.slice(1).replace(/\r$/, ''));
      current.numbers.push(newLine);
      newLine++;
      newLeft--;
    } else if (line.startsWith(' ') || line === '') {
      newLine++;
      newLeft--;
      oldLeft--;
    } else if (line.startsWith('-')) {
      oldLeft--;
    } else if (!line.startsWith('\\')) {
      inHunk = false;
    }
    // "\ No newline at end of file" changes nothing.
    if (oldLeft <= 0 && newLeft <= 0) inHunk = false;
  }
  flush();
  return files;
}
