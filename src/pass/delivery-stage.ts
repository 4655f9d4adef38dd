/**
 * Delivers what the outbox holds (this pass's alerts and reports, and earlier passes' failures that are due again)
 * with senders built from the config: SMTP when `email.smtp_host` is set, else `.eml` files in `global.outbox_dir`;
 * Pushover when enabled. Never throws for a delivery failure: a failed message stays queued with its backoff, one
 * that keeps failing is dead-lettered and reported.
 */
import type { LoadedConfig } from '../config/types.js';
import { deliverOutbox, type DeliveryReport } from '../report/outbox.js';
import { createPushoverSender, type PushoverPriority, type PushoverSender } from '../report/pushover.js';
import { createSmtpSender, type EmailSender } from '../report/smtp.js';
import { configuredSmtpSettings } from '../report/smtp-settings.js';
import type { Store } from '../store/open-store.js';
import type { Clock } from '../types.js';
import { DEFAULT_ACTOR } from './audit-events.js';

/** Senders to use instead of the configured ones (tests, or a caller that shares connections). */
export interface SenderOverrides {
  email?: EmailSender | null;
  pushover?: PushoverSender | null;
  fetch?: typeof fetch;
}

export function configuredEmailSender(config: LoadedConfig): EmailSender | null {
  return config.delivery.smtp ? createSmtpSender(configuredSmtpSettings(config.delivery)) : null;
}

export function configuredPushoverSender(config: LoadedConfig, fetchImpl: typeof fetch = fetch): PushoverSender | null {
  const p = config.delivery.pushover;
  if (!p) return null;
  return createPushoverSender(
    {
      token: p.token,
      user: p.user,
      baseUrl: p.baseUrl,
      priority: p.priority as PushoverPriority,
      ...(p.retrySeconds !== null ? { retrySeconds: p.retrySeconds } : {}),
      ...(p.expireSeconds !== null ? { expireSeconds: p.expireSeconds } : {}),
      timeoutMs: 10_000,
    },
    fetchImpl,
  );
}

/**
 * Delivers every due outbox message; each one sent is a `message.sent` audit row naming `actor`. Throws only on a
 * store error.
 */
export async function runDeliveryStage(config: LoadedConfig, store: Store, clock: Clock, overrides: SenderOverrides = {}, actor = DEFAULT_ACTOR): Promise<DeliveryReport> {
  const email = overrides.email !== undefined ? overrides.email : configuredEmailSender(config);
  const pushover = overrides.pushover !== undefined ? overrides.pushover : configuredPushoverSender(config, overrides.fetch);
  return deliverOutbox(store.db, { now: clock, email, pushover, emlDir: config.delivery.outboxDir, actor });
}
