import { parseProbeOutput } from '../../../src/collect/parse-probe-output.js';

const M = '@@dthm-abc';

describe('parseProbeOutput', () => {
  it('splits sections with their stdout, stderr and status', () => {
    const out = [`${M} out a`, 'one', 'two', '', `${M} end a 0`, `${M} out b`, '', `${M} end b 1`, 'cat: x: No such file', `${M} out c`, 'no newline', `${M} end c 0`, ''].join('\n');
    const sections = parseProbeOutput(out, 'abc');
    expect(sections.get('a')).toEqual({ stdout: 'one\ntwo\n', stderr: '', code: 0 });
    expect(sections.get('b')).toEqual({ stdout: '', stderr: 'cat: x: No such file', code: 1 });
    expect(sections.get('c')).toEqual({ stdout: 'no newline', stderr: '', code: 0 });
  });

  it('keeps a section cut off by a timeout with code null, and ignores forged markers of another token', () => {
    const out = [`${M} out a`, '@@dthm-other end a 0', 'partial'].join('\n');
    expect(parseProbeOutput(out, 'abc').get('a')).toEqual({ stdout: '@@dthm-other end a 0\npartial', stderr: '', code: null });
  });
});
