/** One section of the probe's output. */
export interface ProbeSection {
  stdout: string;
  /** What the section wrote to stderr (at most 1 KiB, trimmed). */
  stderr: string;
  /** Exit status of the section's last command; null when the output ended before the section did. */
  code: number | null;
}

/**
 * Splits the probe's stdout into its sections (see `buildProbeScript` for the format). Lines outside any section
 * are ignored; a section cut off by a timeout has `code: null` and the output it managed to print.
 */
export function parseProbeOutput(output: string, token: string): Map<string, ProbeSection> {
  const marker = `@@dthm-${token} `;
  const sections = new Map<string, ProbeSection>();
  let current: { name: string; lines: string[] } | null = null;
  let stderrOf: { section: ProbeSection; lines: string[] } | null = null;
  const closeStderr = (): void => {
    if (stderrOf) stderrOf.section.stderr = stderrOf.lines.join('\n').trim();
    stderrOf = null;
  };
  for (const line of output.split('\n')) {
    if (!line.startsWith(marker)) {
      if (current) current.lines.push(line);
      else if (stderrOf) stderrOf.lines.push(line);
      continue;
    }
    const [kind, name = '', status] = line.slice(marker.length).split(' ');
    if (kind === 'out') {
      closeStderr();
      if (current) sections.set(current.name, { stdout: current.lines.join('\n'), stderr: '', code: null });
      current = { name, lines: [] };
    } else if (kind === 'end' && current && current.name === name) {
      const code = status !== undefined && /^\d+$/.test(status) ? Number(status) : null;
      const section: ProbeSection = { stdout: current.lines.join('\n'), stderr: '', code };
      sections.set(name, section);
      current = null;
      stderrOf = { section, lines: [] };
    }
  }
  closeStderr();
  if (current) sections.set(current.name, { stdout: current.lines.join('\n'), stderr: '', code: null });
  return sections;
}
