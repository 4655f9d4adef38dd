import { errorMessage } from '../errors.js';
import type { Transport } from '../types.js';
import { formatSeconds } from './format-seconds.js';
import { describeSudoFailure, scriptCommand } from './sudo.js';

export interface ScriptRun {
  stdout: string;
  /** One line saying why the script did not complete, or null when it did. */
  failure: string | null;
}

export interface RunScriptOptions {
  timeoutMs: number;
  signal: AbortSignal;
  onStdout?: (chunk: Buffer) => void;
  /** Run the script as root with `sudo -n sh -s` (the host's `sudo` setting); a refusal is one clear failure line. */
  sudo?: boolean;
  /** The account the script runs as, named in a sudo refusal. */
  user?: string;
}

/**
 * Runs a generated script with `sh -s`, or `sudo -n sh -s` (the script on stdin, so the remote login shell does not
 * matter and no argument length limit applies). Never throws: a timeout, an abort, a lost connection, a bad exit
 * status or sudo refusing comes back as `failure`, with whatever stdout arrived.
 */
export async function runScript(transport: Transport, script: string | AsyncIterable<string>, options: RunScriptOptions): Promise<ScriptRun> {
  if (options.signal.aborted) return { stdout: '', failure: 'aborted before it started' };
  const { onStdout } = options;
  // Streamed output never reaches r.stdout; whether any came tells a script failure from sudo refusing to start sh.
  let sawStdout = false;
  try {
    const r = await transport.exec(scriptCommand(options.sudo === true), {
      stdin: script,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      ...(onStdout
        ? {
            onStdout: (chunk: Buffer) => {
              sawStdout ||= chunk.length > 0;
              onStdout(chunk);
            },
          }
        : {}),
    });
    const why = firstLine(r.stderr);
    if (r.timedOut) return { stdout: r.stdout, failure: `timed out after ${formatSeconds(options.timeoutMs)}` };
    if (r.code === null && options.signal.aborted) return { stdout: r.stdout, failure: 'aborted (pass deadline)' };
    if (r.connectionLost !== undefined) return { stdout: r.stdout, failure: `connection lost${r.connectionLost ? `: ${r.connectionLost}` : ''}` };
    if (r.code === null) return { stdout: r.stdout, failure: `ended without an exit status${why ? `: ${why}` : ''}` };
    if (r.code !== 0) {
      const refused = options.sudo ? describeSudoFailure({ code: r.code, stderr: r.stderr, sawStdout: sawStdout || r.stdout !== '' }, options.user) : null;
      return { stdout: r.stdout, failure: refused ?? `exit status ${r.code}${why ? `: ${why}` : ''}` };
    }
    return { stdout: r.stdout, failure: null };
  } catch (err) {
    return { stdout: '', failure: firstLine(errorMessage(err)) || 'failed' };
  }
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 300);
}
