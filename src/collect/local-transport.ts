import { execa } from 'execa';
import type { ExecOptions, ExecResult, Transport } from '../types.js';
import { CappedBuffer, MAX_BUFFERED_STDOUT_BYTES, MAX_STDERR_BYTES } from './capped-buffer.js';

/**
 * The transport for `transport: local`: runs commands on this machine with `sh -c` (execa). Each command gets its
 * own process group, so a timeout, an abort or `close()` kills the whole pipeline (`tail | head`, `sleep`), not
 * just the shell, and no grandchild keeps the output open.
 */
export function createLocalTransport(): Transport {
  const running = new Set<() => void>();
  let isClosed = false;
  return {
    description: 'local',
    async exec(command: string, options: ExecOptions): Promise<ExecResult> {
      if (isClosed) throw new Error('local: transport is closed');
      return runLocal(command, options, running);
    },
    async close(): Promise<void> {
      isClosed = true;
      for (const kill of running) kill();
      running.clear();
    },
  };
}

async function runLocal(command: string, options: ExecOptions, running: Set<() => void>): Promise<ExecResult> {
  const stdout = new CappedBuffer(MAX_BUFFERED_STDOUT_BYTES);
  const stderr = new CappedBuffer(MAX_STDERR_BYTES);
  if (options.signal?.aborted) return { code: null, stdout: '', stderr: 'aborted', timedOut: false };
  const child = execa('sh', ['-c', command], {
    ...(options.stdin === undefined ? { stdin: 'ignore' as const } : typeof options.stdin === 'string' ? { input: options.stdin } : { stdin: 'pipe' as const }),
    buffer: false,
    reject: false,
    detached: true,
    encoding: 'buffer',
    stripFinalNewline: false,
  });
  let timedOut = false;
  const kill = (): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, options.timeoutMs);
  options.signal?.addEventListener('abort', kill, { once: true });
  running.add(kill);
  const { stdin } = options;
  if (stdin !== undefined && typeof stdin !== 'string' && child.stdin) {
    const pipe = child.stdin;
    // The command may exit before reading everything: a write to its closed stdin is not our failure.
    pipe.on('error', () => undefined);
    void (async () => {
      try {
        for await (const part of stdin) {
          if (pipe.destroyed) return;
          pipe.write(part);
        }
      } catch {
        // A failing producer ends the conversation: stdin is closed below.
      }
      pipe.end();
    })();
  }
  child.stdout?.on('data', (chunk: Buffer) => (options.onStdout ? options.onStdout(chunk) : stdout.push(chunk)));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  try {
    const result = await child;
    const code = timedOut || typeof result.exitCode !== 'number' ? null : result.exitCode;
    return { code, stdout: options.onStdout ? '' : stdout.text(), stderr: stderr.text(), timedOut };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', kill);
    running.delete(kill);
  }
}
