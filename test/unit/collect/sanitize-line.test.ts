import { sanitizeLine, TRUNCATED_MARK } from '../../../src/collect/sanitize-line.js';

describe('sanitizeLine', () => {
  it('replaces invalid UTF-8 and keeps valid multi-byte text', () => {
    expect(sanitizeLine(Buffer.from([0x61, 0xff, 0x62, 0xc3]), false)).toBe('a\ufffdb\ufffd');
    expect(sanitizeLine(Buffer.from('ünïcødé ✓'), false)).toBe('ünïcødé ✓');
  });

  it('strips ANSI escapes and control characters but keeps tabs', () => {
    const raw = '\x1b[1;31mred\x1b[0m\ttab\x00nul\x07bell\r\x1b]0;title\x07end\x7f\u009b';
    expect(sanitizeLine(Buffer.from(raw), false)).toBe('red\ttabnulbellend');
  });

  it('marks a cut line', () => {
    expect(sanitizeLine(Buffer.from('abc'), true)).toBe(`abc${TRUNCATED_MARK}`);
  });
});
