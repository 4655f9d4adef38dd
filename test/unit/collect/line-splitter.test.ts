import { LineSplitter } from '../../../src/collect/line-splitter.js';

function split(chunks: string[], options: { drops?: boolean; isFinal?: boolean; max?: number } = {}) {
  const lines: Array<[string, boolean]> = [];
  const s = new LineSplitter({
    dropsPartialFirstLine: options.drops ?? false,
    maxLineBytes: options.max ?? 8,
    onLine: (b, start, end, t) => lines.push([b.toString('utf8', start, end), t]),
  });
  for (const c of chunks) s.push(Buffer.from(c));
  s.end(options.isFinal ?? false);
  return { lines, consumed: s.consumedBytes };
}

describe('LineSplitter', () => {
  it('emits whole lines across chunks and leaves a half-written last line unconsumed', () => {
    expect(split(['ab', 'c\nde', 'f\ngh'])).toEqual({ lines: [['abc', false], ['def', false]], consumed: 8 });
  });

  it('emits the last line of a final (rotated) range even without a newline', () => {
    expect(split(['abc\ngh'], { isFinal: true })).toEqual({ lines: [['abc', false], ['gh', false]], consumed: 6 });
  });

  it('drops through the first newline when the range began mid-line, counting it as consumed', () => {
    expect(split(['tail of old\nnew\n'], { drops: true, max: 64 })).toEqual({ lines: [['new', false]], consumed: 16 });
    expect(split(['\nwhole\n'], { drops: true, max: 64 })).toEqual({ lines: [['whole', false]], consumed: 7 });
  });

  it('caps long lines and marks them, consuming the whole line', () => {
    expect(split(['0123456789ab\nok\n'])).toEqual({ lines: [['01234567', true], ['ok', false]], consumed: 16 });
  });

  it('consumes an unfinished line that is already over the cap, so a cursor cannot get stuck', () => {
    expect(split(['0123456789'])).toEqual({ lines: [['01234567', true]], consumed: 10 });
  });

  it('keeps empty lines', () => {
    expect(split(['\n\na\n'])).toEqual({ lines: [['', false], ['', false], ['a', false]], consumed: 4 });
  });
});
