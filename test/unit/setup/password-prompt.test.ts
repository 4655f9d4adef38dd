import { EventEmitter } from 'node:events';
import { createTtyPasswordPrompt, PromptCancelledError, type TtyInput } from '../../../src/setup/password-prompt.js';

/** A stand-in for a tty.ReadStream: records raw-mode switches; the test types into it. */
class FakeTty extends EventEmitter implements TtyInput {
  isTTY = true;
  rawModes: boolean[] = [];
  isPaused = true;
  setRawMode(mode: boolean): this {
    this.rawModes.push(mode);
    return this;
  }
  setEncoding(): this {
    return this;
  }
  resume(): this {
    this.isPaused = false;
    return this;
  }
  pause(): this {
    this.isPaused = true;
    return this;
  }
  type(...chunks: string[]): void {
    for (const chunk of chunks) this.emit('data', chunk);
  }
}

function setUp(): { tty: FakeTty; written: string[]; ask: (q: string) => Promise<string> } {
  const tty = new FakeTty();
  const written: string[] = [];
  return { tty, written, ask: createTtyPasswordPrompt(tty, { write: (t: string) => written.push(t) }) };
}

describe('the hidden password prompt', () => {
  it('prints the question, echoes nothing, and restores the terminal', async () => {
    const { tty, written, ask } = setUp();
    const answer = ask('Password: ');
    tty.type('s3cr', 'et pass', '\r');
    await expect(answer).resolves.toBe('s3cret pass');
    expect(written).toEqual(['Password: ', '\n']);
    expect(tty.rawModes).toEqual([true, false]);
    expect(tty.isPaused).toBe(true);
    expect(tty.listenerCount('data')).toBe(0);
  });

  it('edits with Backspace (DEL and ^H) and Ctrl-U, and ignores arrow keys and paste markers', async () => {
    const { tty, ask } = setUp();
    const answer = ask('? ');
    tty.type('abx\u007f', 'c\b', 'zz\u0015p\u001b[D\u001b[200~w\u001b[201~é😀', '\n');
    await expect(answer).resolves.toBe('pwé😀');
  });

  it('a pasted line with its Enter submits only what comes before it', async () => {
    const { tty, ask } = setUp();
    const answer = ask('? ');
    tty.type('pasted\rignored');
    await expect(answer).resolves.toBe('pasted');
  });

  it('Ctrl-C cancels (and restores the terminal)', async () => {
    const { tty, written, ask } = setUp();
    const answer = ask('? ');
    tty.type('half', '\u0003');
    await expect(answer).rejects.toBeInstanceOf(PromptCancelledError);
    expect(tty.rawModes).toEqual([true, false]);
    expect(written).toEqual(['? ', '\n']);
  });

  it('Ctrl-D cancels on an empty line and submits otherwise; a closed input cancels', async () => {
    const first = setUp();
    const empty = first.ask('? ');
    first.tty.type('\u0004');
    await expect(empty).rejects.toBeInstanceOf(PromptCancelledError);

    const second = setUp();
    const typed = second.ask('? ');
    second.tty.type('abc\u0004');
    await expect(typed).resolves.toBe('abc');

    const third = setUp();
    const closed = third.ask('? ');
    third.tty.emit('end');
    await expect(closed).rejects.toBeInstanceOf(PromptCancelledError);
  });
});
