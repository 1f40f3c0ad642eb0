import { UsageError } from '../../core/index.js';
import type { Writable } from '../cli-context.js';

/**
 * Where passwords and secret values come from: stdin, or a prompt on the terminal that does
 * not echo what is typed. Never a command-line flag: those end up in shell history and in
 * `ps` output for every user of the machine.
 */
export interface SecretInput {
  /** Whether stdin is a terminal, so a person can be asked. */
  readonly isTerminal: boolean;
  /** All of stdin (for --password-stdin and piped secret values). */
  readAll(): Promise<string>;
  /** Shows `prompt` and reads one line from the terminal without echoing it. */
  readHidden(prompt: string): Promise<string>;
}

/** More than any password or secret (the API takes values up to 64 KiB). */
const MAX_STDIN_BYTES = 1024 * 1024;

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const CTRL_U = '\u0015';
const BACKSPACES = new Set(['\u007f', '\b']);

/**
 * The real stdin. Prompts go to `prompts` (stderr), so stdout stays clean for `--json`. In a
 * hidden prompt the terminal is in raw mode, where Ctrl-C is a character, not a signal:
 * `interrupt` is called then, as the SIGINT handler would have been.
 */
export function createStdinInput(stdin: NodeJS.ReadStream, prompts: Writable, interrupt: () => void): SecretInput {
  return {
    isTerminal: stdin.isTTY === true,
    async readAll() {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stdin) {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        size += buffer.length;
        if (size > MAX_STDIN_BYTES) throw new UsageError('stdin holds more than 1 MiB; a password or secret value is far smaller');
        chunks.push(buffer);
      }
      return Buffer.concat(chunks).toString('utf8');
    },
    readHidden(prompt) {
      if (!stdin.isTTY) return Promise.reject(new UsageError('stdin is not a terminal: cannot ask for a password'));
      prompts.write(prompt);
      return new Promise((resolve, reject) => {
        let value = '';
        const finish = () => {
          stdin.off('data', onData);
          stdin.setRawMode(false);
          stdin.pause();
          prompts.write('\n');
        };
        const onData = (chunk: string) => {
          for (const char of chunk) {
            if (char === '\r' || char === '\n' || (char === CTRL_D && value !== '')) {
              finish();
              resolve(value);
              return;
            }
            if (char === CTRL_C || char === CTRL_D) {
              finish();
              if (char === CTRL_C) interrupt();
              reject(new UsageError(char === CTRL_C ? 'cancelled' : 'no input'));
              return;
            }
            if (BACKSPACES.has(char)) value = [...value].slice(0, -1).join('');
            else if (char === CTRL_U) value = '';
            else if (char >= ' ') value += char;
          }
        };
        stdin.setEncoding('utf8');
        stdin.setRawMode(true);
        stdin.on('data', onData);
        stdin.resume();
      });
    },
  };
}

/** `echo secret | …` and here-documents end with a newline that is not part of the value. */
export function withoutFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

export interface PasswordRequest {
  /** --password-stdin: the password is all of stdin (one final newline dropped). */
  readonly fromStdin: boolean;
  readonly prompt: string;
  /** Ask twice on a terminal (a new password, where a typo would lock the user out). */
  readonly confirm?: boolean;
}

/** A password from stdin (`--password-stdin`) or a prompt without echo. */
export async function readPassword(input: SecretInput, request: PasswordRequest): Promise<string> {
  if (request.fromStdin) {
    const password = withoutFinalNewline(await input.readAll());
    if (password === '') throw new UsageError('--password-stdin: stdin was empty');
    return password;
  }
  if (!input.isTerminal) throw new UsageError('no terminal to ask for the password: pipe it in and pass --password-stdin');
  const password = await input.readHidden(request.prompt);
  if (password === '') throw new UsageError('no password given');
  if (request.confirm && (await input.readHidden('Repeat it: ')) !== password) throw new UsageError('the two passwords differ; nothing was changed');
  return password;
}

/**
 * `deployctl password --password-stdin`: the current password on the first line, the new one
 * on the second, so both can come from a password manager without a terminal.
 */
export function parsePasswordPair(text: string): { currentPassword: string; newPassword: string } {
  const lines = withoutFinalNewline(text).split(/\r?\n/);
  const [currentPassword, newPassword] = lines;
  if (lines.length !== 2 || !currentPassword || !newPassword) {
    throw new UsageError('--password-stdin: expected two lines on stdin, the current password and then the new one');
  }
  return { currentPassword, newPassword };
}

/** A secret's value: piped in on stdin, or typed at a prompt that does not echo. */
export async function readSecretValue(input: SecretInput, name: string): Promise<string> {
  const value = input.isTerminal ? await input.readHidden(`Value of ${name}: `) : withoutFinalNewline(await input.readAll());
  if (value === '') throw new UsageError(`no value for ${name}: pipe it in on stdin (e.g. \`printf %s "$VALUE" | deployctl secrets set …\`) or type it at the prompt`);
  return value;
}
