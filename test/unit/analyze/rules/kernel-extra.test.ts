import { applyLogRules } from '../../../../src/analyze/log-rules.js';
import { diskOf, KERNEL_EXTRA_RULES } from '../../../../src/analyze/rules/kernel-extra.js';
import { KERNEL_RULES } from '../../../../src/analyze/rules/kernel.js';
import type { Finding } from '../../../../src/types.js';
import { makeHost, readFixture, recordsFromLog } from '../helpers.js';

const thresholds = makeHost().thresholds;

function run(file: string): Finding[] {
  const records = recordsFromLog(readFixture('analyze', 'kernel', file), '/var/log/kern.log');
  return applyLogRules(records, KERNEL_EXTRA_RULES, thresholds, []);
}

const summary = (findings: Finding[]): Array<[string, string, number, string]> =>
  findings.map((f) => [f.key, f.severity, f.count, f.ruleId]);

describe('kernel I/O and filesystem rules on real kernel lines', () => {
  it('reports block and buffer I/O errors per device, crit, in every kernel format', () => {
    const findings = run('io-errors.log');
    expect(summary(findings)).toEqual([
      // blk_update_request: (<= 5.15) and bare (5.16+), plus the buffer layer's error on its partition sdb1: one disk.
      ['kernel.io_error:sdb', 'crit', 3, 'kernel.block_io_error'],
      ['kernel.io_error:nvme0n1', 'crit', 1, 'kernel.block_io_error'], // critical medium error
      ['kernel.io_error:sdc', 'crit', 1, 'kernel.block_io_error'], // print_req_error: (4.x), RFC 3339 header
    ]);
    expect(findings.map((f) => f.title)).toEqual([
      'Disk sdb reports I/O errors (sector 1953522944)',
      'Disk nvme0n1 reports critical medium errors (sector 204800)',
      'Disk sdc reports I/O errors (sector 2048)',
    ]);
    expect(findings[0]?.subject).toBe('sdb');
    expect(findings[0]?.recommendation).toMatch(/smartctl/);
    // The ATA and SCSI lines before the I/O error are context, not findings of their own.
    expect(findings[0]?.evidence).toEqual([
      {
        source: '/var/log/kern.log',
        lines: [expect.stringContaining('blk_update_request'), expect.stringContaining('sector 1953523000'), expect.stringContaining('Buffer I/O error on dev sdb1')],
      },
    ]);
  });

  it('names the disk of a partition', () => {
    expect(['sdb1', 'sdb', 'vda3', 'xvdf12', 'nvme0n1p2', 'nvme0n1', 'mmcblk0p1', 'loop3p1', 'dm-0', 'md127'].map(diskOf)).toEqual([
      'sdb', 'sdb', 'vda', 'xvdf', 'nvme0n1', 'nvme0n1', 'mmcblk0', 'loop3', 'dm-0', 'md127',
    ]);
  });

  it('reports ext4, jbd2, XFS and Btrfs errors per device and read-only remounts as disk.readonly', () => {
    const findings = run('fs-errors.log');
    expect(summary(findings)).toEqual([
      ['kernel.error:sda1', 'crit', 3, 'kernel.ext4_error'], // two EXT4-fs error lines and the aborted journal
      ['disk.readonly:sda1', 'crit', 1, 'kernel.ext4_remount_ro'],
      ['kernel.error:sdc1', 'crit', 1, 'kernel.ext4_superblock_io'],
      ['kernel.error:sdd1', 'warn', 1, 'kernel.ext4_has_errors'], // the daily error count; `initial error at` is context
      ['kernel.error:dm-2', 'crit', 2, 'kernel.xfs_error'], // metadata corruption + corruption detected
      ['kernel.error:sdb1', 'crit', 2, 'kernel.xfs_error'], // metadata I/O error + shut down
      ['kernel.error:sde1', 'crit', 2, 'kernel.btrfs_error'], // `BTRFS error (device ...)` and `BTRFS: error (device ...: state A)`
      ['disk.readonly:sde1', 'crit', 1, 'kernel.btrfs_readonly'],
    ]);
    const titles = Object.fromEntries(findings.map((f) => [f.key, f.title]));
    expect(titles['kernel.error:sda1']).toBe('EXT4 filesystem error on sda1 (ext4_find_entry)');
    expect(titles['disk.readonly:sda1']).toBe('Filesystem on sda1 was remounted read-only after errors');
    expect(titles['kernel.error:sdd1']).toBe('EXT4 on sdd1 has recorded 3 errors since the last fsck');
    expect(titles['kernel.error:dm-2']).toBe('XFS on dm-2: metadata corruption detected');
    expect(titles['kernel.error:sdb1']).toBe('XFS on sdb1: metadata I/O error');
    expect(titles['disk.readonly:sde1']).toBe('Btrfs filesystem on sde1 was forced read-only after errors');
    expect(findings.find((f) => f.category === 'disk.readonly')?.recommendation).toMatch(/remount/);
  });
});

describe('kernel lockup, hung task, machine check, oops and panic rules', () => {
  it('groups soft lockups into one finding and names hung tasks without their pid', () => {
    const findings = run('lockups.log');
    expect(summary(findings)).toEqual([
      ['kernel.error:soft lockup', 'warn', 2, 'kernel.soft_lockup'], // CPU#3 and CPU#5
      ['kernel.error:nginx', 'warn', 2, 'kernel.hung_task'], // reported at 120 s and again at 241 s
      ['kernel.error:kworker/u8:2', 'warn', 1, 'kernel.hung_task'], // a task name with a colon
      ['kernel.error:rcu stall', 'warn', 1, 'kernel.rcu_stall'],
      ['kernel.error:hard lockup', 'crit', 1, 'kernel.hard_lockup'],
      ['kernel.error:mce', 'crit', 2, 'kernel.machine_check'], // `events logged` + the CPU/bank line; TSC/PROCESSOR are context
      ['kernel.error:kernel oops', 'crit', 1, 'kernel.oops'],
      ['kernel.panic:kernel', 'crit', 1, 'kernel.panic'], // the `---[ end Kernel panic` trailer is not a second panic
    ]);
    const titles = findings.map((f) => f.title);
    expect(titles[0]).toBe('CPU 3 stuck in the kernel for 22 s (soft lockup, running kworker/3:1)');
    expect(titles[1]).toBe('nginx hung for more than 120 s in the kernel (blocked task)');
    expect(titles[4]).toBe('CPU 2 stopped responding to interrupts (hard lockup)');
    expect(titles[5]).toBe('Hardware errors (machine checks) were logged');
    expect(titles[7]).toBe('Kernel panic: Fatal exception');
    expect(findings[1]?.subject).toBe('nginx');
  });

  it('titles single lines from what they say', () => {
    const text = [
      'Nov 25 06:16:40 app-01 kernel: [ 6000.000100] mce: [Hardware Error]: CPU 2: Machine Check Exception: 5 Bank 4: b200000000070005',
      'Nov 25 06:16:41 app-01 kernel: [ 6001.000000] XFS (sdf1): Filesystem has been shut down due to log error (0x2).',
      'Nov 25 06:16:42 app-01 kernel: [ 6002.000000] XFS (sdg1): log I/O error -5',
      'Nov 25 06:16:43 app-01 kernel: [ 6003.000000] EXT4-fs (sdh1): warning: mounting fs with errors, running e2fsck is recommended',
    ].join('\n');
    const findings = applyLogRules(recordsFromLog(text, '/var/log/kern.log'), KERNEL_EXTRA_RULES, thresholds, []);
    expect(findings.map((f) => [f.severity, f.title])).toEqual([
      ['crit', 'Hardware error (machine check) on CPU 2, bank 4'],
      ['crit', 'XFS on sdf1: filesystem shut down after an error'],
      ['crit', 'XFS on sdg1: log I/O error'],
      ['warn', 'EXT4 on sdh1 was mounted with errors'],
    ]);
  });
});

describe('network link rules', () => {
  it('reports NIC and bond member link loss per interface, warn', () => {
    const findings = run('links.log');
    expect(summary(findings)).toEqual([
      ['kernel.error:eth0', 'warn', 3, 'kernel.nic_link_down'], // down, NETDEV WATCHDOG, down again
      ['kernel.error:eno1', 'warn', 1, 'kernel.nic_link_down'], // igb: name after the driver prefix
      ['kernel.error:enp2s0', 'warn', 1, 'kernel.nic_link_down'], // r8169 / phylib
      ['kernel.error:eth2', 'warn', 1, 'kernel.nic_link_down'], // tg3 lower-case `down`
      ['kernel.error:ens1f0', 'warn', 1, 'kernel.nic_link_down'], // mlx5 `Link down`
      ['kernel.error:eth1', 'warn', 1, 'kernel.bond_link_down'], // bonding 5.x+
      ['kernel.error:eth3', 'warn', 1, 'kernel.bond_link_down'], // bonding before 5.x
      ['kernel.error:eth4', 'warn', 1, 'kernel.nic_link_down'], // old e1000
    ]);
    expect(findings[0]?.title).toBe('Network link down on eth0');
    expect(findings[5]?.title).toBe('eth1 lost its link and left bond0');
    expect(findings[0]?.recommendation).toMatch(/cable/);
  });
});

describe('quiet kernels stay quiet', () => {
  it('finds nothing in routine kernel lines that only look similar', () => {
    // VM CD-ROM and floppy read errors, unsupported DISCARD, boot-time ro mount and r/w remount, XFS/Btrfs mount
    // chatter, link up, empty SATA ports, thermal throttling, a corrected-error decode line, the panic trailer.
    const records = recordsFromLog(readFixture('analyze', 'kernel', 'negative.log'), '/var/log/kern.log');
    expect(records.every((r) => r.program === 'kernel')).toBe(true);
    expect(applyLogRules(records, KERNEL_EXTRA_RULES, thresholds, [])).toEqual([]);
  });

  it('does not take lines from the OOM and segfault rules, nor give them any', () => {
    const oom = recordsFromLog(readFixture('kernel', 'oom.log'), '/var/log/kern.log');
    const segfault = recordsFromLog(readFixture('kernel', 'segfault.log'), '/var/log/kern.log');
    expect(applyLogRules([...oom, ...segfault], KERNEL_EXTRA_RULES, thresholds, [])).toEqual([]);
    const io = recordsFromLog(readFixture('analyze', 'kernel', 'io-errors.log'), '/var/log/kern.log');
    expect(applyLogRules(io, KERNEL_RULES, thresholds, [])).toEqual([]);
  });

  it('stays linear on long hostile kernel-tagged lines', () => {
    const bodies = [
      'a'.repeat(64 * 1024),
      'EXT4-fs ('.repeat(7000),
      'XFS ('.repeat(12000),
      'INFO: task '.repeat(6000),
      'eth0: '.repeat(10000),
      'BTRFS error (device '.repeat(3000),
      'Oops: '.repeat(10000),
      '[Hardware Error]: CPU 1: Machine Check: '.repeat(1500),
      'Aborting journal on device '.repeat(2400),
      `X/O error, dev sda, sector ${'1'.repeat(60000)}`,
      `INFO: task nginx:${'1'.repeat(60000)}`,
      `BUG: soft lockup - CPU#${'3'.repeat(60000)}`,
      `${'eth0 NIC '.repeat(7000)}Link is Down`,
      `${'-'.repeat(60000)}: link status definitely down`, // names no member: no match (and no 60 KiB evidence line)
    ];
    const text = bodies.map((body, i) => `Nov 25 10:00:00 web kernel: ${body} ${i}`).join('\n');
    const started = process.hrtime.bigint();
    applyLogRules(recordsFromLog(text, '/var/log/kern.log'), KERNEL_EXTRA_RULES, thresholds, []);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(5000);
  });
});
