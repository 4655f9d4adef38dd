import type { DiskUsage } from '../../types.js';
import { excerpt, roundPercent, type ParseResult } from './parse-result.js';

/**
 * Parses `df -P -k` (POSIX format, 1024-byte blocks): `Filesystem 1024-blocks Used Available Capacity Mounted on`.
 * The mount point is the rest of the line, so mounts with spaces survive. usedPercent is `used / (used + avail)`,
 * as df computes Capacity (blocks reserved for root are not counted as available).
 */
export function parseDf(text: string): ParseResult<DiskUsage[]> {
  const disks: DiskUsage[] = [];
  const problems: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || /^Filesystem\s/.test(line)) continue;
    const m = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)%\s+(\/.*)$/.exec(line);
    if (!m) {
      // GNU df prints `-` for filesystems without block counts; those are pseudo filesystems and not noted.
      if (!/^\S+\s+-\s+-\s+-\s+-\s+/.test(line)) problems.push(`df: ignored line "${excerpt(line)}"`);
      continue;
    }
    const [, filesystem = '', size = '0', used = '0', avail = '0', , mount = ''] = m;
    const usedBytes = Number(used) * 1024;
    const availBytes = Number(avail) * 1024;
    const denominator = usedBytes + availBytes;
    disks.push({
      mount,
      filesystem,
      sizeBytes: Number(size) * 1024,
      usedBytes,
      availBytes,
      usedPercent: denominator > 0 ? roundPercent((usedBytes / denominator) * 100) : 0,
    });
  }
  return { value: disks, problems };
}

/** Device names of filesystems that hold no data of their own (RAM, kernel views, container layers). */
const PSEUDO_FILESYSTEMS = new Set([
  'tmpfs',
  'devtmpfs',
  'udev',
  'none',
  'shm',
  'proc',
  'sysfs',
  'devpts',
  'cgroup',
  'cgroup2',
  'mqueue',
  'efivarfs',
  'overlay',
  'run',
  'rootfs',
]);

/**
 * Keeps the disks worth reporting, seen from inside `rootfs`:
 * - only mounts at or under rootfs, with the rootfs prefix removed (`/srv/h1/var` -> `/var`);
 * - no pseudo filesystems (tmpfs, devtmpfs, udev, proc, cgroup, ...: their usage is RAM or nothing), except an
 *   `overlay` mounted at `/`, which is a container's root and the only disk it has;
 * - no zero-sized filesystems and no snap squashfs images under `/snap` (always 100% full by design);
 * - each mount once (bind mounts of one mount point repeat; the last one listed is the one visible).
 */
export function selectDisks(disks: DiskUsage[], rootfs: string): DiskUsage[] {
  const root = rootfs.replace(/\/+$/, '');
  const byMount = new Map<string, DiskUsage>();
  for (const disk of disks) {
    let mount: string;
    if (root === '') mount = disk.mount;
    else if (disk.mount === root) mount = '/';
    else if (disk.mount.startsWith(`${root}/`)) mount = disk.mount.slice(root.length);
    else continue;
    if (disk.sizeBytes === 0) continue;
    if (PSEUDO_FILESYSTEMS.has(disk.filesystem) && !(disk.filesystem === 'overlay' && mount === '/')) continue;
    if (mount === '/snap' || mount.startsWith('/snap/')) continue;
    byMount.delete(mount);
    byMount.set(mount, { ...disk, mount });
  }
  return [...byMount.values()];
}
