/**
 * `${VAR}` expansion at sync time, per parsed value (never on the raw file text: the original substituted the text,
 * comments included, and a value with YAML syntax could break the file: GAP-S7).
 *
 * - `${{VAR}}` is always written as `${VAR}`: dthostmon resolves it when it runs (the original expanded it anyway
 *   when VAR happened to be set during sync).
 * - `${VAR}` takes VAR from the folder variables (host `.env.<host>`, site `.env.<site>`, `.env.s00-shared`, then the
 *   environment of the sync). An unset one is written as `${VAR}` for run time and reported.
 * - `${VAR:-default}` with VAR set is expanded; with VAR unset it is kept for run time, where the default applies.
 * - `$${...}` is the loader's escape for a literal `${...}`: kept as written.
 */
import { VARIABLE_NAME, closingBrace } from '../config/env.js';

export type Variables = Readonly<Record<string, string | undefined>>;

export interface Expansion {
  value: string;
  /** `${VAR}` references whose VAR is unset: written as `${VAR}`, resolved (or refused) at run time. */
  unresolved: string[];
  /** `${{VAR}}` references written as `${VAR}` on purpose. */
  deferred: string[];
  /** The first malformed reference (`${a b}`, an unclosed `${`), kept as written; or null. */
  malformed: string | null;
}

/** Expands one text value (see the module comment). */
export function expandText(text: string, vars: Variables): Expansion {
  const unresolved: string[] = [];
  const deferred: string[] = [];
  let malformed: string | null = null;
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      const end = closingBrace(text, i + 3);
      const stop = end < 0 ? text.length : end + 1;
      out += text.slice(i, stop);
      i = stop;
      continue;
    }
    if (text.startsWith('${{', i)) {
      const end = text.indexOf('}}', i + 3);
      const name = end < 0 ? '' : text.slice(i + 3, end);
      if (VARIABLE_NAME.test(name)) {
        deferred.push(name);
        out += `\${${name}}`;
        i = end + 2;
        continue;
      }
    }
    if (!text.startsWith('${', i)) {
      out += text[i];
      i += 1;
      continue;
    }
    const end = closingBrace(text, i + 2);
    if (end < 0) {
      malformed ??= `unterminated variable reference "${text.slice(i, i + 40)}"`;
      out += text.slice(i);
      break;
    }
    const body = text.slice(i + 2, end);
    const sep = body.indexOf(':-');
    const name = sep >= 0 ? body.slice(0, sep) : body;
    const value = vars[name];
    if (!VARIABLE_NAME.test(name)) {
      malformed ??= `malformed variable reference "\${${body}}" (expected \${NAME}, \${NAME:-default} or \${{NAME}})`;
      out += text.slice(i, end + 1);
    } else if (value !== undefined && (sep < 0 || value !== '')) {
      out += value;
    } else {
      if (sep < 0) unresolved.push(name);
      out += text.slice(i, end + 1);
    }
    i = end + 1;
  }
  return { value: out, unresolved, deferred, malformed };
}
