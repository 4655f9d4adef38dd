#!/usr/bin/env node
// What the state sections of the probe (change detection) cost per host: collectHost over the local transport on
// this machine, with and without `track_changes`, alternating, N runs each (default 6), medians side by side.
// usage: npm run build && node scripts/bench-probe.mjs [runs]
import { collectHost } from '../dist/collect/collect-host.js';
import { createLocalTransport } from '../dist/collect/local-transport.js';
import { resolveHosts } from '../dist/config/resolve.js';
import { configSchema } from '../dist/config/schema.js';
import { toStoredState } from '../dist/analyze/changes/stored-state.js';

const runs = Number(process.argv[2] ?? 6);
const doc = configSchema.parse({ hosts: [{ name: 'self', transport: 'local', logs: ['/etc/hostname'] }] });
const [host] = resolveHosts(doc, process.cwd(), process.env.HOME ?? '/root');
// A later pass: counters stored (no CPU sleep), a previous pass an hour ago (owners lookup armed).
const previous = {
  hostId: null,
  cursors: [],
  lastScore: null,
  lastRunAt: new Date(Date.now() - 3600e3).toISOString(),
  consecutiveFailures: 0,
  baselines: { facts: { cpu: { counters: { totalJiffies: 1, idleJiffies: 1, at: new Date(Date.now() - 3600e3).toISOString() } } } },
};
const transport = createLocalTransport();
// A later pass has the state baseline of the one before (with it, list-unit-files is skipped while the unit
// directories are unchanged).
const seed = await collectHost(host, transport, previous, { clock: () => new Date(), signal: new AbortController().signal });
if (seed.state) previous.baselines.state = toStoredState(seed.state, { kernel: seed.facts?.kernel ?? '', bootedAt: null }, null, (l) => l);
const times = { with: [], without: [] };
let parts = '';
for (let i = 0; i < runs; i++) {
  for (const mode of ['with', 'without']) {
    const started = process.hrtime.bigint();
    const snapshot = await collectHost({ ...host, trackChanges: mode === 'with' }, transport, previous, { clock: () => new Date(), signal: new AbortController().signal });
    times[mode].push(Number(process.hrtime.bigint() - started) / 1e6);
    if (mode === 'with' && snapshot.state) {
      const s = snapshot.state;
      parts = `${Object.keys(s.packages ?? {}).length} packages, ${Object.keys(s.services ?? {}).length} services, ${(s.listeners ?? []).length} listeners, ${Object.keys(s.watched ?? {}).length} watched files, unavailable: ${Object.keys(s.unavailable).join(', ') || 'none'}`;
    }
  }
}
await transport.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`host: ${parts}`);
console.log(`collectHost median of ${runs}: with state ${median(times.with).toFixed(0)} ms, without ${median(times.without).toFixed(0)} ms`);
