/**
 * Text from the server that anyone could have chosen (the user name of a failed login lands in
 * the audit log as is) with its control characters shown as escapes, so printing it cannot
 * move the cursor, recolour or retitle the terminal, or forge table rows with a newline.
 */
export function printable(text: string): string {
  // C0 controls, DEL, C1 controls (0x9b is a one-byte CSI), and the bidirectional overrides
  // that make text read differently from what it is ("Trojan Source").
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
