import { parseLoadavg } from '../../../src/collect/parsers/loadavg.js';
import { fixture } from './fixture.js';

describe('parseLoadavg', () => {
  it('reads the three load averages', () => {
    expect(parseLoadavg(fixture('loadavg', 'normal'))).toEqual({ value: { one: 3.26, five: 1.8, fifteen: 0.89 }, problems: [] });
  });

  it('returns null with a note on garbage', () => {
    const r = parseLoadavg(fixture('loadavg', 'garbage'));
    expect(r.value).toBeNull();
    expect(r.problems).toEqual(['loadavg: cannot read "3.26 oops"']);
  });
});
