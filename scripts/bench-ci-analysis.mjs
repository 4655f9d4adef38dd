#!/usr/bin/env node
// The `authlog-analysis` case of the CI benchmark (scripts/bench-ci.mjs): the analysis a pass runs on a log (dist/:
// LogReader framing, integrity hash, line splitting and syslog parsing, then HostLogStream's filters, templates and
// built-in rules, and the findings, as scripts/analyze-file.mjs drives it) against a plain sshd summary in the same
// process (the counts logwatch --service sshd reports: failed and accepted logins and invalid users per user and
// source address, one regular expression per line), over the same chunks of one auth.log, alternating chunk by chunk.
//   node scripts/bench-ci-analysis.mjs FILE SWEEPS
// One untimed sweep over the file warms both up, then SWEEPS sweeps are measured; the baseline's half of a pair
// summarizes its chunk REPEATS times, so both halves take about as long. Prints `{"ours":[..],"baseline":[..]}`: CPU
// seconds per chunk (bench-ci-measure.mjs).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HostLogStream } from '../dist/analyze/log-stream.js';
import { newPatternFindings } from '../dist/analyze/new-patterns.js';
import { createRedactor } from '../dist/analyze/redact.js';
import { DEFAULT_ALERT_THRESHOLDS } from '../dist/config/schema-thresholds.js';
import { LogReader } from '../dist/collect/log-reader.js';
import { alternate } from './bench-ci-measure.mjs';

const CHUNK_LINES = 1000;
/** Summaries per unit: the baseline's half then takes about as long as ours (measured: ~13x less CPU per chunk). */
const REPEATS = 12;
/** What a local `sh` pipe delivers per read. */
const READ_BYTES = 64 * 1024;
const SOURCE = '/var/log/auth.log';

const [file, sweepsArg] = process.argv.slice(2);
const sweeps = Number(sweepsArg);
if (!file || !Number.isInteger(sweeps) || sweeps < 1) throw new Error('usage: bench-ci-analysis.mjs FILE SWEEPS');

/** The file cut at line ends into chunks of CHUNK_LINES lines, each with its sha256 (the read's end marker). */
function chunksOf(bytes) {
  const chunks = [];
  let start = 0;
  while (start < bytes.length) {
    let end = start;
    for (let n = 0; n < CHUNK_LINES && end < bytes.length; n++) {
      const newline = bytes.indexOf(10, end);
      end = newline === -1 ? bytes.length : newline + 1;
    }
    const data = bytes.subarray(start, end);
    chunks.push({ data, sha256: createHash('sha256').update(data).digest('hex') });
    start = end;
  }
  return chunks;
}

const reference = new Date();
// A pass always knows its own SSH session (self-noise.ts filters its lines): one that logged nothing here.
const identity = { user: 'dthostmon', addresses: ['192.0.2.250'], sourcePorts: [40022], since: reference.toISOString(), until: reference.toISOString() };
const known = { hashes: new Set(), passes: 3, errorsPerHour: null };
const redact = createRedactor([]);

/** Ours: one chunk as a pass reads and analyses a range, to its findings and new-pattern findings. */
function analyze({ data, sha256 }) {
  const stream = new HostLogStream({ identity });
  const token = `@@dthm-read-${randomBytes(12).toString('hex')}`;
  const job = { range: { path: SOURCE, startByte: 0, lengthBytes: data.length, dropsPartialFirstLine: false, isCurrent: true }, source: SOURCE };
  const reader = new LogReader([job], token, reference, (j) => stream.batchFor(j.source));
  reader.push(Buffer.from(`${token} begin 0 sha256\n`));
  for (let at = 0; at < data.length; at += READ_BYTES) reader.push(data.subarray(at, at + READ_BYTES));
  reader.push(Buffer.from(`\n${token} end 0 0 sha256 ${sha256} -\n`));
  const { outcomes, problems } = reader.finish();
  const [outcome] = outcomes;
  if (problems.length > 0 || !outcome?.isComplete || outcome.integrityFailure) throw new Error(`read failed: ${problems.join('; ')}`);
  outcome.batch.commit();
  const findings = stream.findings(DEFAULT_ALERT_THRESHOLDS, []);
  newPatternFindings(stream.templates, known, { learningPasses: 3, redact, windowHours: 24 });
  return findings.length;
}

const SSHD_EVENT = /sshd\[\d+\]: (?:Failed (\S+) for (?:invalid user )?(.+?) from (\S+)|Invalid user (.*?) from (\S+)|Accepted (\S+) for (\S+) from (\S+))/;

/** The baseline: logwatch's sshd counts (failed, accepted, invalid users per user and address), sorted. */
function summarize({ data }) {
  const counts = new Map();
  const count = (key) => counts.set(key, (counts.get(key) ?? 0) + 1);
  for (const line of data.toString('utf8').split('\n')) {
    const m = SSHD_EVENT.exec(line);
    if (m === null) continue;
    if (m[1] !== undefined) count(`failed ${m[3]} ${m[2]}/${m[1]}`);
    else if (m[4] !== undefined) count(`invalid ${m[5]} ${m[4]}`);
    else count(`accepted ${m[8]} ${m[7]}/${m[6]}`);
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).length;
}

const chunks = chunksOf(readFileSync(file));
for (const chunk of chunks) {
  analyze(chunk);
  summarize(chunk);
}
const pick = (i) => chunks[i % chunks.length];
const result = await alternate(
  chunks.length * sweeps,
  (i) => analyze(pick(i)),
  (i) => {
    for (let r = 0; r < REPEATS; r++) summarize(pick(i));
  },
);
result.baseline = result.baseline.map((seconds) => seconds / REPEATS);
console.log(JSON.stringify(result));
