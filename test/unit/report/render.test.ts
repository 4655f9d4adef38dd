import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinTemplatesDir, createRenderer } from '../../../src/report/render.js';

describe('createRenderer', () => {
  let builtinDir: string;
  let overrideDir: string;

  beforeAll(async () => {
    builtinDir = await mkdtemp(join(tmpdir(), 'dthm-builtin-'));
    overrideDir = await mkdtemp(join(tmpdir(), 'dthm-override-'));
    await writeFile(join(builtinDir, 'greeting.md.hbs'), 'Built-in hello {{name}}\n');
    await writeFile(join(builtinDir, 'only-builtin.md.hbs'), 'Only built-in {{name}}\n');
    await writeFile(join(overrideDir, 'greeting.md.hbs'), 'Custom hello {{name}}\n');
    await writeFile(join(builtinDir, 'page.html.hbs'), '<p>{{text}}</p>{{code text}}{{codeBlock lines}}{{> frame.html}}');
    await writeFile(join(builtinDir, '_frame.html.hbs'), '<i>built-in frame {{text}}</i>');
    await writeFile(join(overrideDir, '_frame.html.hbs'), '<i>user frame {{text}}</i>');
    await writeFile(join(builtinDir, 'page.txt.hbs'), 'value: {{text}}\n{{codeBlock lines}}\n');
    await writeFile(join(builtinDir, 'broken.html.hbs'), '{{#if x}}never closed');
    await writeFile(
      join(builtinDir, 'values.md.hbs'),
      [
        'plain: {{text}}',
        'helper: {{join list " & "}}',
        'sub: {{#each list}}[{{this}}]{{/each}}',
        'raw: {{{text}}}',
        'code: {{code text}}',
        'bytes: {{bytes size}} pct: {{percent pct}} dur: {{duration secs}} chg: {{signed chg}}',
        'has: {{#if (has zero)}}yes{{/if}} eq: {{#if (eq a "x")}}yes{{/if}} gt: {{#if (gt n 1)}}yes{{/if}} inc: {{inc 0}}',
        'lines:',
        '{{codeBlock lines}}',
        'one: {{codeBlock single}}',
        'missing: [{{nothing}}] [{{code nothing}}] [{{codeBlock nothing}}]',
        '{{#*inline "p"}}partial {{text}}{{/inline}}{{> p}}',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await rm(builtinDir, { recursive: true, force: true });
    await rm(overrideDir, { recursive: true, force: true });
  });

  it('lets a user template override the built-in one of the same name, and falls back otherwise', () => {
    const renderer = createRenderer({ builtinDir, overrideDir });
    expect(renderer.render('greeting.md', { name: 'ops' })).toBe('Custom hello ops\n');
    expect(renderer.render('only-builtin.md', { name: 'ops' })).toBe('Only built-in ops\n');
    expect(renderer.resolve('greeting.md')).toBe(join(overrideDir, 'greeting.md.hbs'));
    const plain = createRenderer({ builtinDir, overrideDir: null });
    expect(plain.render('greeting.md', { name: 'ops' })).toBe('Built-in hello ops\n');
  });

  it('HTML-escapes every {{value}} of an .html template, user partials winning; .txt keeps values on their line', () => {
    const renderer = createRenderer({ builtinDir, overrideDir });
    const html = renderer.render('page.html', { text: '<script>alert("x")</script>\nnext', lines: ['a <b>', '`c`'] });
    expect(html).toContain('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; next</p>');
    expect(html).toMatch(/<code style="[^"]+">&lt;script&gt;/);
    expect(html).toMatch(/<pre style="[^"]+">a &lt;b&gt;\n&#96;c&#96;<\/pre>/);
    expect(html).toContain('<i>user frame &lt;script&gt;');
    expect(html).not.toContain('<script>');
    const text = renderer.render('page.txt', { text: '# not a heading\r\nforged line', lines: ['one', 'two\nthree'] });
    expect(text).toBe('value: # not a heading  forged line\n    one\n    two three\n');
    expect(() => renderer.prepare(['broken.html'])).toThrow(/broken\.html\.hbs/);
  });

  it('Markdown-escapes every {{value}}, helpers and partials included; triple braces stay raw', () => {
    const renderer = createRenderer({ builtinDir });
    const out = renderer.render('values.md', {
      text: '<b>*x*</b>',
      list: ['a_', '<i>'],
      size: 2048,
      pct: 61,
      secs: 90,
      chg: -3,
      zero: 0,
      a: 'x',
      n: 2,
      lines: ['```', '<script>'],
      single: 'just one',
    });
    expect(out.split('\n')).toEqual([
      'plain: \\<b\\>\\*x\\*\\</b\\>',
      'helper: a\\_ \\& \\<i\\>',
      'sub: [a\\_][\\<i\\>]',
      'raw: <b>*x*</b>',
      'code: `<b>*x*</b>`',
      'bytes: 2.0 KiB pct: 61.0% dur: 1m chg: -3',
      'has: yes eq: yes gt: yes inc: 1',
      'lines:',
      '````',
      '```',
      '<script>',
      '````',
      'one: ```',
      'just one',
      '```',
      'missing: [] [] [```',
      '```]',
      'partial \\<b\\>\\*x\\*\\</b\\>',
      '',
    ]);
  });

  it('escapes values in user override templates too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dthm-user-'));
    try {
      await writeFile(join(dir, 'greeting.md.hbs'), '# {{name}}\n');
      const out = createRenderer({ builtinDir, overrideDir: dir }).render('greeting.md', { name: '[x](javascript:alert(1))' });
      expect(out).toBe('# \\[x\\](javascript:alert(1))\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses unknown and path-like template names', () => {
    const renderer = createRenderer({ builtinDir, overrideDir });
    expect(() => renderer.render('nope.md', {})).toThrow('no template named "nope.md"');
    expect(renderer.resolve('../greeting.md')).toBeNull();
    expect(renderer.resolve('a/b')).toBeNull();
    expect(renderer.resolve('..hidden')).toBeNull();
  });

  it('compiles a template once per renderer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dthm-cache-'));
    try {
      await writeFile(join(dir, 't.md.hbs'), 'one\n');
      const renderer = createRenderer({ builtinDir: dir });
      expect(renderer.render('t.md', {})).toBe('one\n');
      await writeFile(join(dir, 't.md.hbs'), 'two\n');
      expect(renderer.render('t.md', {})).toBe('one\n');
      expect(createRenderer({ builtinDir: dir }).render('t.md', {})).toBe('two\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finds the built-in templates relative to the module', () => {
    expect(existsSync(join(builtinTemplatesDir(), 'host-report.md.hbs'))).toBe(true);
    expect(createRenderer().resolve('host-report.md')).toBe(join(builtinTemplatesDir(), 'host-report.md.hbs'));
  });
});
