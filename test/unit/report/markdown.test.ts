import { codeBlock, codeSpan, escapeMarkdown, toSingleLine } from '../../../src/report/markdown.js';

describe('escapeMarkdown', () => {
  it.each([
    ['web-01.example.net', 'web-01.example.net'],
    ['10.0.0.5', '10.0.0.5'],
    ['6.1.0-27-amd64', '6.1.0-27-amd64'],
    ['web_01', 'web_01'],
    ['_emph_', '\\_emph\\_'],
    ['**bold** *it*', '\\*\\*bold\\*\\* \\*it\\*'],
    ['[click](http://evil)', '\\[click\\](http://evil)'],
    ['<script>alert(1)</script>', '\\<script\\>alert(1)\\</script\\>'],
    ['&lt;b&gt;', '\\&lt;b\\&gt;'],
    ['a | b', 'a \\| b'],
    ['`code`', '\\`code\\`'],
    ['~~strike~~', '\\~\\~strike\\~\\~'],
    ['back\\slash', 'back\\\\slash'],
    ['# heading', '\\# heading'],
    ['#hashtag', '#hashtag'],
    ['- item', '\\- item'],
    ['-25 points', '-25 points'],
    ['+ item', '\\+ item'],
    ['---', '\\---'],
    ['===', '\\==='],
    ['1. first', '1\\. first'],
    ['2) second', '2\\) second'],
    ['> quote', '\\> quote'],
    ['line one\nline two\r\n# three', 'line one line two  # three'],
    ['   indented code', 'indented code'],
  ])('%j -> %j', (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });
});

describe('codeSpan', () => {
  it('uses a delimiter longer than any backtick run inside', () => {
    expect(codeSpan('/var/log/auth.log')).toBe('`/var/log/auth.log`');
    expect(codeSpan('a `b` c')).toBe('``a `b` c``');
    expect(codeSpan('x ``` y')).toBe('````x ``` y````');
    expect(codeSpan('`edge`')).toBe('`` `edge` ``');
    expect(codeSpan('')).toBe('');
    expect(codeSpan('two\nlines')).toBe('`two lines`');
  });
});

describe('codeBlock', () => {
  it('fences lines so no content line can close the block', () => {
    expect(codeBlock(['plain <b>'])).toBe('```\nplain <b>\n```');
    const hostile = ['before', '```', '</code><script>alert(1)</script>', '````` five'];
    const block = codeBlock(hostile);
    expect(block.split('\n')[0]).toBe('``````');
    expect(block.split('\n').at(-1)).toBe('``````');
    expect(block.split('\n').slice(1, -1)).toEqual(hostile);
  });

  it('keeps each line on its own line', () => {
    expect(codeBlock(['a\nb'])).toBe('```\na b\n```');
    expect(toSingleLine('a\u2028b\u0007c')).toBe('a b c');
  });
});
