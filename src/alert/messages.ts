/**
 * The alert messages of one pass, as data for the templates (`alert-email.html`, `alert-email.txt`,
 * `alert-subject.txt`, `alert-sms.txt`, `alert-pushover.txt`): wording lives in the templates, this only groups and
 * counts. Pure.
 */
import type { Renderer } from '../report/render.js';
import { formatUtc } from '../report/format.js';
import { limitLineLength } from '../report/report-email.js';
import type { Severity } from '../types.js';
import type { AlertItem } from './plan.js';

export const ALERT_TEMPLATES = ['alert-email.html', 'alert-email.txt', 'alert-subject.txt', 'alert-sms.txt', 'alert-pushover.txt'] as const;

export interface AlertMessageModel {
  generatedAt: string;
  /** The most severe level of what opened (crit > warn > info), or `resolved` when everything resolved. */
  level: 'CRIT' | 'WARN' | 'INFO' | 'RESOLVED';
  count: number;
  hostCount: number;
  counts: { crit: number; warn: number; info: number; resolved: number };
  /** The single item when there is one (subjects name it). */
  only: AlertItem | null;
  hosts: Array<{ name: string; site: string | null; score: number | null; link: string | null; items: AlertItem[] }>;
  runId: number;
}

const LEVELS: Record<Severity, AlertMessageModel['level']> = { crit: 'CRIT', warn: 'WARN', info: 'INFO' };
const RANK: Record<Severity, number> = { info: 0, warn: 1, crit: 2 };

export function alertMessageModel(items: readonly AlertItem[], now: Date, runId: number): AlertMessageModel {
  const active = items.filter((i) => i.kind !== 'resolved');
  const top = active.reduce<Severity | null>((best, i) => (best === null || RANK[i.severity] > RANK[best] ? i.severity : best), null);
  const hosts = new Map<string, AlertMessageModel['hosts'][number]>();
  for (const item of items) {
    const host = hosts.get(item.host) ?? { name: item.host, site: item.site, score: item.score, link: item.link, items: [] };
    host.items.push(item);
    hosts.set(item.host, host);
  }
  return {
    generatedAt: formatUtc(now),
    level: top === null ? 'RESOLVED' : LEVELS[top],
    count: items.length,
    hostCount: hosts.size,
    counts: {
      crit: active.filter((i) => i.severity === 'crit').length,
      warn: active.filter((i) => i.severity === 'warn').length,
      info: active.filter((i) => i.severity === 'info').length,
      resolved: items.length - active.length,
    },
    only: items.length === 1 ? (items[0] as AlertItem) : null,
    hosts: [...hosts.values()],
    runId,
  };
}

/** One line, trimmed (a subject or title must not carry a line break from host data). */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export interface RenderedAlertEmail {
  subject: string;
  text: string;
  html: string;
}

export function renderAlertEmail(renderer: Renderer, model: AlertMessageModel): RenderedAlertEmail {
  return {
    subject: oneLine(renderer.render('alert-subject.txt', model)),
    text: renderer.render('alert-email.txt', model),
    html: limitLineLength(renderer.render('alert-email.html', model)),
  };
}

/** The SMS gateway text: one short line per crit alert. */
export function renderSms(renderer: Renderer, model: AlertMessageModel): { subject: string; text: string } {
  return { subject: oneLine(renderer.render('alert-subject.txt', model)), text: renderer.render('alert-sms.txt', model).trim() };
}

/** Pushover title and message (the sender cuts the message to 1024 characters). */
export function renderPushover(renderer: Renderer, model: AlertMessageModel): { title: string; message: string; url: string | null } {
  const text = renderer.render('alert-pushover.txt', model).trim();
  const [title = 'dthostmon', ...rest] = text.split('\n');
  const links = model.hosts.map((h) => h.link).filter((l): l is string => l !== null);
  return { title: oneLine(title), message: rest.join('\n').trim(), url: model.hostCount === 1 ? (links[0] ?? null) : null };
}
