import { sql, type Kysely } from 'kysely';
import { metricHistory } from './metric-history.js';
import type { Database } from './schema.js';

/**
 * The queries of loadSiteReportData (site-report-repo.ts), one per part of the report, each over all the hosts of the
 * site at once. Window functions (row_number, dense_rank, count over) run on SQLite >= 3.25 and PostgreSQL alike.
 * Metrics come from the raw rows and, further back, the hourly and daily rollups of retention (metric-history.ts).
 */

/**
 * Mounts that are full by design (isAlwaysFullMount in analyze/resources.ts), left out in SQL: an Ubuntu host has
 * dozens, and their trend rows would outnumber the real ones. The model applies the whole rule.
 */
const SNAP_MOUNTS = '/snap/%';
const DISK_METRICS = ['disk.used_percent', 'disk.used_bytes', 'disk.size_bytes'];

/** Changes kept per host for the "recent activity" lines. */
export const RECENT_CHANGES_PER_HOST = 5;

/** The hosts and the period (ISO bounds, inclusive) a query covers. */
export interface Range {
  ids: number[];
  since: string;
  until: string;
}

/** Runs and failed runs of the period, and the last run that reached the host (before the period too). */
export function runSummaries(db: Kysely<Database>, { ids, since, until }: Range) {
  return db
    .selectFrom('host_runs')
    .select((eb) => [
      'host_id',
      eb.fn.sum<number>(eb.case().when('started_at', '>=', since).then(1).else(0).end()).as('runs'),
      eb.fn
        .sum<number>(eb.case().when(eb.and([eb('started_at', '>=', since), eb('status', '=', 'failed')])).then(1).else(0).end())
        .as('failed_runs'),
      eb.fn.max<string | null>(eb.case().when('status', '!=', 'failed').then(eb.ref('started_at')).end()).as('last_seen'),
    ])
    .where('host_id', 'in', ids)
    .where('started_at', '<=', until)
    .groupBy('host_id')
    .execute();
}

/** The latest host run of each host in the period. */
export function latestRunRows(db: Kysely<Database>, { ids, since, until }: Range) {
  return db
    .selectFrom((eb) =>
      eb
        .selectFrom('host_runs')
        .select([
          'id',
          'host_id',
          'started_at',
          'status',
          'error',
          'score',
          'health',
          'findings_crit',
          'findings_warn',
          'findings_info',
          sql<number>`row_number() over (partition by host_id order by started_at desc, id desc)`.as('rank'),
        ])
        .where('host_id', 'in', ids)
        .where('started_at', '>=', since)
        .where('started_at', '<=', until)
        .as('ranked'),
    )
    .selectAll()
    .where('rank', '=', 1)
    .execute();
}

/** The latest score of each host in the period (a failed run has none: the score before it). */
export function latestScoreRows(db: Kysely<Database>, { ids, since, until }: Range) {
  return db
    .selectFrom((eb) =>
      eb
        .selectFrom('host_runs')
        .select(['host_id', 'score', 'started_at', sql<number>`row_number() over (partition by host_id order by started_at desc, id desc)`.as('rank')])
        .where('host_id', 'in', ids)
        .where('score', 'is not', null)
        .where('started_at', '>=', since)
        .where('started_at', '<=', until)
        .as('ranked'),
    )
    .selectAll()
    .where('rank', '=', 1)
    .execute();
}

/**
 * CPU and memory averages over the period's samples (a rollup row weighs its sample count); a host with no sample has
 * no row (never a 0).
 */
export function averageRows(db: Kysely<Database>, { ids, since, until }: Range) {
  const samples = metricHistory(db, { hostIds: ids, names: ['cpu.used_percent', 'memory.used_percent'], from: since, fromInclusive: true, until });
  return db
    .selectFrom(samples.as('m'))
    .select((eb) => ['host_id', 'name', sql<number>`sum(value * samples) / sum(samples)`.as('average'), eb.fn.sum<number>('samples').as('samples')])
    .groupBy(['host_id', 'name'])
    .execute();
}

/** The disk rows of each host's latest collection in the period that had disks (one collection shares one time). */
export function latestDiskRows(db: Kysely<Database>, { ids, since, until }: Range) {
  const disks = metricHistory(db, { hostIds: ids, names: DISK_METRICS, from: since, fromInclusive: true, until, excludeLabelLike: SNAP_MOUNTS });
  return db
    .selectFrom((eb) =>
      eb
        .selectFrom(disks.as('m'))
        .select(['host_id', 'name', 'label', 'value', 'collected_at', sql<number>`dense_rank() over (partition by host_id order by collected_at desc)`.as('rank')])
        .as('ranked'),
    )
    .selectAll()
    .where('rank', '=', 1)
    .orderBy('host_id')
    .orderBy('label')
    .execute();
}

/**
 * Used and size bytes per mount, the last sample of each hour (the hour's or day's average where rolled up): at most
 * 24 points a day whatever the pass rate.
 */
export function diskTrendRows(db: Kysely<Database>, { ids, since, until }: Range) {
  const disks = metricHistory(db, { hostIds: ids, names: ['disk.used_bytes', 'disk.size_bytes'], from: since, fromInclusive: true, until, excludeLabelLike: SNAP_MOUNTS });
  return db
    .selectFrom((eb) =>
      eb
        .selectFrom(disks.as('m'))
        .select([
          'host_id',
          'name',
          'label',
          'value',
          'collected_at',
          sql<number>`row_number() over (partition by host_id, name, label, substr(collected_at, 1, 13) order by collected_at desc)`.as('rank'),
        ])
        .as('ranked'),
    )
    .select(['host_id', 'name', 'label', 'value', 'collected_at'])
    .where('rank', '=', 1)
    .orderBy('host_id')
    .orderBy('label')
    .orderBy('collected_at')
    .execute();
}

/** The latest occurrence of each critical finding key, with how many passes reported it and since when. */
export function criticalFindingRows(db: Kysely<Database>, { ids, since, until }: Range) {
  return db
    .selectFrom((eb) =>
      eb
        .selectFrom('findings')
        .select([
          'host_id',
          'host_run_id',
          'key',
          'category',
          'title',
          'subject',
          'recommendation',
          'created_at',
          sql<number>`row_number() over (partition by host_id, key order by created_at desc, id desc)`.as('rank'),
          sql<number>`count(*) over (partition by host_id, key)`.as('passes'),
          sql<string>`min(created_at) over (partition by host_id, key)`.as('first_seen'),
        ])
        .where('host_id', 'in', ids)
        .where('severity', '=', 'crit')
        .where('created_at', '>=', since)
        .where('created_at', '<=', until)
        .as('ranked'),
    )
    .selectAll()
    .where('rank', '=', 1)
    .orderBy('host_id')
    .orderBy('first_seen')
    .orderBy('key')
    .execute();
}

/** Changes of the period per host, kind and expectedness. */
export function changeCountRows(db: Kysely<Database>, { ids, since, until }: Range) {
  return db
    .selectFrom('changes')
    .select((eb) => ['host_id', 'kind', 'expected', eb.fn.countAll<number>().as('count')])
    .where('host_id', 'in', ids)
    .where('detected_at', '>=', since)
    .where('detected_at', '<=', until)
    .groupBy(['host_id', 'kind', 'expected'])
    .execute();
}

/** The latest changes of each host in the period, unexpected ones first. */
export function recentChangeRows(db: Kysely<Database>, { ids, since, until }: Range) {
  return db
    .selectFrom((eb) =>
      eb
        .selectFrom('changes')
        .select([
          'host_id',
          'kind',
          'action',
          'subject',
          'detail',
          'expected',
          'reason',
          'detected_at',
          sql<number>`row_number() over (partition by host_id order by expected asc, detected_at desc, id desc)`.as('rank'),
        ])
        .where('host_id', 'in', ids)
        .where('detected_at', '>=', since)
        .where('detected_at', '<=', until)
        .as('ranked'),
    )
    .selectAll()
    .where('rank', '<=', RECENT_CHANGES_PER_HOST)
    .orderBy('host_id')
    .orderBy('rank')
    .execute();
}

/**
 * Each host's AI calls of the period (ai_calls host_id+created_at): how many, the sum of the known costs, and the
 * answered calls without a price. A host the LLM never called has no row.
 */
export function aiCostRows(db: Kysely<Database>, { ids, since, until }: Range) {
  return db
    .selectFrom('ai_calls')
    .select((eb) => [
      'host_id',
      eb.fn.countAll<number | string>().as('calls'),
      eb.fn.sum<number | string | null>('cost_usd').as('cost_usd'),
      eb.fn
        .sum<number | string>(eb.case().when(eb.and([eb('cost_usd', 'is', null), eb('status', '!=', 'failed')])).then(1).else(0).end())
        .as('unpriced'),
    ])
    .where('host_id', 'in', ids)
    .where('created_at', '>=', since)
    .where('created_at', '<=', until)
    .groupBy('host_id')
    .execute();
}
