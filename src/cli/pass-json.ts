import type { Evidence, HostPassResult, PassResult } from '../types.js';

/** Where a host's evidence comes from when the PassResult was kept compact: finding key -> evidence. */
export type EvidenceSource = (host: HostPassResult) => Promise<Map<string, Evidence[]>>;

/**
 * Writes the PassResult as `JSON.stringify(result, null, 2)` would, but one host at a time, each host's evidence
 * fetched just before it is written (from the store): the output of `run --json` never has to be held whole, however
 * many hosts the pass had. `write` gets complete lines; `redact` is applied to each piece.
 */
export async function writePassJson(
  result: PassResult,
  evidenceOf: EvidenceSource,
  write: (text: string) => void,
  redact: (text: string) => string = (t) => t,
): Promise<void> {
  const entries = Object.entries(result).filter(([, value]) => value !== undefined);
  write('{\n');
  for (const [i, [key, value]] of entries.entries()) {
    const comma = i < entries.length - 1 ? ',' : '';
    if (key !== 'hosts' || !Array.isArray(value) || value.length === 0) {
      write(redact(`  ${JSON.stringify(key)}: ${indent(JSON.stringify(value, null, 2), '  ').trimStart()}${comma}\n`));
      continue;
    }
    write('  "hosts": [\n');
    const hosts = value as HostPassResult[];
    for (const [j, host] of hosts.entries()) {
      const evidence = await evidenceOf(host);
      const full = { ...host, findings: host.findings.map((f) => ({ ...f, evidence: f.evidence.length > 0 ? f.evidence : (evidence.get(f.key) ?? []) })) };
      write(redact(`${indent(JSON.stringify(full, null, 2), '    ')}${j < hosts.length - 1 ? ',' : ''}\n`));
    }
    write(`  ]${comma}\n`);
  }
  write('}\n');
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}
