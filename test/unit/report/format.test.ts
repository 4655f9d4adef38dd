import { fileTimestamp, formatBytes, formatDuration, formatPercent, formatSigned, formatUsd, formatUtc, NOT_MEASURED } from '../../../src/report/format.js';

describe('report number formats', () => {
  it('formats bytes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
    expect(formatBytes(2 * 1024 ** 6)).toBe('2048.0 PiB');
    expect(formatBytes(-1)).toBe(NOT_MEASURED);
    expect(formatBytes('12')).toBe(NOT_MEASURED);
  });

  it('formats US dollars with 4 decimals and no sign (AI calls cost fractions of a cent)', () => {
    expect(formatUsd(0.000716)).toBe('0.0007');
    expect(formatUsd(0.01)).toBe('0.0100');
    expect(formatUsd(0)).toBe('0.0000');
    expect(formatUsd(null)).toBe(NOT_MEASURED);
  });

  it('formats percents with one decimal', () => {
    expect(formatPercent(93.14)).toBe('93.1%');
    expect(formatPercent(30.5)).toBe('30.5%');
    expect(formatPercent(100)).toBe('100.0%');
    expect(formatPercent(null)).toBe(NOT_MEASURED);
  });

  it('formats durations with the two largest units', () => {
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(0.74)).toBe('0.7s');
    expect(formatDuration(12.6)).toBe('12s');
    expect(formatDuration(3600)).toBe('1h');
    expect(formatDuration(3 * 3600 + 65)).toBe('3h 1m');
    expect(formatDuration(12 * 86400 + 3 * 3600 + 240)).toBe('12d 3h');
    expect(formatDuration(86400 + 60)).toBe('1d');
    expect(formatDuration(Number.NaN)).toBe(NOT_MEASURED);
  });

  it('formats signed changes', () => {
    expect(formatSigned(5)).toBe('+5');
    expect(formatSigned(-8)).toBe('-8');
    expect(formatSigned(0)).toBe('±0');
    expect(formatSigned(undefined)).toBe(NOT_MEASURED);
  });

  it('formats times in UTC', () => {
    const at = new Date('2026-11-25T18:42:51.789Z');
    expect(formatUtc(at)).toBe('2026-11-25 18:42:51 UTC');
    expect(fileTimestamp(at)).toBe('20261125T184251Z');
  });
});
