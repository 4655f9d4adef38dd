import { parseOsRelease } from '../../../src/collect/parsers/os-release.js';
import { fixture } from './fixture.js';

describe('parseOsRelease', () => {
  it('reads Debian 12', () => {
    expect(parseOsRelease(fixture('os-release', 'debian-12'))).toEqual({
      value: { id: 'debian', name: 'Debian GNU/Linux', version: '12 (bookworm)', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
      problems: [],
    });
  });

  it('reads Ubuntu and Alpine (unquoted values, VERSION_ID when VERSION is missing)', () => {
    expect(parseOsRelease(fixture('os-release', 'ubuntu-24.04')).value).toEqual({
      id: 'ubuntu',
      name: 'Ubuntu',
      version: '24.04.1 LTS (Noble Numbat)',
      prettyName: 'Ubuntu 24.04.1 LTS',
    });
    expect(parseOsRelease(fixture('os-release', 'alpine')).value).toEqual({
      id: 'alpine',
      name: 'Alpine Linux',
      version: '3.20.3',
      prettyName: 'Alpine Linux v3.20',
    });
  });

  it('unquotes like a shell and notes lines it cannot read', () => {
    const r = parseOsRelease(fixture('os-release', 'quoting'));
    expect(r.value).toEqual({
      id: 'custom',
      name: 'Single \\n "quoted"',
      version: '',
      prettyName: 'Escaped "name" costs $5 and a \\ backslash',
    });
    expect(r.problems).toEqual(['os-release: ignored line "this line is not an assignment"']);
  });

  it('falls back to the spec defaults on garbage or an empty file', () => {
    const garbage = parseOsRelease(fixture('os-release', 'garbage'));
    expect(garbage.value).toEqual({ id: 'linux', name: 'Linux', version: '', prettyName: 'Linux' });
    expect(garbage.problems).toContain('os-release: no fields found');
    expect(parseOsRelease(fixture('os-release', 'empty')).value.id).toBe('linux');
  });
});
