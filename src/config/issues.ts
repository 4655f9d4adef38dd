/** Turns zod issues into located `file:line:col path: message` problems. */
import type { z } from 'zod';
import type { ConfigProblem } from '../errors.js';
import { describeValue, formatPath, type PathSegment } from './config-path.js';
import { allowedKeysAt, closestKey } from './did-you-mean.js';
import type { Position, YamlTree } from './yaml-tree.js';

/** Where the config came from: display name of the file and its parsed tree. */
export interface ProblemSource {
  file: string;
  tree: YamlTree;
}

/** Builds one problem located at `position`. */
export function problemAt(source: ProblemSource, position: Position, path: readonly PathSegment[], message: string): ConfigProblem {
  return { file: source.file, line: position.line, col: position.col, path: formatPath(path), message };
}

const LIST_ALLOWED_UP_TO = 8;

/** Host defaults whose global level lives in another section, so each setting has one place. */
const GLOBAL_LEVEL_ELSEWHERE: Record<string, string> = {
  'global.key_path': 'ssh.key_path',
  'global.thresholds': 'the top-level thresholds section',
  'global.alert_recipients': 'email.alert_recipients',
};

function unknownKeyMessage(schema: unknown, parent: PathSegment[], key: string): string {
  const elsewhere = GLOBAL_LEVEL_ELSEWHERE[formatPath([...parent, key])];
  if (elsewhere) return `unknown key; the global ${key} is set as ${elsewhere}`;
  const allowed = allowedKeysAt(schema, parent);
  const suggestion = closestKey(key, allowed);
  if (suggestion) return `unknown key; did you mean "${suggestion}"?`;
  if (allowed.length > 0 && allowed.length <= LIST_ALLOWED_UP_TO) return `unknown key (allowed: ${allowed.join(', ')})`;
  return 'unknown key';
}

const SHAPE_WORDS: Record<string, string> = { object: 'a map', array: 'a list', record: 'a map' };

/** One zod issue -> one or more problems (an unrecognized_keys issue names several keys). */
function toProblems(issue: z.core.$ZodIssue, schema: unknown, source: ProblemSource): ConfigProblem[] {
  const path = issue.path.filter((s): s is PathSegment => typeof s === 'string' || typeof s === 'number');
  const { tree } = source;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const keyPath = [...path, key];
      return problemAt(source, tree.keyPosition(keyPath), keyPath, unknownKeyMessage(schema, path, key));
    });
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0]?.message ?? 'invalid key';
    return [problemAt(source, tree.keyPosition(path), path, inner)];
  }
  const input = (issue as { input?: unknown }).input;
  if (issue.code === 'invalid_type' && input === undefined) {
    if (tree.isWritten(path)) {
      return [problemAt(source, tree.keyPosition(path), path, 'is empty (after variable substitution) but a value is required')];
    }
    const key = path[path.length - 1];
    return [problemAt(source, tree.valuePosition(path.slice(0, -1)), path, `required key "${String(key)}" is missing`)];
  }
  let message = issue.message;
  if (issue.code === 'invalid_type' && message.startsWith('Invalid input')) {
    const shape = SHAPE_WORDS[issue.expected] ?? issue.expected;
    message = `expected ${shape}, got ${describeValue(input)}`;
  }
  return [problemAt(source, tree.valuePosition(path), path, message)];
}

/** All problems of a failed parse, in file order. */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], schema: unknown, source: ProblemSource): ConfigProblem[] {
  return issues.flatMap((issue) => toProblems(issue, schema, source));
}

/** Sorts problems by position and drops exact duplicates. */
export function sortProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const id = `${p.line}:${p.col}:${p.path}:${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return unique.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}
