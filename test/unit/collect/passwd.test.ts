import { parsePasswd } from '../../../src/collect/parsers/passwd.js';
import { fixture } from './fixture.js';

describe('parsePasswd', () => {
  it('reads every account', () => {
    const r = parsePasswd(fixture('passwd', 'debian'));
    expect(r.problems).toEqual([]);
    expect(r.value.map((u) => u.name)).toEqual(['root', 'daemon', 'sshd', 'dtmon', 'nobody']);
    expect(r.value[3]).toEqual({ name: 'dtmon', uid: 1001, gid: 1001, home: '/home/dtmon', shell: '/bin/bash' });
  });

  it('skips NIS lines and comments, notes malformed lines and keeps the rest', () => {
    const r = parsePasswd(fixture('passwd', 'nis-and-garbage'));
    expect(r.value.map((u) => u.name)).toEqual(['root', 'bob']);
    expect(r.problems).toEqual([
      'passwd: ignored line "broken line without colons"',
      'passwd: ignored line "alice:x:notanumber:100::/home/alice:/bin/sh"',
    ]);
  });
});
