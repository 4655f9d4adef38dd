import postgres from 'postgres';

/** The PostgreSQL the tests use: $DTHOSTMON_TEST_PG_URL or the machine's server, database `test`. */
export const testPgUrl = process.env.DTHOSTMON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Creates an empty schema of our own and returns a URL whose search_path points at it, so parallel tests and other
 * users of the database never see each other. Returns null (or throws under CI=true) when no server answers.
 */
export async function createTestSchema(prefix: string): Promise<{ url: string; drop(): Promise<void> } | null> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(testPgUrl, { max: 1, connect_timeout: 5, onnotice: () => undefined });
  try {
    await admin.unsafe(`create schema "${name}"`);
  } catch (err) {
    await admin.end({ timeout: 1 }).catch(() => undefined);
    const message = `PostgreSQL at ${testPgUrl.replace(/:[^:@/]*@/, '@')} is not reachable: ${(err as Error).message}`;
    if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a missing peer is a failure)`);
    console.warn(`SKIPPED: ${message}`);
    return null;
  }
  const sep = testPgUrl.includes('?') ? '&' : '?';
  return {
    url: `${testPgUrl}${sep}search_path=${name}`,
    drop: async () => {
      await admin.unsafe(`drop schema "${name}" cascade`);
      await admin.end({ timeout: 5 });
    },
  };
}
