/**
 * bench/reference.json: the ratios the CI benchmark gate compares with (`npm run bench:ci`), when and how they were
 * measured, and why they were last changed. Written by `npm run bench:reference`; see docs/benchmarks.md.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';

const caseSchema = z.strictObject({
  /** Our CPU time over the in-run baseline's: the median of the reference rounds. */
  ratio: z.number().positive(),
  /** 0.10: a run may be 10 % worse. */
  tolerance: z.number().positive().max(1),
  /** Each reference round's ratio: their spread is the noise the tolerance must stay above. */
  rounds: z.array(z.number().positive()).min(1),
});

const referenceSchema = z.strictObject({
  about: z.string(),
  measured: z.strictObject({
    /** `git rev-parse --short HEAD` (with `-dirty` for uncommitted changes). */
    commit: z.string().min(1),
    date: z.iso.datetime(),
    machine: z.string().min(1),
    /** The command and method. */
    how: z.string().min(1),
  }),
  /** Why the reference was (re)measured: a change that makes a case slower on purpose says so here. */
  reason: z.string().min(1),
  cases: z.record(z.string().regex(/^[a-z0-9-]+$/), caseSchema),
});

export type BenchReference = z.infer<typeof referenceSchema>;
export type BenchReferenceCase = z.infer<typeof caseSchema>;

/**
 * Parses and checks a reference file's text.
 * @throws ConfigError naming the file and the key of every problem (exit 2).
 */
export function parseReference(text: string, file: string): BenchReference {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([{ file, path: '', message: `not JSON: ${err instanceof Error ? err.message : String(err)}` }]);
  }
  const parsed = referenceSchema.safeParse(data);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => ({ file, path: issue.path.map(String).join('.'), message: issue.message })));
  }
  return parsed.data;
}

/** The reference file's text (two-space JSON, cases in name order, ending in a newline). */
export function formatReference(reference: BenchReference): string {
  const cases = Object.fromEntries(Object.entries(reference.cases).sort(([a], [b]) => a.localeCompare(b)));
  return `${JSON.stringify({ ...reference, cases }, null, 2)}\n`;
}
