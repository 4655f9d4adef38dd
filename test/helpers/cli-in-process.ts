import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/output.js';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The CLI in-process, with buffers for stdout/stderr (the e2e tests spawn the built binary instead). The logs are in
 * the text format unless `env` sets DTHOSTMON_LOG_FORMAT (the buffers are not a terminal).
 */
export async function cli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; tty?: boolean } = {}): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t), isTTY: options.tty ?? false },
    stderr: { write: (t: string) => (stderr += t), isTTY: options.tty ?? false },
    env: { NO_COLOR: '1', DTHOSTMON_LOG_FORMAT: 'text', ...options.env },
    cwd: options.cwd ?? process.cwd(),
  };
  const code = await main(['node', 'dthostmon', ...args], io);
  return { code, stdout, stderr };
}
