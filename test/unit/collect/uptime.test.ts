import { parseUptime } from '../../../src/collect/parsers/uptime.js';
import { fixture } from './fixture.js';

describe('parseUptime', () => {
  it('reads seconds since boot', () => {
    expect(parseUptime(fixture('uptime', 'normal'))).toEqual({ value: 1203.5, problems: [] });
  });

  it('returns null with a note on garbage', () => {
    expect(parseUptime(fixture('uptime', 'garbage'))).toEqual({ value: null, problems: ['uptime: cannot read "not a number"'] });
    expect(parseUptime('').value).toBeNull();
  });
});
