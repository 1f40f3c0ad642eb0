/** GitHub's rule for job and step ids: a letter or `_`, then letters, digits, `-` and `_`. */
const ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Why `id` is not a valid job or step id, or undefined when it is. */
export function idProblem(kind: 'job' | 'step' | 'output', id: string): string | undefined {
  if (ID.test(id)) return undefined;
  const shown = JSON.stringify(id.length > 40 ? `${id.slice(0, 37)}...` : id);
  return `invalid ${kind} id ${shown}: an id starts with a letter or "_" and holds only letters, digits, "-" and "_"`;
}

/** Why `name` cannot be an environment variable name, or undefined when it can. */
export function envNameProblem(name: string): string | undefined {
  if (name !== '' && !name.includes('=') && !name.includes('\0')) return undefined;
  return `invalid environment variable name ${JSON.stringify(name)}: it must be non-empty and hold no "=" or NUL`;
}
