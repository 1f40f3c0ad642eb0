/** `NAME=value` lines (blank lines ignored) → variables; or the first line that is not one. */
export function parseVariables(text: string): { variables: Record<string, string> } | { error: string } {
  const variables: Record<string, string> = {};
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) return { error: `Variables, line ${index + 1}: write NAME=value (letters, digits and _ in the name).` };
    variables[match[1] as string] = match[2] as string;
  }
  return { variables };
}
