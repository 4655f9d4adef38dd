import type { Kysely } from 'kysely';
import type { Evidence } from '../types.js';
import type { Database } from './schema.js';

/**
 * The evidence of every finding one host got in one run, by finding key (unique per host run). Read back for output
 * that wants it (`run --json`) after the pass kept only compact results in memory. A row whose evidence is not valid
 * JSON (written by hand) gives no evidence rather than an error.
 */
export async function findingEvidenceOfRun(db: Kysely<Database>, runId: number, hostName: string): Promise<Map<string, Evidence[]>> {
  const rows = await db
    .selectFrom('findings')
    .innerJoin('hosts', 'hosts.id', 'findings.host_id')
    .select(['findings.key', 'findings.evidence'])
    .where('findings.run_id', '=', runId)
    .where('hosts.name', '=', hostName)
    .orderBy('findings.id')
    .execute();
  const byKey = new Map<string, Evidence[]>();
  for (const row of rows) byKey.set(row.key, parseEvidence(row.evidence));
  return byKey;
}

function parseEvidence(text: string): Evidence[] {
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) ? (value as Evidence[]) : [];
  } catch {
    return [];
  }
}
