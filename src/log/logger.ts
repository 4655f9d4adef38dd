/**
 * The structured logger (pino underneath). Every event has `time` (ISO 8601), `level`, `pid`, `hostname` (the machine
 * dthostmon runs on), `component`, `host` when it is about one monitored host, `msg`, and fields. Secrets never reach
 * the destination: the config's secret values are replaced in the message and in every string field, and fields named
 * like a secret (`password`, `token`, `authorization`, ...) are censored whatever their value.
 */
import { createRequire } from 'node:module';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import { MASK, redactText } from '../config/mask.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** Fields of one event; `component` and `host` by convention (see docs/logging.md). */
export type LogFields = Record<string, unknown>;
export type LogFormat = 'text' | 'json';

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose events also carry these fields (`{ component: 'schedule' }`, `{ host: 'web-01' }`). */
  child(bindings: LogFields): Logger;
  isLevelEnabled(level: LogLevel): boolean;
  /** Secret values to redact from now on, in this logger and every child (the config's, once it is loaded). */
  addSecrets(secrets: readonly string[]): void;
}

/** Field names censored wherever they appear, at the top level or one level down (pino `redact` paths). */
const SECRET_FIELDS = ['password', 'passphrase', 'secret', 'token', 'api_key', 'apiKey', 'authorization', 'cookie', 'user_key', 'private_key'];
const REDACT_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((name) => `*.${name}`), '*["x-api-key"]'];

const require = createRequire(import.meta.url);

/** pino, loaded on first use: a command that logs nothing (`config`, `--version`) does not pay for loading it. */
export function loadPino(): typeof import('pino') {
  return require('pino') as typeof import('pino');
}

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export interface CreateLoggerOptions {
  /** Where the JSON lines go (textStream turns them into the readable format). */
  destination: DestinationStream;
  level: LogLevel;
  /** Fields of every event (`{ component: 'run' }`). */
  bindings?: LogFields;
}

/** A logger writing JSON lines to `destination`; pino is created with the first event that passes the level. */
export function createLogger(options: CreateLoggerOptions): Logger {
  let base: PinoLogger | null = null;
  const root = (): PinoLogger =>
    (base ??= loadPino()(
      {
        level: options.level,
        timestamp: loadPino().stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        redact: { paths: REDACT_PATHS, censor: MASK },
      },
      options.destination,
    ));
  return wrap(root, options.bindings ?? {}, new Set<string>(), options.level);
}

/**
 * Children are made from the root with the merged bindings (not chained), so a child's `component` replaces its
 * parent's instead of appearing twice in the line.
 */
function wrap(root: () => PinoLogger, bindings: LogFields, secrets: Set<string>, minLevel: LogLevel): Logger {
  let logger: PinoLogger | null = null;
  const clean = <T>(value: T): T => (secrets.size === 0 ? value : (redactValue(value, [...secrets]) as T));
  const get = (): PinoLogger => (logger ??= Object.keys(bindings).length > 0 ? root().child(clean(bindings)) : root());
  const isLevelEnabled = (level: LogLevel): boolean => LEVEL_ORDER[level] >= LEVEL_ORDER[minLevel];
  const child = (more: LogFields): Logger => wrap(root, { ...bindings, ...more }, secrets, minLevel);
  const at =
    (level: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      if (!isLevelEnabled(level)) return;
      if (!fields) return void get()[level](clean(msg));
      // A field that names a binding (`component`) replaces it rather than repeating the key in the line.
      const rebound = Object.keys(fields).filter((key) => key in bindings);
      if (rebound.length === 0) return void get()[level](clean(fields), clean(msg));
      const rest = Object.fromEntries(Object.entries(fields).filter(([key]) => !rebound.includes(key)));
      child(Object.fromEntries(rebound.map((key) => [key, fields[key]])))[level](msg, rest);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child,
    isLevelEnabled,
    addSecrets: (values) => {
      for (const value of values) secrets.add(value);
    },
  };
}

/** Every string in `value` (deeply) with the secrets replaced by `********`. */
function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, redactValue(child, secrets)]));
  }
  return value;
}
