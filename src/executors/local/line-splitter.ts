import { StringDecoder } from 'node:string_decoder';

/** Longer lines are delivered in pieces, so one runaway line cannot hold unbounded memory. */
export const MAX_LINE_LENGTH = 64 * 1024;

/**
 * Turns the chunks of one output stream into lines without their terminators (`\n` or `\r\n`). Chunks may end
 * anywhere, also inside a UTF-8 sequence or between `\r` and `\n`; `end()` delivers a last line that has no newline.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    this.take(this.decoder.write(chunk));
  }

  end(): void {
    this.take(this.decoder.end());
    if (this.pending !== '') this.emit(this.pending);
    this.pending = '';
  }

  private take(text: string): void {
    if (text === '') return;
    const buffered = this.pending + text;
    let start = 0;
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n', start)) {
      this.emit(buffered.slice(start, newline));
      start = newline + 1;
    }
    let rest = buffered.slice(start);
    while (rest.length > MAX_LINE_LENGTH) {
      const cut = pieceEnd(rest);
      this.onLine(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    this.pending = rest;
  }

  private emit(line: string): void {
    let rest = line.endsWith('\r') ? line.slice(0, -1) : line;
    while (rest.length > MAX_LINE_LENGTH) {
      const cut = pieceEnd(rest);
      this.onLine(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    this.onLine(rest);
  }
}

/** Where the first piece of an over-long line ends: never between the two halves of a surrogate pair. */
function pieceEnd(text: string): number {
  const last = text.charCodeAt(MAX_LINE_LENGTH - 1);
  return last >= 0xd800 && last <= 0xdbff ? MAX_LINE_LENGTH - 1 : MAX_LINE_LENGTH;
}
