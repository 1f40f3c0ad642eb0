/**
 * Replaces secret values with `***` in any text before it reaches a console, a stored log,
 * a report or an error message. Besides the value itself it masks the forms a value takes
 * when a script transforms it: each line of a multi-line secret (they arrive one log line at
 * a time), base64 at all three byte alignments (as GitHub's runner does: a secret embedded
 * in a longer base64 string encodes differently depending on its offset), base64url, URL
 * encoding and JSON string escaping.
 */
export class SecretMasker {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  /** Lines shorter than this in a multi-line secret are not masked on their own (a lone `}`). */
  private static readonly MIN_LINE = 3;

  add(secret: string): void {
    if (secret.length === 0) return;
    const forms = new Set<string>([secret]);
    const lines = secret.split(/\r?\n/).map((l) => l.trim());
    if (lines.length > 1) for (const line of lines) if (line.length >= SecretMasker.MIN_LINE) forms.add(line);
    for (const form of [...forms]) {
      for (const encoded of base64Forms(form)) forms.add(encoded);
      forms.add(encodeURIComponent(form));
      forms.add(JSON.stringify(form).slice(1, -1));
    }
    for (const form of forms) if (form.length > 0) this.values.add(form);
    this.pattern = undefined;
  }

  get size(): number {
    return this.values.size;
  }

  mask(text: string): string {
    if (this.values.size === 0 || text.length === 0) return text;
    this.pattern ??= new RegExp(
      [...this.values]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, '***');
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The base64 characters that depend only on the secret's bytes, at each byte offset. */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const start = Math.ceil((shift * 8) / 6);
    const end = Math.floor(((shift + bytes.length) * 8) / 6);
    const slice = encoded.slice(start, end);
    // Short fragments would mask ordinary text; GitHub's runner applies the same floor.
    if (slice.length < 6) continue;
    forms.push(slice, slice.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}
