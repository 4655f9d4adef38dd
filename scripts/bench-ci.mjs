#!/usr/bin/env node
// The short benchmark and its gate (issue #10, TR-PERF-001; docs/benchmarks.md):
//   npm run bench:ci                         measure every case of dist/bench/ci-cases.js and compare its ratio (our
//                                            CPU time over the in-run baseline's) with bench/reference.json: exit 1,
//                                            one line per failing case, when a ratio is over reference x (1 +
//                                            tolerance) in 3 rounds in a row (a case over it is measured again)
//   npm run bench:reference -- --reason TEXT measure every case in 5 rounds and rewrite bench/reference.json
// scripts/test.sh runs the gate after jest. Every run's results go to the benchmarks table (bench-store.mjs).
// A round of a case runs CHILDREN child processes (scripts/bench-ci-*.mjs) that alternate our work and the
// baseline's unit by unit and print the CPU seconds of each; the round's ratio is the median of all pair ratios.
// Flags: --case NAME (repeatable: only these cases), --json (one JSON object on stdout instead of the table).
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gitCommit, root, storeBenchmarks } from './bench-results.mjs';
import { authLogLines } from './gen-authlog.mjs';

const REFERENCE_FILE = join(root, 'bench', 'reference.json');
const REFERENCE_DISPLAY = 'bench/reference.json';
const TOLERANCE = 0.1;
const MAX_ROUNDS = 3;
const REFERENCE_ROUNDS = 5;
/** Child processes per round: a process's own luck (code layout, JIT decisions) then weighs half. */
const CHILDREN = 2;
const AUTHLOG_LINES = 100_000;
const CHILD_TIMEOUT_MS = 10 * 60_000;
/** Before measuring a case again: wait up to this long for the 1-minute load average to drop below the CPU count. */
const SETTLE_MS = 60_000;
const SETTLE_POLL_MS = 5_000;

const { values: flags } = parseArgs({
  options: {
    'write-reference': { type: 'boolean', default: false },
    reason: { type: 'string' },
    case: { type: 'string', multiple: true },
    json: { type: 'boolean', default: false },
  },
});
const isReference = flags['write-reference'];
/** A problem the user can fix: one line, exit status 2. */
function usage(message) {
  console.error(`bench:ci: ${message}`);
  process.exitCode = 2;
}

if (!existsSync(join(root, 'dist', 'bench', 'gate.js'))) {
  usage('dist/ is missing: run `npm run build` first');
} else if (isReference && !flags.reason?.trim()) {
  usage('--reason TEXT is required: say why the reference changes (see docs/benchmarks.md)');
} else {
  await main();
}

async function main() {
  const [{ CI_CASES }, gate, { formatReference, parseReference }] = await Promise.all([
    import('../dist/bench/ci-cases.js'),
    import('../dist/bench/gate.js'),
    import('../dist/bench/reference.js'),
  ]);
  const unknown = (flags.case ?? []).filter((name) => !CI_CASES.some((c) => c.name === name));
  if (unknown.length > 0) return usage(`unknown case ${unknown.join(', ')} (cases: ${CI_CASES.map((c) => c.name).join(', ')})`);
  const cases = CI_CASES.filter((c) => !flags.case || flags.case.includes(c.name));
  let reference;
  if (!isReference) {
    if (!existsSync(REFERENCE_FILE)) return usage(`${REFERENCE_DISPLAY} is missing: npm run bench:reference -- --reason "first reference"`);
    try {
      reference = parseReference(readFileSync(REFERENCE_FILE, 'utf8'), REFERENCE_DISPLAY);
    } catch (err) {
      return usage(err.message);
    }
  }

  const work = mkdtempSync(join(tmpdir(), 'dthm-bench-ci-'));
  try {
    const loadBefore = loadavg();
    const started = Date.now();
    const authLog = join(work, 'auth.log');
    await writeLines(authLog, authLogLines(AUTHLOG_LINES));
    const args = {
      'authlog-analysis': () => [authLog, '2'],
      'store-writes': () => [mkdtempSync(join(work, 'store-')), '8'],
    };
    /** Every round measured, by case. */
    const rounds = new Map(cases.map((c) => [c.name, []]));
    const measure = async (name, roundNumber) => {
      const c = cases.find((x) => x.name === name);
      // A round over the limit is often a burst of other work on the machine (heavy load moves the ratios up).
      if (roundNumber > 1 && !isReference) await settle();
      const pairs = { ours: [], baseline: [] };
      for (let i = 0; i < CHILDREN; i++) {
        const child = runChild(c.script, args[name]());
        pairs.ours.push(...child.ours);
        pairs.baseline.push(...child.baseline);
      }
      const round = {
        ratio: gate.roundRatio(pairs.ours, pairs.baseline),
        ours: gate.median(pairs.ours),
        baseline: gate.median(pairs.baseline),
        pairs: pairs.ours.length,
      };
      rounds.get(name).push(round);
      if (!flags.json) console.error(`${name} round ${rounds.get(name).length}: ratio ${round.ratio.toFixed(3)} (${round.pairs} pairs)`);
      return round.ratio;
    };

    let verdicts = [];
    if (isReference) {
      for (const c of cases) for (let r = 1; r <= REFERENCE_ROUNDS; r++) await measure(c.name, r);
    } else {
      verdicts = await gate.runGate(cases.map((c) => c.name), reference.cases, measure, MAX_ROUNDS);
    }
    const summary = {
      date: new Date().toISOString(),
      commit: gitCommit(),
      node: process.version,
      cpus: cpus().length,
      loadavg: { before: loadBefore, after: loadavg() },
      seconds: (Date.now() - started) / 1000,
      cases: cases.map((c) => {
        const measured = rounds.get(c.name);
        const verdict = verdicts.find((v) => v.name === c.name);
        return { name: c.name, baseline: c.baseline, rounds: measured, ratio: verdict?.ratio ?? gate.median(measured.map((r) => r.ratio)), verdict };
      }),
    };

    await storeBenchmarks(isReference ? 'bench:reference' : 'bench:ci', summary.cases.flatMap(resultRows));
    if (isReference) {
      const next = {
        about: 'Reference ratios of the CI benchmark gate (npm run bench:ci; docs/benchmarks.md). Rewrite with npm run bench:reference -- --reason "why".',
        measured: {
          commit: summary.commit,
          date: summary.date,
          machine: `${summary.cpus} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`,
          how:
            `npm run bench:reference: ${REFERENCE_ROUNDS} rounds per case; a round alternates our work and the baseline's unit by unit ` +
            `in ${CHILDREN} processes and measures CPU seconds (user + sys, children included); its ratio is the median of the pair ratios; ` +
            `the reference is the median round (load average ${loadBefore.map((x) => x.toFixed(1)).join(' ')} before)`,
        },
        reason: flags.reason.trim(),
        cases: Object.fromEntries(
          summary.cases.map((c) => [c.name, { ratio: round3(c.ratio), tolerance: TOLERANCE, rounds: c.rounds.map((r) => round3(r.ratio)) }]),
        ),
      };
      writeFileSync(REFERENCE_FILE, formatReference(next));
    }
    if (flags.json) console.log(JSON.stringify(summary, null, 2));
    else printTable(summary, reference);
    const failures = verdicts.filter((v) => !v.isPass);
    for (const verdict of failures) console.error(gate.gateFailureLine(verdict, REFERENCE_DISPLAY));
    if (failures.length > 0) process.exitCode = 1;
    else if (isReference && !flags.json) console.error(`bench:ci: wrote ${REFERENCE_DISPLAY}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Waits (at most SETTLE_MS) until the machine is not overloaded; says so on stderr when it waits. */
async function settle() {
  const deadline = Date.now() + SETTLE_MS;
  if (loadavg()[0] >= cpus().length) console.error(`bench:ci: load average ${loadavg()[0].toFixed(1)}: waiting up to ${SETTLE_MS / 1000} s before measuring again`);
  while (loadavg()[0] >= cpus().length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
}

async function writeLines(path, lines) {
  const out = createWriteStream(path);
  for (const line of lines) if (!out.write(line)) await new Promise((resolve) => out.once('drain', resolve));
  await new Promise((resolve) => out.end(resolve));
}

/** Runs one case's child script; its stdout is `{"ours":[..],"baseline":[..]}`. */
function runChild(script, args) {
  // Single-threaded GC: V8's parallel GC helpers spin on a busy machine, and their CPU landed on the allocating side
  // (our halves): measured on store-writes at load 17, ratio 5.7-6.0 with them, 5.0-5.3 without.
  const res = spawnSync(process.execPath, ['--single-threaded-gc', join(root, 'scripts', script), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    timeout: CHILD_TIMEOUT_MS,
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`scripts/${script} failed (${res.status ?? res.signal}): ${res.stderr.slice(-2000)}`);
  return JSON.parse(res.stdout.trim().split('\n').at(-1));
}

/** The rows a case stores: its deciding (last) round's medians, per unit, and the ratio. */
function resultRows(c) {
  const last = c.rounds.at(-1);
  if (last === undefined) return [];
  return [
    { benchmark: c.name, variant: 'dthostmon', metric: 'cpu_s', value: last.ours, baselineVariant: c.baseline, ratio: c.ratio },
    { benchmark: c.name, variant: c.baseline, metric: 'cpu_s', value: last.baseline },
  ];
}

function round3(x) {
  return Math.round(x * 1000) / 1000;
}

function printTable(summary, reference) {
  const f = (x, d = 3) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '-');
  const load = (l) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(
    `\ndthostmon CI benchmark (${summary.date}; commit ${summary.commit}; node ${summary.node}; ${summary.cpus} CPUs; ` +
      `loadavg before ${load(summary.loadavg.before)}, after ${load(summary.loadavg.after)}; ${summary.seconds.toFixed(0)} s)\n`,
  );
  console.log('| case | baseline | ours CPU ms/unit | baseline CPU ms/unit | pairs | ratio | rounds | reference | limit | result |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const c of summary.cases) {
    const last = c.rounds.at(-1);
    const ref = reference?.cases[c.name];
    const result = c.verdict === undefined ? 'reference' : c.verdict.isPass ? 'pass' : 'FAIL';
    console.log(
      `| ${c.name} | ${c.baseline} | ${f(last.ours * 1000, 2)} | ${f(last.baseline * 1000, 2)} | ${last.pairs} | ${f(c.ratio)} | ` +
        `${c.rounds.map((r) => f(r.ratio)).join(', ')} | ${f(ref?.ratio)} | ${f(ref ? ref.ratio * (1 + ref.tolerance) : undefined)} | ${result} |`,
    );
  }
}
