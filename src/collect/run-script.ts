import { errorMessage } from '../errors.js';
import type { Transport } from '../types.js';
import { formatSeconds } from './format-seconds.js';

export interface ScriptRun {
  stdout: string;
  /** One line saying why the script did not complete, or null when it did. */
  failure: string | null;
}

/**
 * Runs a generated script with `sh -s` (the script on stdin, so the remote login shell does not matter and no
 * argument length limit applies). Never throws: a timeout, an abort, a lost connection or a bad exit status comes
 * back as `failure`, with whatever stdout arrived.
 */
export async function runScript(
  transport: Transport,
  script: string,
  options: { timeoutMs: number; signal: AbortSignal; onStdout?: (chunk: Buffer) => void },
): Promise<ScriptRun> {
  if (options.signal.aborted) return { stdout: '', failure: 'aborted before it started' };
  try {
    const r = await transport.exec('sh -s', {
      stdin: script,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      ...(options.onStdout ? { onStdout: options.onStdout } : {}),
    });
    const why = firstLine(r.stderr);
    if (r.timedOut) return { stdout: r.stdout, failure: `timed out after ${formatSeconds(options.timeoutMs)}` };
    if (r.code === null) return { stdout: r.stdout, failure: options.signal.aborted ? 'aborted (pass deadline)' : `ended without an exit status${why ? `: ${why}` : ''}` };
    if (r.code !== 0) return { stdout: r.stdout, failure: `exit status ${r.code}${why ? `: ${why}` : ''}` };
    return { stdout: r.stdout, failure: null };
  } catch (err) {
    return { stdout: '', failure: firstLine(errorMessage(err)) || 'failed' };
  }
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 300);
}
