import type { SourceFilter } from './types.js';

/** A rule's {@link SourceFilter}, compiled once per rule set. */
export interface CompiledFilter {
  /** Lower-cased program names; null when the rule takes any program (`*`), and lines without one. */
  programs: ReadonlySet<string> | null;
  /** One anchored expression per filter kind, or null when the rule does not filter on it. */
  files: RegExp | null;
  units: RegExp | null;
  containers: RegExp | null;
}

/** Rotated siblings whose remainder the collector reads under their own name (`auth.log.1`, `auth.log-20261125`). */
const ROTATED_SUFFIX = '(?:\\.\\d+|-\\d{8,10})?';
const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/;

/**
 * A glob as a regular expression body: `*` and `?` stop at `/`, `**` crosses it, `[abc]` / `[!abc]` are classes;
 * everything else is literal.
 */
export function globToRegExpSource(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i += 1;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        const body = glob.slice(i + 1, end);
        const negated = body.startsWith('!') || body.startsWith('^');
        const members = (negated ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&');
        out += `[${negated ? '^' : ''}${members}]`;
        i = end;
      }
    } else out += REGEX_SPECIAL.test(c) ? `\\${c}` : c;
  }
  return out;
}

function anyOf(globs: readonly string[] | undefined, prefix: string, suffix: string, map: (glob: string) => string = (g) => g): RegExp | null {
  if (!globs || globs.length === 0) return null;
  return new RegExp(`^${prefix}(?:${globs.map((g) => globToRegExpSource(map(g))).join('|')})${suffix}$`);
}

/** systemd's own shorthand: a unit name without a type is a service. */
function unitName(glob: string): string {
  return glob.includes('.') ? glob : `${glob}.service`;
}

export function compileFilter(filter: SourceFilter): CompiledFilter {
  const programs = filter.programs.includes('*') ? null : new Set(filter.programs.map((p) => p.toLowerCase()));
  return {
    programs,
    files: anyOf(filter.files, '', ROTATED_SUFFIX),
    units: anyOf(filter.units, '', '', unitName),
    containers: anyOf(filter.containers, 'docker:', ''),
  };
}

/** Whether the filter restricts by source at all (files, units or containers). */
export function isSourceBound(filter: CompiledFilter): boolean {
  return filter.files !== null || filter.units !== null || filter.containers !== null;
}

/** The source part of a filter: no source filter, or one of its kinds names this source (file or container) or unit. */
export function acceptsSource(filter: CompiledFilter, source: string, unit: string | undefined): boolean {
  if (!isSourceBound(filter)) return true;
  if (filter.files?.test(source)) return true;
  if (filter.containers?.test(source)) return true;
  return unit !== undefined && filter.units !== null && filter.units.test(unit);
}

/** The program part of a filter (`program` lower-cased; null for a line without a syslog header). */
export function acceptsProgram(filter: CompiledFilter, program: string | null): boolean {
  if (filter.programs === null) return true;
  return program !== null && filter.programs.has(program);
}
