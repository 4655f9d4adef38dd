import type { LogRule, RuleGroups } from './types.js';

const KERNEL = ['kernel'];

/** Device names as the kernel prints them (`sda`, `sda1`, `nvme0n1p2`, `dm-0`, `md127`, `mmcblk0p1`). */
const DEV = String.raw`[\w.:-]{1,64}`;

const DISK_RECOMMENDATION =
  'Check the disk now: `smartctl -a /dev/<disk>`, the kernel log around these lines, cables and controller; ' +
  'make sure the backups of this disk are current and plan its replacement.';
const FS_RECOMMENDATION =
  'Find the cause in the lines before (I/O errors point to the disk), then unmount and check the filesystem ' +
  '(`fsck -f` for ext4, `xfs_repair` for XFS, `btrfs check` for Btrfs) from a rescue system if needed.';
const READONLY_RECOMMENDATION =
  'Writes to this filesystem now fail. Find the error that caused it (lines just before), fix the disk or ' +
  'filesystem, run fsck, then remount read-write or reboot.';
const LOCKUP_RECOMMENDATION =
  'A CPU or task was stuck in the kernel: look at the stack trace that follows in the kernel log, check for ' +
  'storage or NFS stalls and for a kernel or driver update; on a VM, check the host for CPU overcommit.';
const NIC_RECOMMENDATION =
  'Check the cable, switch port and the other end of the link; if it flaps, look at `ip -s link` error counters ' +
  'and the driver or firmware version.';

/** The task name of a lockup or hung-task line (its pid is captured apart: `kworker/3:1:123` -> `kworker/3:1`). */
function task(g: RuleGroups): string {
  return g.task ?? 'unknown task';
}

/** An XFS message as a title part: `Metadata corruption detected` -> `metadata corruption detected`. */
function xfsWhat(what: string | undefined): string {
  if (!what) return 'error';
  if (/shut down|shutdown|in-memory/.test(what)) return 'filesystem shut down after an error';
  if (/^log I\/O error$/i.test(what)) return 'log I/O error';
  return what.charAt(0).toLowerCase() + what.slice(1);
}

/**
 * Kernel rules beyond OOM and segfaults: block I/O errors, filesystem errors and read-only remounts, lockups and
 * hung tasks, machine checks, panics, oopses and network link loss. Each pattern is taken from the kernel source
 * that prints it (block/blk-mq.c, fs/buffer.c, fs/ext4/super.c, fs/jbd2, fs/xfs/xfs_message.c, fs/btrfs/messages.c,
 * kernel/watchdog.c, kernel/hung_task.c, kernel/rcu, arch/x86/kernel/cpu/mce/core.c, kernel/panic.c, the NIC
 * drivers and drivers/net/bonding). Nothing is anchored at the start: a `[ T123]` printk caller id may precede the
 * message. Every repetition is bounded so a hostile 64 KiB `logger -t kernel` line stays linear.
 *
 * There is no `network.link_*` category in the taxonomy: a NIC or bond member losing its link is `kernel.error`
 * (warn) with the interface as subject.
 */
/** `sdb1` -> `sdb`, `nvme0n1p2` -> `nvme0n1`, `mmcblk0p1` -> `mmcblk0`, `vda3` -> `vda`; a whole disk stays as it is. */
export function diskOf(device: string): string {
  const partitioned = /^((?:nvme\d+n\d+|mmcblk\d+|loop\d+))p\d+$/.exec(device);
  if (partitioned?.[1]) return partitioned[1];
  const plain = /^((?:[shv]|xv)d[a-z]+)\d+$/.exec(device);
  return plain?.[1] ?? device;
}

export const KERNEL_EXTRA_RULES: readonly LogRule[] = [
  {
    id: 'kernel.block_io_error',
    category: 'kernel.io_error',
    severity: 'crit',
    programs: KERNEL,
    // `blk_update_request: I/O error, dev sda, sector 123 op 0x0:(READ) ...` (<= 5.15, or `print_req_error:` on
    // 4.x), `I/O error, dev sda, sector ...` (5.16+), and the other blk_status strings that mean the device failed.
    // `operation not supported error` (a DISCARD the device does not do) is not a failure. fd0 and sr0 are the
    // empty floppy and CD-ROM drives of many VMs, which log read errors at every boot. The kind is read back by a
    // lookbehind so that the scan for the literal comes first (half the cost on lines that do not match); the
    // sector is bounded, or each shorter try of a long digit run would rescan it backwards.
    pattern: new RegExp(
      String.raw` error, dev (?!fd\d|sr\d)(?<dev>${DEV}), sector (?<sector>\d{1,20})(?<=\b(?<kind>I/O|critical medium|critical target|critical nexus|critical protection|timeout|recoverable transport) error, dev ${DEV}, sector \d{1,20})`,
    ),
    title: (g) => `Disk ${g.dev} reports ${g.kind ?? 'I/O'} errors (sector ${g.sector})`,
    subject: (g) => g.dev ?? 'unknown',
    recommendation: DISK_RECOMMENDATION,
  },
  {
    id: 'kernel.buffer_io_error',
    category: 'kernel.io_error',
    severity: 'crit',
    programs: KERNEL,
    // fs/buffer.c: `Buffer I/O error on dev sda1, logical block 0, async page read` (`on device` before 3.x).
    pattern: new RegExp(String.raw`\bBuffer I/O error on dev(?:ice)? (?!fd\d|sr\d)(?<dev>${DEV}), logical block (?<block>\d+)`),
    title: (g) => `I/O errors reading or writing ${g.dev} (logical block ${g.block})`,
    // The partition's disk: one failing disk is one finding, whichever layer (block or buffer) logged the error.
    subject: (g) => diskOf(g.dev ?? 'unknown'),
    recommendation: DISK_RECOMMENDATION,
  },
  {
    id: 'kernel.ext4_remount_ro',
    category: 'disk.readonly',
    severity: 'crit',
    programs: KERNEL,
    // ext4_handle_error() with errors=remount-ro (Debian's default in fstab). A root filesystem mounted `ro` by the
    // initramfs at boot (`EXT4-fs (sda1): mounted filesystem <uuid> ro with ordered data mode`) is routine and
    // deliberately not matched: it is remounted r/w moments later.
    pattern: new RegExp(String.raw`\bEXT4-fs \((?<dev>${DEV})\): Remounting filesystem read-only`),
    title: (g) => `Filesystem on ${g.dev} was remounted read-only after errors`,
    subject: (g) => g.dev ?? 'unknown',
    recommendation: READONLY_RECOMMENDATION,
  },
  {
    id: 'kernel.btrfs_readonly',
    category: 'disk.readonly',
    severity: 'crit',
    programs: KERNEL,
    // `BTRFS info (device sda1: state EA): forced readonly` (the `: state` part since 6.x).
    pattern: new RegExp(String.raw`\bBTRFS (?:info|warning|error|critical) \(device (?<dev>${DEV}?)(?:: state [A-Za-z]{1,12})?\): forced readonly`),
    title: (g) => `Btrfs filesystem on ${g.dev} was forced read-only after errors`,
    subject: (g) => g.dev ?? 'unknown',
    recommendation: READONLY_RECOMMENDATION,
  },
  {
    id: 'kernel.ext4_error',
    category: 'kernel.error',
    severity: 'crit',
    programs: KERNEL,
    // `EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm ls: reading directory lblock 0` and
    // `EXT4-fs error (device sda1) in ext4_reserve_inode_write:5763: Journal has aborted` (__ext4_std_error).
    pattern: new RegExp(String.raw`\bEXT4-fs error \(device (?<dev>${DEV})\)(?::| in) (?<where>[\w.]{1,64})?`),
    title: (g) => `EXT4 filesystem error on ${g.dev}${g.where ? ` (${g.where})` : ''}`,
    subject: (g) => g.dev ?? 'unknown',
    recommendation: FS_RECOMMENDATION,
  },
  {
    id: 'kernel.ext4_superblock_io',
    category: 'kernel.error',
    severity: 'crit',
    programs: KERNEL,
    pattern: new RegExp(String.raw`\bEXT4-fs \((?<dev>${DEV})\): (?<what>I/O error while writing superblock|previous I/O error to superblock detected)`),
    title: (g) => `EXT4 on ${g.dev}: ${g.what}`,
    subject: (g) => g.dev ?? 'unknown',
    recommendation: FS_RECOMMENDATION,
  },
  {
    id: 'kernel.ext4_has_errors',
    category: 'kernel.error',
    severity: 'warn',
    programs: KERNEL,
    // The superblock records errors until the next fsck: ext4 repeats the count every 24 h and warns at mount.
    pattern: new RegExp(
      String.raw`\bEXT4-fs \((?<dev>${DEV})\): (?:error count since last fsck: (?<count>\d+)|warning: mounting fs with errors)`,
    ),
    title: (g) =>
      g.count ? `EXT4 on ${g.dev} has recorded ${g.count} errors since the last fsck` : `EXT4 on ${g.dev} was mounted with errors`,
    subject: (g) => g.dev ?? 'unknown',
    recommendation: FS_RECOMMENDATION,
  },
  {
    id: 'kernel.jbd2_abort',
    category: 'kernel.error',
    severity: 'crit',
    programs: KERNEL,
    // fs/jbd2: `Aborting journal on device sda1-8.` (device, then the journal inode).
    pattern: /\bAborting journal on device (?<dev>[\w.:-]{1,64}?)-\d+\./,
    title: (g) => `Filesystem journal on ${g.dev} was aborted`,
    subject: (g) => g.dev ?? 'unknown',
    recommendation: FS_RECOMMENDATION,
  },
  {
    id: 'kernel.xfs_error',
    category: 'kernel.error',
    severity: 'crit',
    programs: KERNEL,
    // xfs_alert()/xfs_err() prefix `XFS (sdb1): `. Mount, recovery and unmount messages are routine and not listed.
    pattern: new RegExp(
      String.raw`\bXFS \((?<dev>${DEV})\): (?<what>Corruption detected|Metadata (?:corruption|CRC error) detected|metadata I/O error|log I/O error|Log I/O Error|Corruption of in-memory data|Filesystem has been shut down|xfs_do_force_shutdown)`,
    ),
    title: (g) => `XFS on ${g.dev}: ${xfsWhat(g.what)}`,
    subject: (g) => g.dev ?? 'unknown',
    recommendation: FS_RECOMMENDATION,
  },
  {
    id: 'kernel.btrfs_error',
    category: 'kernel.error',
    severity: 'crit',
    programs: KERNEL,
    // `BTRFS error (device sda1): bdev /dev/sda1 errs: wr 0, rd 1, ...`, `BTRFS critical (device sda1): corrupt
    // leaf ...`, and btrfs_handle_fs_error(): `BTRFS: error (device sda1) in btrfs_commit_transaction:2460: errno=-5`.
    pattern: new RegExp(String.raw`\bBTRFS(?::? error| critical) \(device (?<dev>${DEV}?)(?:: state [A-Za-z]{1,12})?\)`),
    title: (g) => `Btrfs filesystem error on ${g.dev}`,
    subject: (g) => g.dev ?? 'unknown',
    recommendation: FS_RECOMMENDATION,
  },
  {
    id: 'kernel.soft_lockup',
    category: 'kernel.error',
    severity: 'warn',
    programs: KERNEL,
    // `watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [kworker/3:1:123]` (`NMI watchdog:` before 4.x). The
    // task name may itself contain a colon; the last `:<pid>` is the pid.
    pattern: /\bBUG: soft lockup - CPU#(?<cpu>\d+) stuck for (?<seconds>\d+)s! \[(?<task>[^\]\n]{1,20}):(?<pid>\d+)\]/,
    title: (g) => `CPU ${g.cpu} stuck in the kernel for ${g.seconds} s (soft lockup, running ${task(g)})`,
    // One finding for a lockup storm across CPUs, not one per CPU.
    subject: () => 'soft lockup',
    recommendation: LOCKUP_RECOMMENDATION,
  },
  {
    id: 'kernel.hard_lockup',
    category: 'kernel.error',
    severity: 'crit',
    programs: KERNEL,
    pattern: /\bWatchdog detected hard LOCKUP on cpu (?<cpu>\d+)/,
    title: (g) => `CPU ${g.cpu} stopped responding to interrupts (hard lockup)`,
    subject: () => 'hard lockup',
    recommendation: LOCKUP_RECOMMENDATION,
  },
  {
    id: 'kernel.rcu_stall',
    category: 'kernel.error',
    severity: 'warn',
    programs: KERNEL,
    // `rcu: INFO: rcu_sched self-detected stall on CPU`, `rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:`.
    pattern: /\bINFO: (?<flavor>rcu_[a-z_]{1,16}) (?:self-)?detected stalls? on CPU/,
    title: () => 'Kernel RCU stall: a CPU did not make progress for tens of seconds',
    subject: () => 'rcu stall',
    recommendation: LOCKUP_RECOMMENDATION,
  },
  {
    id: 'kernel.hung_task',
    category: 'kernel.error',
    severity: 'warn',
    programs: KERNEL,
    // kernel/hung_task.c: `INFO: task nginx:1234 blocked for more than 120 seconds.` (comm <= 15 bytes, may hold `:`).
    pattern: /\bINFO: task (?<task>[^\n]{1,16}):(?<pid>\d+) blocked for more than (?<seconds>\d+) seconds/,
    title: (g) => `${task(g)} hung for more than ${g.seconds} s in the kernel (blocked task)`,
    subject: (g) => task(g),
    recommendation:
      'The task waited on I/O or a lock for minutes: check the storage (I/O errors, a dead NFS server, a full ' +
      'array) and the stack trace printed after this line.',
  },
  {
    id: 'kernel.machine_check',
    category: 'kernel.error',
    severity: 'crit',
    programs: KERNEL,
    // arch/x86/kernel/cpu/mce/core.c: `mce: [Hardware Error]: CPU 2: Machine Check: 0 Bank 5: bea0000000000108`
    // (` Exception` when in progress) and `mce: [Hardware Error]: Machine check events logged` (older kernels
    // without the `mce: ` prefix). Thermal throttling lines (`mce: CPU0: Core temperature above threshold`) are
    // not hardware errors and do not match.
    pattern:
      /\[Hardware Error\]: (?:CPU (?<cpu>\d+): Machine Check(?: Exception)?: [0-9a-fA-F]{1,16} Bank (?<bank>\d+): [0-9a-fA-F]{16}|Machine check events logged)/,
    title: (g) =>
      g.cpu !== undefined ? `Hardware error (machine check) on CPU ${g.cpu}, bank ${g.bank}` : 'Hardware errors (machine checks) were logged',
    subject: () => 'mce',
    recommendation:
      'Decode the errors (`rasdaemon`/`ras-mc-ctl --errors` or `mcelog`): memory (EDAC), CPU or bus. Repeated ' +
      'errors mean failing hardware: plan a replacement and check the BMC/iLO/iDRAC event log.',
  },
  {
    id: 'kernel.panic',
    category: 'kernel.panic',
    severity: 'crit',
    programs: KERNEL,
    // kernel/panic.c: `Kernel panic - not syncing: Fatal exception`. The trailer `---[ end Kernel panic - not
    // syncing: ... ]---` repeats it and is skipped. Seen after the reboot (pstore, kdump, netconsole, journal).
    pattern: /(?<!end )Kernel panic - not syncing: ?(?<reason>[^\n]{0,160})/,
    title: (g) => `Kernel panic: ${(g.reason ?? '').trim() || 'no reason given'}`,
    subject: () => 'kernel',
    recommendation:
      'The host crashed and rebooted. Keep the full panic trace (journalctl -k -b -1, /var/lib/systemd/pstore, ' +
      'kdump), check for hardware errors before it and for a kernel update.',
  },
  {
    id: 'kernel.oops',
    category: 'kernel.error',
    severity: 'crit',
    programs: KERNEL,
    // `Oops: 0002 [#1] PREEMPT SMP NOPTI`, `Oops: general protection fault, probably for non-canonical address
    // 0xdead000000000122: 0000 [#1] SMP PTI` (6.x). The kernel keeps running, often in a broken state.
    pattern: /\bOops: [^\n]{0,160}?\[#(?<n>\d+)\]/,
    title: () => 'Kernel oops: a kernel bug was hit and the task killed',
    subject: () => 'kernel oops',
    recommendation:
      'Keep the trace (journalctl -k), look for the module named in it, update the kernel or driver; reboot ' +
      'soon, since the kernel may be left inconsistent.',
  },
  {
    id: 'kernel.nic_link_down',
    category: 'kernel.error',
    severity: 'warn',
    programs: KERNEL,
    // `e1000e 0000:00:19.0 eth0: NIC Link is Down` (e1000e, ixgbe, i40e, ice), `r8169 0000:02:00.0 eth0: Link is
    // Down` (phylib), `tg3 ...: Link is down`, `bnx2 ...: NIC Copper Link is Down`, `mlx5_core ...: Link down`, and
    // `igb 0000:03:00.0 eth1: igb: eth1 NIC Link is Down` / `e1000: eth0 NIC Link is Down` (name after the driver).
    // The literal comes first and the interface is read back by a lookbehind: a pattern opening with the name's
    // character class was tried at every position of every kernel line (2 us a line instead of 30 ns).
    pattern:
      /Link (?:is [Dd]own|down)(?<=(?:(?<iface>[\w.@-]{1,15}): (?:NIC (?:Copper )?)?|\b(?:igb|e1000|e100|ixgb): (?<iface2>[\w.@-]{1,15}) NIC )Link (?:is [Dd]own|down))/,
    title: (g) => `Network link down on ${g.iface ?? g.iface2}`,
    subject: (g) => g.iface ?? g.iface2 ?? 'unknown',
    recommendation: NIC_RECOMMENDATION,
  },
  {
    id: 'kernel.bond_link_down',
    category: 'kernel.error',
    severity: 'warn',
    programs: KERNEL,
    // drivers/net/bonding: `bond0: (slave eth1): link status definitely down, disabling slave` (5.x+) and
    // `bond0: link status definitely down for interface eth1, disabling it` (older).
    pattern:
      /link status definitely down(?:(?<=(?<bond>[\w.@-]{1,15}): \(slave (?<slave>[\w.@-]{1,15})\): link status definitely down)|(?<=(?<bond2>[\w.@-]{1,15}): link status definitely down) for interface (?<slave2>[\w.@-]{1,15}))/,
    title: (g) => `${g.slave ?? g.slave2} lost its link and left ${g.bond ?? g.bond2}`,
    subject: (g) => g.slave ?? g.slave2 ?? 'unknown',
    recommendation: NIC_RECOMMENDATION,
  },
  {
    id: 'kernel.tx_timeout',
    category: 'kernel.error',
    severity: 'warn',
    programs: KERNEL,
    // net/sched/sch_generic.c: `NETDEV WATCHDOG: eth0 (e1000e): transmit queue 0 timed out` (the NIC hung).
    pattern: /\bNETDEV WATCHDOG: (?<iface>[\w.@-]{1,15}) \((?<driver>[^)\n]{1,32})\): transmit queue \d+ timed out/,
    title: (g) => `Network card ${g.iface} (${g.driver}) stopped transmitting and was reset`,
    subject: (g) => g.iface ?? 'unknown',
    recommendation: NIC_RECOMMENDATION,
  },
];
