export interface CommandFileContents {
  /** The entries, in the order first written; a name written twice keeps its last value. */
  readonly values: Record<string, string>;
  /** One message per malformed entry, `line N: …` (1-based); such entries are skipped. */
  readonly problems: string[];
}

/**
 * Parses the `$GITHUB_OUTPUT`/`$GITHUB_ENV` file format: `name=value` lines and the heredoc form `name<<DELIM` …
 * `DELIM`. Returns the entries (later wins) and problems (e.g. unterminated heredoc, line without `=`) as messages with
 * 1-based line numbers. Never throws.
 *
 * Matches the GitHub runner's `FileCommandManager`: a line splits at whichever of `=` and `<<` comes first, so values
 * may contain `=` (and `<<`); a heredoc value is the text between the opening and the closing line, inner newlines
 * kept and the last one dropped; lines end with `\n` or `\r\n` (a heredoc value's inner line breaks become `\n`);
 * blank lines are ignored. Where the runner fails the step on a malformed entry, this reports a problem and goes on.
 * Messages never quote a value: it may be a secret.
 */
export function parseCommandFile(text: string): CommandFileContents {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  const lines = splitLines(text);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const lineNumber = index + 1;
    if (line.trim() === '') continue;
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      const name = line.slice(0, equals);
      if (name === '') problems.push(`line ${lineNumber}: the name before "=" is empty`);
      else setEntry(values, name, line.slice(equals + 1));
      continue;
    }
    if (heredoc < 0) {
      problems.push(`line ${lineNumber}: expected NAME=VALUE or NAME<<DELIMITER`);
      continue;
    }
    const name = line.slice(0, heredoc);
    const delimiter = line.slice(heredoc + 2);
    if (name === '' || delimiter === '') {
      problems.push(`line ${lineNumber}: ${name === '' ? 'the name before "<<"' : 'the delimiter after "<<"'} is empty`);
      continue;
    }
    const end = lines.indexOf(delimiter, index + 1);
    if (end < 0) {
      // Like the runner, the rest of the file belongs to the unterminated value, so nothing after it is read.
      problems.push(`line ${lineNumber}: "${name}<<${delimiter}" is never closed by a line "${delimiter}"`);
      break;
    }
    setEntry(values, name, lines.slice(index + 1, end).join('\n'));
    index = end;
  }
  return { values, problems };
}

/**
 * Lines without their terminators. A `\r` before `\n` is dropped (so CRLF files work); a final terminator does not
 * start an empty last line.
 */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** Defines rather than assigns, so a step writing `__proto__=x` gets an entry instead of silently nothing. */
function setEntry(values: Record<string, string>, name: string, value: string): void {
  Object.defineProperty(values, name, { value, enumerable: true, writable: true, configurable: true });
}
