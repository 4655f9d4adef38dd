/**
 * Typed errors that carry an exit code. Only src/cli/main.ts turns them into a process exit status.
 *
 * Exit codes (documented in README.md):
 *   0 pass complete, 1 pass complete but some host failed, 2 config or usage error,
 *   3 store unavailable, 4 another pass is running.
 */
export const EXIT = {
  ok: 0,
  hostFailed: 1,
  usage: 2,
  store: 3,
  locked: 4,
} as const;

export class DthostmonError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** One located config problem: `file:line:col path.to.key: message`. */
export interface ConfigProblem {
  file: string;
  line?: number;
  col?: number;
  path: string;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.col ?? 1}` : p.file;
  return p.path ? `${where} ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/** A config that cannot be used. Carries every problem found, not just the first. */
export class ConfigError extends DthostmonError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[] | string) {
    const list = typeof problems === 'string' ? [{ file: '', path: '', message: problems }] : problems;
    super(list.map((p) => (p.file ? formatProblem(p) : p.message)).join('\n'), EXIT.usage);
    this.problems = list;
  }
}

/** A bad CLI flag or argument. */
export class UsageError extends DthostmonError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** The database cannot be opened, migrated or written. */
export class StoreError extends DthostmonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.store, options);
  }
}

/** Another pass holds the pass lock. */
export class LockedError extends DthostmonError {
  constructor(message: string) {
    super(message, EXIT.locked);
  }
}

/**
 * Message of any thrown value, without a stack. Duck-typed: errors from native modules or another realm (jest's VM
 * context) are not `instanceof Error` but still carry a message.
 */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  return String(err);
}
