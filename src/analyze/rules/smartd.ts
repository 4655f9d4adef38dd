import type { LogRule, RuleGroups } from './types.js';

const SMARTD = ['smartd'];

/** `Device: /dev/sda [SAT], ` (type in brackets, twice behind a RAID controller: `/dev/bus/0 [megaraid_disk_00] [SAT]`). */
const SMART_DEV = String.raw`^Device: (?<dev>\S{1,64}?)(?: \[[^\]\n]{1,40}\]){0,3}, `;

/** `/dev/sda` -> `sda`, the kernel's name, so smartd and kernel I/O errors about one disk share a finding. */
function smartDisk(g: RuleGroups): string {
  return (g.dev ?? 'unknown').replace(/^\/dev\//, '');
}

const SMART_RECOMMENDATION =
  'The disk reports damage: check `smartctl -a /dev/<disk>`, make sure backups are current and replace the disk.';

/**
 * smartd rules (smartmontools smartd.cpp, `Device: <name>, <message>`), all `kernel.io_error` (the taxonomy has no SMART category; it is the disk failing) with the disk as
 * subject. crit when the disk itself says it is failing or has lost data: the overall health check failed, offline
 * uncorrectable sectors, a failed self-test, an NVMe critical warning. warn for early signs that can still be
 * benign alone: pending sectors (often reallocated on the next write), a changed reallocation or error attribute,
 * ATA errors (also caused by cables), a usage attribute past its threshold. Routine attribute changes
 * (temperature, Seagate's raw read/seek error rates, power-on hours) match nothing.
 */
export const SMARTD_RULES: readonly LogRule[] = [
  {
    id: 'smartd.health_failed',
    category: 'kernel.io_error',
    severity: 'crit',
    programs: SMARTD,
    pattern: new RegExp(`${SMART_DEV}FAILED SMART self-check\\. BACK UP DATA NOW!`),
    title: (g) => `Disk ${smartDisk(g)} failed its SMART health check: back up its data now`,
    subject: smartDisk,
    recommendation: SMART_RECOMMENDATION,
  },
  {
    id: 'smartd.uncorrectable_sectors',
    category: 'kernel.io_error',
    severity: 'crit',
    programs: SMARTD,
    pattern: new RegExp(`${SMART_DEV}(?<count>\\d+) Offline uncorrectable sectors`),
    title: (g) => `Disk ${smartDisk(g)} has ${g.count} unreadable sectors (offline uncorrectable)`,
    subject: smartDisk,
    recommendation: SMART_RECOMMENDATION,
  },
  {
    id: 'smartd.pending_sectors',
    category: 'kernel.io_error',
    severity: 'warn',
    programs: SMARTD,
    pattern: new RegExp(`${SMART_DEV}(?<count>\\d+) Currently unreadable \\(pending\\) sectors`),
    title: (g) => `Disk ${smartDisk(g)} has ${g.count} sectors it could not read (pending reallocation)`,
    subject: smartDisk,
    recommendation: SMART_RECOMMENDATION,
  },
  {
    id: 'smartd.self_test_failed',
    category: 'kernel.io_error',
    severity: 'crit',
    programs: SMARTD,
    pattern: new RegExp(
      `${SMART_DEV}(?:Self-Test Log error count increased from \\d+ to (?<count>\\d+)|new Self-Test Log error at hour timestamp \\d+|previous self-test completed with error(?<element> \\([a-z/ ?]{1,40}\\))?)`,
    ),
    title: (g) => `Disk ${smartDisk(g)} failed a SMART self-test${g.element ?? ''}`,
    subject: smartDisk,
    recommendation: SMART_RECOMMENDATION,
  },
  {
    id: 'smartd.nvme_critical_warning',
    category: 'kernel.io_error',
    severity: 'crit',
    programs: SMARTD,
    pattern: new RegExp(`${SMART_DEV}Critical Warning \\(0x(?<code>[0-9a-fA-F]{2})\\): (?<what>[^\\n]{1,120})`),
    title: (g) => `NVMe disk ${smartDisk(g)} raised a critical warning: ${(g.what ?? '').trim()}`,
    subject: smartDisk,
    recommendation: SMART_RECOMMENDATION,
  },
  {
    id: 'smartd.attribute_changed',
    category: 'kernel.io_error',
    severity: 'warn',
    programs: SMARTD,
    // Only attributes that count damage: 5 reallocated sectors, 10 spin retries, 184 end-to-end errors,
    // 187/188 uncorrectable errors and command timeouts, 196 reallocation events, 197/198 pending/uncorrectable.
    pattern: new RegExp(
      `${SMART_DEV}SMART (?:Prefailure|Usage) Attribute: (?<id>5|10|184|187|188|196|197|198) (?<name>\\S{1,64}) changed from (?<from>\\d+) to (?<to>\\d+)`,
    ),
    title: (g) => `Disk ${smartDisk(g)}: SMART attribute ${g.id} ${g.name} changed from ${g.from} to ${g.to}`,
    subject: smartDisk,
    recommendation: SMART_RECOMMENDATION,
  },
  {
    id: 'smartd.failed_usage_attribute',
    category: 'kernel.io_error',
    severity: 'warn',
    programs: SMARTD,
    pattern: new RegExp(`${SMART_DEV}Failed SMART usage Attribute: (?<id>\\d+) (?<name>\\S{1,64}?)\\.`),
    title: (g) => `Disk ${smartDisk(g)}: SMART attribute ${g.id} ${g.name} is past its failure threshold`,
    subject: smartDisk,
    recommendation: SMART_RECOMMENDATION,
  },
  {
    id: 'smartd.ata_errors',
    category: 'kernel.io_error',
    severity: 'warn',
    programs: SMARTD,
    pattern: new RegExp(`${SMART_DEV}ATA error count increased from (?<from>\\d+) to (?<to>\\d+)`),
    title: (g) => `Disk ${smartDisk(g)} logged new ATA errors (${g.from} -> ${g.to})`,
    subject: smartDisk,
    recommendation: 'Check `smartctl -l error /dev/<disk>`; interface CRC errors point to the cable or backplane.',
  },
];
