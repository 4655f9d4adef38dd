/**
 * The delivery settings of a validated document: SMTP, Pushover, alert policy and routing, silences, report
 * schedules of sites, where `.eml` files go. Resolved once per config load; the alert and report stages read only
 * this (never the raw document).
 */
import type { AlertPolicy, Silence } from '../alert/state-machine.js';
import type { Severity } from '../types.js';
import { resolveConfigPath } from './paths.js';
import type { ConfigDocument } from './schema.js';
import type { SmtpSecurity } from '../report/smtp.js';

export interface SmtpConfig {
  host: string;
  port: number;
  /** `tls` on port 465 (implicit TLS), `starttls` when use_tls (required: never a silent clear-text fallback), else `none`. */
  security: SmtpSecurity;
  /** Only when smtp_auth_required and both user and password are set (the original's rule). */
  auth: { user: string; pass: string } | null;
  tlsVerify: boolean;
  timeoutMs: number;
}

export interface PushoverConfig {
  token: string;
  user: string;
  baseUrl: string;
  minSeverity: Severity;
  priority: number;
  retrySeconds: number | null;
  expireSeconds: number | null;
}

export interface SiteDelivery {
  sendSiteReports: boolean;
  /** `sites.<id>.site_report_frequency`, else `global.site_report_frequency`, else daily. */
  siteReportFrequency: string;
  /** Site report recipients: the site's report list, else its alert list, else the email report/alert lists. */
  reportRecipients: string[];
}

export interface DeliverySettings {
  /** Null: no `email.smtp_host`; messages are written as .eml files into `outboxDir`. */
  smtp: SmtpConfig | null;
  from: string;
  replyTo: string;
  /** `email.alert_recipients`. */
  alertRecipients: string[];
  pushover: PushoverConfig | null;
  alerts: {
    enabled: boolean;
    minSeverity: Severity;
    policy: AlertPolicy;
    /** Per-severity lists as configured (undefined: not set). */
    recipients: { crit?: string[]; warn?: string[]; info?: string[]; sms?: string[] };
    adminRecipients: string[];
  };
  silences: Silence[];
  /** Absolute directory of `.eml` files written when no SMTP server is configured. */
  outboxDir: string;
  /** `api.public_url` without a trailing slash, or null. */
  publicUrl: string | null;
  /** Per configured site id. */
  sites: Record<string, SiteDelivery>;
  /** Site reports of hosts without a site, and of sites not in `sites`: `global.site_report_frequency`, else daily. */
  defaultSiteReportFrequency: string;
}

/** Default From when none is configured: names the tool, never pretends to be a real mailbox. */
export const DEFAULT_FROM = 'dthostmon <dthostmon@localhost>';

/**
 * The one rule (the original's): port 465 is implicit TLS whatever use_tls says; use_tls (default) is STARTTLS,
 * required; use_tls: false is plain, which the schema accepts only with allow_insecure: true.
 */
function securityOf(email: NonNullable<ConfigDocument['email']>): SmtpSecurity {
  if (email.smtp_port === 465) return 'tls';
  return email.use_tls ? 'starttls' : 'none';
}

/** Resolves the delivery settings. Assumes a validated document (cross-field rules are checked by the schema). */
export function resolveDeliverySettings(doc: ConfigDocument, configDir: string, homeDir: string): DeliverySettings {
  const email = doc.email;
  const from = email?.from_address || DEFAULT_FROM;
  const smtp: SmtpConfig | null =
    email?.smtp_host !== undefined
      ? {
          host: email.smtp_host,
          port: email.smtp_port,
          security: securityOf(email),
          auth: email.smtp_auth_required && email.smtp_auth_user && email.smtp_auth_password ? { user: email.smtp_auth_user, pass: email.smtp_auth_password } : null,
          tlsVerify: email.tls_verify,
          timeoutMs: Math.round(email.timeout * 1000),
        }
      : null;
  const p = doc.pushover;
  const pushover: PushoverConfig | null =
    p.enabled && p.api_token && p.user_key
      ? {
          token: p.api_token,
          user: p.user_key,
          baseUrl: p.base_url.replace(/\/+$/, ''),
          minSeverity: p.min_severity,
          priority: p.priority,
          retrySeconds: p.retry ?? null,
          expireSeconds: p.expire ?? null,
        }
      : null;
  const alertRecipients = email?.alert_recipients ?? [];
  const reportDefault = email?.report_recipients ?? alertRecipients;
  const defaultSiteReportFrequency = doc.global.site_report_frequency ?? 'daily';
  const sites: Record<string, SiteDelivery> = {};
  for (const [id, site] of Object.entries(doc.sites)) {
    sites[id] = {
      sendSiteReports: site.send_site_reports ?? true,
      siteReportFrequency: site.site_report_frequency ?? defaultSiteReportFrequency,
      reportRecipients: site.report_recipients ?? site.alert_recipients ?? reportDefault,
    };
  }
  const a = doc.alerts;
  return {
    smtp,
    from,
    replyTo: email?.reply_to_address || from,
    alertRecipients,
    pushover,
    alerts: {
      enabled: a.enabled,
      minSeverity: a.min_severity,
      policy: {
        forPasses: a.for_passes,
        renotifyAfterMs: a.renotify_after > 0 ? Math.round(a.renotify_after * 1000) : null,
        notifyRecovery: a.notify_recovery,
        flapWindowMs: Math.round(a.flap_window * 1000),
      },
      recipients: {
        ...(a.recipients.crit ? { crit: a.recipients.crit } : {}),
        ...(a.recipients.warn ? { warn: a.recipients.warn } : {}),
        ...(a.recipients.info ? { info: a.recipients.info } : {}),
        ...(a.recipients.sms ? { sms: a.recipients.sms } : {}),
      },
      adminRecipients: a.admin_recipients ?? alertRecipients,
    },
    silences: doc.silences.map((s) => ({
      ...(s.category !== undefined ? { category: s.category } : {}),
      ...(s.host !== undefined ? { host: s.host } : {}),
      ...(s.site !== undefined ? { site: s.site } : {}),
      until: new Date(Date.parse(s.until)).toISOString(),
      reason: s.reason,
    })),
    outboxDir: resolveConfigPath(configDir, doc.global.outbox_dir, homeDir),
    publicUrl: doc.api.public_url ? doc.api.public_url.replace(/\/+$/, '') : null,
    sites,
    defaultSiteReportFrequency,
  };
}
