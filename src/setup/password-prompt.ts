/**
 * Asking for a password on a terminal without showing it: raw mode, nothing echoed (not even stars, as ssh and sudo
 * do), Backspace and Ctrl-U edit, Enter submits, Ctrl-C or Ctrl-D on an empty line cancel. The terminal is put back
 * in cooked mode whatever happens. The typed text is returned to the caller only.
 */

/** Asks one question and resolves with the answer; rejects with PromptCancelledError when the user cancels. */
export type PasswordPrompt = (question: string) => Promise<string>;

/** The user pressed Ctrl-C (or closed the input): nothing should be done, exit 130 like a shell. */
export class PromptCancelledError extends Error {
  constructor() {
    super('cancelled at the password prompt');
    this.name = 'PromptCancelledError';
  }
}

/** The parts of `process.stdin` (a tty.ReadStream) the prompt uses. */
export interface TtyInput {
  isTTY?: boolean;
  setRawMode(mode: boolean): unknown;
  setEncoding(encoding: BufferEncoding): unknown;
  resume(): unknown;
  pause(): unknown;
  on(event: 'data', listener: (chunk: string) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  off(event: 'data', listener: (chunk: string) => void): unknown;
  off(event: 'end', listener: () => void): unknown;
}

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const CTRL_U = '\u0015';
const BACKSPACES = new Set(['\u007f', '\b']);
/** An escape sequence (arrow keys, bracketed paste markers): ignored as a whole, never part of the password. */
const ESCAPE = /^\u001b(?:\[[0-9;?]*[ -/]*[@-~]|O.|.)?/u;

/** A prompt that reads from `input` (a TTY) and writes the question and the final newline to `output`. */
export function createTtyPasswordPrompt(input: TtyInput, output: { write(text: string): unknown }): PasswordPrompt {
  return (question) =>
    new Promise((resolve, reject) => {
      let answer: string[] = [];
      const done = (error: Error | null): void => {
        input.off('data', onData);
        input.off('end', onEnd);
        input.setRawMode(false);
        input.pause();
        output.write('\n');
        if (error) reject(error);
        else resolve(answer.join(''));
        answer = [];
      };
      const onEnd = (): void => done(new PromptCancelledError());
      const onData = (chunk: string): void => {
        let rest = chunk;
        while (rest.length > 0) {
          const escape = ESCAPE.exec(rest);
          if (escape) {
            rest = rest.slice(escape[0].length || 1);
            continue;
          }
          const [ch = ''] = rest;
          rest = rest.slice(ch.length);
          if (ch === '\r' || ch === '\n') return done(null);
          if (ch === CTRL_C) return done(new PromptCancelledError());
          if (ch === CTRL_D) {
            if (answer.length === 0) return done(new PromptCancelledError());
            return done(null);
          }
          if (BACKSPACES.has(ch)) answer.pop();
          else if (ch === CTRL_U) answer = [];
          else if (ch >= ' ') answer.push(ch);
        }
      };
      output.write(question);
      input.setEncoding('utf8');
      input.setRawMode(true);
      input.on('data', onData);
      input.on('end', onEnd);
      input.resume();
    });
}
