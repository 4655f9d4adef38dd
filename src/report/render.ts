import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { ESCAPE_HELPER, formatOfTemplate, registerHelpers, type TemplateFormat } from './helpers.js';

/** Where the renderer looks for `<name>.hbs`. */
export interface RendererOptions {
  /** Built-in templates; `templates/` of the package by default. */
  builtinDir?: string;
  /** User templates (`global.templates_dir`); a file here replaces the built-in template of the same name. */
  overrideDir?: string | null;
}

export interface Renderer {
  /** Renders template `<name>.hbs` (e.g. `host-report.md`) with the model. Throws if no such template exists. */
  render(name: string, model: object): string;
  /** The file a template name resolves to, or null. */
  resolve(name: string): string | null;
  /**
   * Reads and compiles these templates now (they are cached), so a broken user template is found before a pass
   * starts instead of in the middle of it. Throws an Error naming the file and the problem.
   */
  prepare(names: readonly string[]): void;
}

/** `templates/` of the package: two levels up from both src/report and dist/report. */
export function builtinTemplatesDir(): string {
  return fileURLToPath(new URL('../../templates/', import.meta.url));
}

const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

type Env = typeof Handlebars;
type AstNode = { type?: string; [field: string]: unknown };

/**
 * Rewrites every escaped mustache `{{x}}` into `{{{escapeValue x}}}`, so each value a template prints is escaped for
 * the template's format (Markdown for `*.md`, HTML for `*.html`, kept on one line for `*.txt`), in built-in and user
 * templates alike. (Handlebars' own escaping is for HTML only; its escape function is shared by every Handlebars
 * instance, so it cannot be replaced per format.) Triple-stash `{{{x}}}` stays raw, for helpers that return
 * SafeStrings.
 */
function escapeMustaches(node: unknown, hb: Env): void {
  if (Array.isArray(node)) {
    for (const child of node) escapeMustaches(child, hb);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as AstNode;
  if (n.type === 'MustacheStatement' && n.escaped === true) {
    const statement = n as unknown as hbs.AST.MustacheStatement;
    const path = statement.path;
    const isHelperCall =
      statement.params.length > 0 ||
      statement.hash !== undefined ||
      (path.type === 'PathExpression' && (path as hbs.AST.PathExpression).original in hb.helpers);
    const value: hbs.AST.Expression = isHelperCall
      ? ({ type: 'SubExpression', path, params: statement.params, hash: statement.hash, loc: statement.loc } as hbs.AST.SubExpression)
      : path;
    statement.path = {
      type: 'PathExpression',
      data: false,
      depth: 0,
      parts: [ESCAPE_HELPER],
      original: ESCAPE_HELPER,
      loc: statement.loc,
    } as hbs.AST.PathExpression;
    statement.params = [value];
    (statement as { hash?: hbs.AST.Hash }).hash = undefined;
    statement.escaped = false;
    return;
  }
  for (const [key, child] of Object.entries(n)) {
    if (key !== 'loc') escapeMustaches(child, hb);
  }
}

/** `_<name>.hbs` files are partials named `<name>` (`_email-layout.html.hbs` -> `{{> email-layout.html}}`). */
const PARTIAL_FILE = /^_([A-Za-z0-9][A-Za-z0-9._-]*)\.hbs$/;

/**
 * Creates a renderer with its own Handlebars instances, one per output format (helpers do not leak into other users
 * of Handlebars, and each format escapes values its own way). Templates are read and compiled on first use and
 * cached for the life of the renderer. Partials are the `_<name>.hbs` files of both directories (a user file wins).
 */
export function createRenderer(options: RendererOptions = {}): Renderer {
  const builtinDir = options.builtinDir ?? builtinTemplatesDir();
  const overrideDir = options.overrideDir ?? null;
  const dirs = overrideDir ? [overrideDir, builtinDir] : [builtinDir];
  const envs = new Map<TemplateFormat, Env>();
  const cache = new Map<string, Handlebars.TemplateDelegate>();

  const resolve = (name: string): string | null => {
    if (!TEMPLATE_NAME.test(name) || name.includes('..')) return null;
    for (const dir of dirs) {
      const file = join(dir, `${name}.hbs`);
      if (existsSync(file)) return file;
    }
    return null;
  };

  const parse = (hb: Env, file: string): hbs.AST.Program => {
    const ast = hb.parse(readFileSync(file, 'utf8'), { srcName: file });
    escapeMustaches(ast, hb);
    return ast;
  };

  /** The Handlebars instance of a format, with its helpers and the partials of that format. */
  const envOf = (format: TemplateFormat): Env => {
    let hb = envs.get(format);
    if (hb) return hb;
    hb = Handlebars.create();
    registerHelpers(hb, format);
    const partials = new Map<string, string>();
    for (const dir of [...dirs].reverse()) {
      let files: string[] = [];
      try {
        files = readdirSync(dir);
      } catch {
        continue; // a missing override directory has no partials
      }
      for (const file of files) {
        const match = PARTIAL_FILE.exec(file);
        if (match && formatOfTemplate(match[1] as string) === format) partials.set(match[1] as string, join(dir, file));
      }
    }
    for (const [name, file] of partials) {
      try {
        hb.registerPartial(name, hb.compile(parse(hb, file), { strict: false, preventIndent: true }));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new Error(`template ${file}: ${message.split('\n')[0]}`);
      }
    }
    envs.set(format, hb);
    return hb;
  };

  const compile = (name: string): Handlebars.TemplateDelegate => {
    const file = resolve(name);
    if (!file) throw new Error(`no template named ${JSON.stringify(name)} (looked for ${name}.hbs)`);
    const hb = envOf(formatOfTemplate(name));
    return hb.compile(parse(hb, file), { strict: false, preventIndent: true });
  };
  const get = (name: string): Handlebars.TemplateDelegate => {
    let template = cache.get(name);
    if (!template) {
      template = compile(name);
      cache.set(name, template);
    }
    return template;
  };

  return {
    resolve,
    prepare(names) {
      for (const name of names) {
        try {
          get(name); // parses the file: syntax errors (an unclosed block) surface here
        } catch (err) {
          const file = resolve(name) ?? `${name}.hbs`;
          const message = err instanceof Error ? err.message : String(err);
          throw new Error(`template ${file}: ${message.split('\n')[0]}`);
        }
      }
    },
    render(name, model) {
      return get(name)(model);
    },
  };
}
