#!/usr/bin/env node
// One log file through the analysis a pass runs on it, for `npm run bench:analyze` (issue #4). The bytes take the
// path of a pass's read: framed as the read command frames a range (begin marker, bytes, end marker with the
// sha256), then LogReader (demultiplexing and integrity hash, line splitting, sanitizing, syslog header parsing)
// into a HostLogStream batch (ignore patterns, own-session filter, templates, built-in rules), committed like a
// settled range; then the findings and the new-pattern findings are built. The file is streamed (never held), and
// this process is measured on its own so its peak RSS is the analysis's, not the benchmark's.
// usage: node scripts/analyze-file.mjs FILE [--sha256 HEX] [--source PATH] [--reference ISO] [--findings] [--dist DIR]
// Prints one JSON object: bytes, lines, seconds (read to findings), cpu seconds, maxRssKiB, templates, findings.
// `--dist`: the build to measure (default: this checkout's dist/), e.g. another commit's, for before/after figures.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** Read size: what a local `sh` pipe delivers per read (an SSH channel's are smaller, at most 32 KiB). */
const CHUNK_BYTES = 64 * 1024;

/** sha256 of the file, as the host's `sha256sum` computes it for the end marker (when the caller did not give it). */
async function sha256Of(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk);
  return hash.digest('hex');
}

/** Streams `path` through LogReader into a HostLogStream; returns the stream and what the reader made of the job. */
async function analyze(path, source, reference, checksum) {
  const sizeBytes = statSync(path).size;
  // A pass always knows its own SSH session (self-noise.ts filters its lines): one that logged nothing here.
  const identity = { user: 'dthostmon', addresses: ['192.0.2.250'], sourcePorts: [40022], since: reference.toISOString(), until: reference.toISOString() };
  const stream = new HostLogStream({ identity });
  const token = `@@dthm-read-${randomBytes(12).toString('hex')}`;
  const job = { range: { path, startByte: 0, lengthBytes: sizeBytes, dropsPartialFirstLine: false, isCurrent: true }, source };
  const reader = new LogReader([job], token, reference, (j) => stream.batchFor(j.source));
  reader.push(Buffer.from(`${token} begin 0 sha256\n`));
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) reader.push(chunk);
  reader.push(Buffer.from(`\n${token} end 0 0 sha256 ${checksum} -\n`));
  const { outcomes, problems } = reader.finish();
  const [outcome] = outcomes;
  if (problems.length > 0 || !outcome?.isComplete || outcome.integrityFailure) {
    throw new Error(`read failed: ${[...problems, outcome?.integrityFailure ?? 'incomplete'].join('; ')}`);
  }
  outcome.batch.commit();
  return { stream, lines: outcome.batch.count, bytes: outcome.bytesRead };
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sha256: { type: 'string' },
    source: { type: 'string', default: '/var/log/auth.log' },
    reference: { type: 'string' },
    findings: { type: 'boolean', default: false },
    dist: { type: 'string', default: join(dirname(fileURLToPath(import.meta.url)), '..', 'dist') },
  },
});
const load = (module) => import(pathToFileURL(resolve(values.dist, module)).href);
const { HostLogStream } = await load('analyze/log-stream.js');
const { newPatternFindings } = await load('analyze/new-patterns.js');
const { createRedactor } = await load('analyze/redact.js');
const { DEFAULT_ALERT_THRESHOLDS } = await load('config/schema-thresholds.js');
const { LogReader } = await load('collect/log-reader.js');
const [path] = positionals;
if (!path) throw new Error('usage: node scripts/analyze-file.mjs FILE [--sha256 HEX] [--source PATH] [--reference ISO] [--findings] [--dist DIR]');
const reference = values.reference ? new Date(values.reference) : new Date();
const checksum = values.sha256 ?? (await sha256Of(path));

const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();
const { stream, lines, bytes } = await analyze(path, values.source, reference, checksum);
const findings = stream.findings(DEFAULT_ALERT_THRESHOLDS, []);
// A host past its learning period with no known template: every template is new (the most work new-patterns does).
const known = { hashes: new Set(), passes: 3, errorsPerHour: null };
const patterns = newPatternFindings(stream.templates, known, { learningPasses: 3, redact: createRedactor([]), windowHours: 24 });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuBefore);

process.stdout.write(
  `${JSON.stringify({
    bytes,
    lines,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssKiB: process.resourceUsage().maxRSS,
    templates: stream.templates.stats.size,
    findingCount: findings.length,
    newPatternFindings: patterns.findings.length,
    ...(values.findings ? { findings } : {}),
  })}\n`,
);
