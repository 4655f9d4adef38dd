/**
 * When a pass cannot complete at all (the store is unreachable, the config was broken by an edit), nobody else will
 * tell the admins: the outbox lives in the store, and the alert routing in the config. This sends one short email
 * directly (SMTP, else an .eml file), at most once per hour per problem class, remembered in a stamp file beside
 * the .eml directory (the store may be what is down).
 *
 * The email settings come from the config when it loads; from its `email`, `alerts` and `global.outbox_dir`
 * sections alone when only another part is broken; else nothing is sent and an .eml file is written beside the config.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { DeliverySettings } from '../config/delivery.js';
import type { Environment } from '../config/env.js';
import { loadConfigText } from '../config/load.js';
import { redactText } from '../config/mask.js';
import { composeEmail, envelopeFor, messageIdFor } from '../report/mail.js';
import { configuredSmtpSettings } from '../report/smtp-settings.js';
import { createSmtpSender } from '../report/smtp.js';
import { writeEml } from '../report/write-eml.js';
import { errorMessage } from '../errors.js';

export const ADMIN_ALERT_INTERVAL_MS = 3_600_000;
const STAMP_FILE = '.admin-alert.json';

export interface AdminAlertInput {
  /** The config file of the failed pass. */
  configPath: string;
  /** `config` or `store`: one stamp per class, so a broken config does not hide a later store outage. */
  problem: 'config' | 'store';
  /** One line: what failed (already free of secrets where known; redacted again here). */
  message: string;
  now: Date;
  env: Environment;
  /** The loaded config's delivery settings and secrets when the config loaded. */
  delivery?: DeliverySettings;
  secrets?: readonly string[];
  runner: string;
}

export interface AdminAlertResult {
  /** `sent to smtp://...`, `written to <file>`, `skipped: ...`. */
  outcome: string;
}

/** The delivery settings from the parts of a config file that still validate. */
async function salvageDelivery(configPath: string, env: Environment): Promise<{ delivery: DeliverySettings; secrets: readonly string[] } | null> {
  try {
    const raw = parse(await readFile(configPath, 'utf8')) as Record<string, unknown> | null;
    if (!raw || typeof raw !== 'object') return null;
    const part: Record<string, unknown> = {};
    if (raw.email !== undefined) part.email = raw.email;
    const alerts = raw.alerts as Record<string, unknown> | undefined;
    if (alerts && typeof alerts === 'object' && alerts.admin_recipients !== undefined) part.alerts = { admin_recipients: alerts.admin_recipients };
    const global = raw.global as Record<string, unknown> | undefined;
    if (global && typeof global === 'object' && global.outbox_dir !== undefined) part.global = { outbox_dir: global.outbox_dir };
    const loaded = loadConfigText(stringify(part), configPath, { env });
    return { delivery: loaded.delivery, secrets: loaded.secrets };
  } catch {
    return null;
  }
}

interface Stamps {
  [problem: string]: string;
}

async function readStamps(file: string): Promise<Stamps> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return value && typeof value === 'object' ? (value as Stamps) : {};
  } catch {
    return {};
  }
}

/** Sends (or writes) the admin alert unless one for the same problem class went out within the hour. Never throws. */
export async function sendAdminAlert(input: AdminAlertInput): Promise<AdminAlertResult> {
  try {
    const salvaged = input.delivery ? { delivery: input.delivery, secrets: input.secrets ?? [] } : await salvageDelivery(input.configPath, input.env);
    const outboxDir = salvaged?.delivery.outboxDir ?? join(dirname(input.configPath), 'outbox');
    const stampFile = join(outboxDir, STAMP_FILE);
    const stamps = await readStamps(stampFile);
    const last = Date.parse(stamps[input.problem] ?? '');
    if (Number.isFinite(last) && input.now.getTime() - last < ADMIN_ALERT_INTERVAL_MS) {
      return { outcome: `skipped: an admin alert about the ${input.problem} went out at ${new Date(last).toISOString()} (at most one per hour)` };
    }
    const delivery = salvaged?.delivery;
    const message = redactText(input.message, salvaged?.secrets ?? []);
    const what = input.problem === 'config' ? 'the config cannot be loaded' : 'the store cannot be reached';
    const subject = `[CRIT] dthostmon: monitoring passes fail, ${what}`;
    const text = [
      `dthostmon could not complete a monitoring pass on ${input.runner} at ${input.now.toISOString()}:`,
      '',
      `    ${message}`,
      '',
      `Config: ${input.configPath}`,
      'No host is monitored until this is fixed. You get this message at most once per hour while it lasts.',
      '',
    ].join('\n');
    const from = delivery?.from ?? 'dthostmon <dthostmon@localhost>';
    const to = delivery ? (delivery.alerts.adminRecipients.length > 0 ? delivery.alerts.adminRecipients : delivery.alertRecipients) : [];
    const dedupe = `admin:${input.problem}:${input.now.toISOString()}`;
    const raw = await composeEmail({ to, subject, text }, { from, replyTo: delivery?.replyTo ?? from, messageId: messageIdFor(dedupe, from), date: input.now });
    let outcome: string;
    if (delivery?.smtp && to.length > 0) {
      const sender = createSmtpSender(configuredSmtpSettings(delivery));
      try {
        const sent = await sender.send(raw, envelopeFor(from, to));
        outcome = `sent to ${to.join(', ')} via ${sent.deliveredTo}`;
      } finally {
        await sender.close().catch(() => undefined);
      }
    } else {
      outcome = `written to ${await writeEml(outboxDir, input.now, 0, subject, raw)}`;
    }
    stamps[input.problem] = input.now.toISOString();
    await mkdir(outboxDir, { recursive: true });
    await writeFile(`${stampFile}.tmp`, JSON.stringify(stamps));
    await rename(`${stampFile}.tmp`, stampFile);
    return { outcome };
  } catch (err) {
    return { outcome: `failed: ${redactText(errorMessage(err), input.secrets ?? [])}` };
  }
}
