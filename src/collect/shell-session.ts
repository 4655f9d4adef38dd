import { randomBytes } from 'node:crypto';
import type { Transport } from '../types.js';
import { formatSeconds } from './format-seconds.js';
import { runScript } from './run-script.js';

/** What became of one script sent to the session. */
export interface StepResult {
  /** The script ran to its end (its end marker arrived). */
  isComplete: boolean;
  /** Its stdout, when no `onStdout` was given for it. */
  text: string;
  /** One line saying why it did not complete; null when it did. */
  failure: string | null;
}

/** Sends one script to the session's shell and waits for its end; `onStdout` streams its output instead of keeping it. */
export type SendStep = (script: string, onStdout?: (chunk: Buffer) => void) => Promise<StepResult>;

export interface ShellSessionOptions {
  /** Timeout of each script (step), not of the whole session. */
  stepTimeoutMs: number;
  signal: AbortSignal;
  /** `sudo -n sh -s` instead of `sh -s` (see sudo.ts). */
  sudo?: boolean;
  /** The account, named in a sudo refusal. */
  user?: string;
}

/** What is left after the dialogue: a failure of the shell that no step reported (null when none). */
export interface SessionOutcome {
  failure: string | null;
}

/**
 * Runs ONE remote `sh -s` (one exec call, one login of the remote shell) and holds a conversation with it: `dialogue`
 * sends scripts one after the other with `send`, each decided on what the previous ones printed (the probe, then the
 * read of the byte ranges planned from it). stdin stays open between scripts; the shell keeps its functions and
 * variables from one to the next. Each script ends by printing a marker with a per-session random token, so its
 * output is known to be complete (no file content can forge it); its output streams on without being held, except
 * the marker's length. Each step has its own timeout; a timeout or the pass deadline ends the whole session.
 * Never throws: failures come back in StepResult / SessionOutcome.
 */
export async function runShellSession(
  transport: Transport,
  options: ShellSessionOptions,
  dialogue: (send: SendStep) => Promise<void>,
): Promise<SessionOutcome> {
  const token = `@@dthm-step-${randomBytes(12).toString('hex')}`;
  const input = new InputQueue();
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  let step: ActiveStep | null = null;
  let stepCount = 0;
  let ended: string | null | undefined;
  let timedOutStep: string | null = null;
  let isReported = false;

  const onStdout = (chunk: Buffer): void => {
    if (step) step.push(chunk);
  };
  const exec = runScript(transport, input, {
    // Each step keeps its own timer; this only stops a shell that outlives every step.
    timeoutMs: options.stepTimeoutMs * 4,
    signal,
    onStdout,
    ...(options.sudo ? { sudo: true } : {}),
    ...(options.user ? { user: options.user } : {}),
  }).then((run) => {
    ended = timedOutStep ?? run.failure;
    if (step) {
      step.fail(ended ?? 'the shell ended before the script finished');
      isReported = true;
    }
    return run;
  });

  const send: SendStep = (script, stepStdout) => {
    if (ended !== undefined) return Promise.resolve({ isComplete: false, text: '', failure: ended ?? 'the shell has ended' });
    const n = stepCount++;
    return new Promise<StepResult>((resolve) => {
      const timer = setTimeout(() => {
        timedOutStep = `timed out after ${formatSeconds(options.stepTimeoutMs)}`;
        active.fail(timedOutStep);
        isReported = true;
        stop.abort();
      }, options.stepTimeoutMs);
      const active = new ActiveStep(Buffer.from(`\n${token} done ${n}\n`), stepStdout, (result) => {
        clearTimeout(timer);
        if (step === active) step = null;
        resolve(result);
      });
      step = active;
      input.push(`${script}\nprintf '\\n%s done %s\\n' '${token}' ${n}\n`);
    });
  };

  try {
    await dialogue(send);
  } finally {
    input.close();
  }
  const run = await exec;
  // The shell's failure, unless a step already reported it.
  return { failure: isReported ? null : run.failure };
}

/** One script in flight: finds its end marker in the output and passes everything before it on. */
class ActiveStep {
  private held: Buffer = Buffer.alloc(0);
  private readonly chunks: Buffer[] = [];
  private isSettled = false;

  constructor(
    private readonly marker: Buffer,
    private readonly onStdout: ((chunk: Buffer) => void) | undefined,
    private readonly settle: (result: StepResult) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.isSettled) return;
    const buf = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    const at = buf.indexOf(this.marker);
    if (at >= 0) {
      this.deliver(buf.subarray(0, at));
      this.done({ isComplete: true, failure: null });
      return;
    }
    // Everything but what could be the start of the marker goes on at once.
    const keep = Math.min(buf.length, this.marker.length - 1);
    this.deliver(buf.subarray(0, buf.length - keep));
    this.held = Buffer.from(buf.subarray(buf.length - keep));
  }

  fail(failure: string): void {
    if (this.isSettled) return;
    // What arrived is passed on: a reader decides for itself what a cut-off stream is worth.
    this.deliver(this.held);
    this.held = Buffer.alloc(0);
    this.done({ isComplete: false, failure });
  }

  private deliver(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.onStdout) this.onStdout(bytes);
    else this.chunks.push(bytes);
  }

  private done(result: Omit<StepResult, 'text'>): void {
    this.isSettled = true;
    this.settle({ ...result, text: this.onStdout ? '' : Buffer.concat(this.chunks).toString('utf8') });
  }
}

/** The scripts for the shell's stdin, handed out as they are sent; ends when closed. */
class InputQueue implements AsyncIterable<string> {
  private readonly parts: string[] = [];
  private isClosed = false;
  private wake: (() => void) | null = null;

  push(part: string): void {
    this.parts.push(part);
    this.wake?.();
  }

  close(): void {
    this.isClosed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (;;) {
      const part = this.parts.shift();
      if (part !== undefined) {
        yield part;
        continue;
      }
      if (this.isClosed) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
  }
}
