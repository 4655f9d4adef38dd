/**
 * Resource bands (`resource_thresholds`) and alert thresholds (`thresholds`), as written at the
 * global, site and host levels. Every key is optional at every level: resolve.ts merges them per key
 * over the defaults below, so a site that sets only `critical` keeps the other bands (the original
 * replaced the whole map and then failed with KeyError 'critical': GAP-R4).
 */
import { z } from 'zod';
import type { AlertThresholds, Band, ResourceThresholds } from '../types.js';
import { describeValue } from './config-path.js';
import { decimal, integer } from './schema-primitives.js';

/** The original's default bands, in percent. */
export const DEFAULT_RESOURCE_THRESHOLDS: ResourceThresholds = {
  health: { low: 0, high: 30 },
  info: { low: 31, high: 60 },
  warning: { low: 61, high: 89 },
  critical: { low: 90, high: 100 },
};

/** The original's documented `thresholds` defaults. */
export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
  cpuPercent: 80,
  memoryPercent: 85,
  diskPercent: 90,
  failedLoginAttempts: 5,
};

const BAND_TEXT = /^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$/;
const NUMBER_TEXT = /^\s*\d+(?:\.\d+)?\s*$/;

function bandNumber(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && NUMBER_TEXT.test(value)) return Number(value);
  return null;
}

/**
 * Reads a band: `"0-30"` or `[0, 30]`. Unlike the original, which silently dropped anything else
 * (`"90+"`), a malformed, reversed or out-of-range band is an error.
 */
export function parseBand(value: unknown): { band: Band } | { error: string } {
  let low: number | null = null;
  let high: number | null = null;
  if (typeof value === 'string') {
    const match = BAND_TEXT.exec(value);
    if (match) {
      low = Number(match[1]);
      high = Number(match[2]);
    }
  } else if (Array.isArray(value) && value.length === 2) {
    low = bandNumber(value[0]);
    high = bandNumber(value[1]);
  }
  if (low === null || high === null) {
    return { error: `expected a band "low-high" such as "0-30" or a list [0, 30], got ${describeValue(value)}` };
  }
  if (low > high) return { error: `band ${low}-${high} is reversed: the low end must not exceed the high end` };
  if (low < 0 || high > 100) return { error: `band ${low}-${high} is outside 0-100 percent` };
  return { band: { low, high } };
}

const band = z
  .unknown()
  .transform((value, ctx): Band => {
    const parsed = parseBand(value);
    if ('band' in parsed) return parsed.band;
    ctx.issues.push({ code: 'custom', message: parsed.error, input: value });
    return z.NEVER;
  })
  .meta({
    description: 'A band of percent values, "low-high" (e.g. "0-30") or [low, high], within 0-100.',
    // For the generated reference and JSON Schema (schema-walk.ts): a transform has no shape of its own.
    docType: 'band: "low-high" or [low, high]',
    jsonSchema: {
      anyOf: [
        { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*-\\s*\\d+(\\.\\d+)?\\s*$' },
        { type: 'array', items: { type: 'number', minimum: 0, maximum: 100 }, minItems: 2, maxItems: 2 },
      ],
    },
  });

/** `resource_thresholds`: any subset of the four bands. */
export const resourceThresholdsSchema = z
  .strictObject({
    health: band.optional().describe('Usage band shown as healthy. Default "0-30".'),
    info: band.optional().describe('Usage band shown as info. Default "31-60".'),
    warning: band.optional().describe('Usage band shown as warning. Default "61-89".'),
    critical: band.optional().describe('Usage band shown as critical. Default "90-100".'),
  })
  .describe('Report status bands for CPU, memory and disk usage, in percent; merged per band over the level above.');

const percent = (name: string) => decimal(0, 100, `a ${name} percentage from 0 to 100`);

/** `thresholds`: alert limits, any subset. */
export const alertThresholdsSchema = z
  .strictObject({
    cpu_percent: percent('CPU').optional().describe('CPU usage (percent) that raises cpu.load. Default 80.'),
    memory_percent: percent('memory').optional().describe('Memory usage (percent) that raises memory.usage. Default 85.'),
    disk_percent: percent('disk').optional().describe('Disk usage (percent) per mount that raises disk.usage. Default 90.'),
    failed_login_attempts: integer(1)
      .optional()
      .describe('Failed logins from one source in one pass that raise auth.bruteforce. Default 5.'),
  })
  .describe('Alert thresholds; merged per key over the level above.');
