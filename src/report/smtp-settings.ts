import type { DeliverySettings } from '../config/delivery.js';
import type { SmtpSettings } from './smtp.js';

/** The SMTP sender settings of a config's delivery settings (which must have `smtp`). */
export function configuredSmtpSettings(delivery: DeliverySettings): SmtpSettings {
  const smtp = delivery.smtp;
  if (!smtp) throw new Error('no SMTP server configured');
  return {
    host: smtp.host,
    port: smtp.port,
    security: smtp.security,
    auth: smtp.auth,
    from: delivery.from,
    replyTo: delivery.replyTo,
    tlsRejectUnauthorized: smtp.tlsVerify,
    timeoutMs: smtp.timeoutMs,
  };
}
