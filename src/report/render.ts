import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { ESCAPE_HELPER, registerHelpers } from './helpers.js';

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
 * Rewrites every escaped mustache `{{x}}` into `{{{escapeMarkdown x}}}`, so each value a template prints is
 * Markdown-escaped by default, in built-in and user templates alike. (Handlebars' own escaping is for HTML and
 * would leave Markdown open; its escape function is shared by every Handlebars instance, so it cannot be replaced
 * for us alone.) Triple-stash `{{{x}}}` stays raw, for helpers that return SafeStrings.
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

/**
 * Creates a renderer with its own Handlebars instance (helpers do not leak into other users of Handlebars).
 * Templates are read and compiled on first use and cached for the life of the renderer.
 */
export function createRenderer(options: RendererOptions = {}): Renderer {
  const builtinDir = options.builtinDir ?? builtinTemplatesDir();
  const overrideDir = options.overrideDir ?? null;
  const hb = Handlebars.create();
  registerHelpers(hb);
  const cache = new Map<string, Handlebars.TemplateDelegate>();

  const resolve = (name: string): string | null => {
    if (!TEMPLATE_NAME.test(name) || name.includes('..')) return null;
    for (const dir of overrideDir ? [overrideDir, builtinDir] : [builtinDir]) {
      const file = join(dir, `${name}.hbs`);
      if (existsSync(file)) return file;
    }
    return null;
  };

  const compile = (name: string): Handlebars.TemplateDelegate => {
    const file = resolve(name);
    if (!file) throw new Error(`no template named ${JSON.stringify(name)} (looked for ${name}.hbs)`);
    const ast = hb.parse(readFileSync(file, 'utf8'), { srcName: file });
    escapeMustaches(ast, hb);
    return hb.compile(ast, { strict: false, preventIndent: true });
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
