import { parseDf, selectDisks } from '../../../src/collect/parsers/df.js';
import { fixture } from './fixture.js';

describe('parseDf', () => {
  it('reads every line with bytes and used percent', () => {
    const r = parseDf(fixture('df', 'debian-vm'));
    expect(r.problems).toEqual([]);
    expect(r.value).toHaveLength(9);
    expect(r.value[2]).toEqual({
      mount: '/',
      filesystem: '/dev/sda1',
      sizeBytes: 102626232 * 1024,
      usedBytes: 83126932 * 1024,
      availBytes: 14260636 * 1024,
      usedPercent: 85.4,
    });
  });

  it('keeps mount points with spaces', () => {
    expect(parseDf(fixture('df', 'spaces')).value.map((d) => d.mount)).toEqual(['/media/My Backup Disk', '/mnt/nas share']);
  });

  it('notes unreadable lines but not GNU pseudo lines, and keeps the rest', () => {
    const r = parseDf(fixture('df', 'garbage'));
    expect(r.value.map((d) => d.mount)).toEqual(['/']);
    expect(r.problems).toEqual(['df: ignored line "df: /mnt/stale: Stale file handle"']);
  });
});

describe('selectDisks', () => {
  it('drops pseudo filesystems, snaps and zero sizes on a normal host', () => {
    const disks = selectDisks(parseDf(fixture('df', 'debian-vm')).value, '/');
    expect(disks.map((d) => d.mount)).toEqual(['/', '/boot/efi', '/srv/data']);
  });

  it('keeps an overlay root (a container monitoring itself)', () => {
    const disks = selectDisks(parseDf(fixture('df', 'docker-container')).value, '/');
    expect(disks.map((d) => `${d.filesystem} ${d.mount}`)).toEqual([
      'overlay /',
      '/dev/vda /etc/hosts',
      '/dev/vda /host',
      '/dev/sdb1 /host/srv/data',
    ]);
  });

  it('keeps only mounts under rootfs, with the prefix removed', () => {
    const disks = selectDisks(parseDf(fixture('df', 'docker-container')).value, '/host/');
    expect(disks.map((d) => `${d.filesystem} ${d.mount}`)).toEqual(['/dev/vda /', '/dev/sdb1 /srv/data']);
  });

  it('does not take /hostile for a mount under /host', () => {
    const disk = { mount: '/hostile', filesystem: '/dev/x', sizeBytes: 1, usedBytes: 0, availBytes: 1, usedPercent: 0 };
    expect(selectDisks([disk], '/host')).toEqual([]);
  });
});
