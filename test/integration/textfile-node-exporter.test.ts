/**
 * `run --textfile` read by the REAL node_exporter (Debian prometheus-node-exporter): a pass over this machine through
 * the CLI writes the file, node_exporter's textfile collector parses it without error and serves our series; the
 * file of a pass with awkward label values (quote, backslash, newline) parses too. A pass that cannot run leaves the
 * previous file as it was.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePassTextfile } from '../../src/cli/textfile.js';
import { cli } from '../helpers/cli-in-process.js';
import { tempDir } from '../helpers/cli.js';
import { freePort, NODE_EXPORTER_BIN, prometheusDescribe } from '../helpers/prometheus.js';
import { waitUntil } from '../helpers/wait.js';
import { samplePass } from '../unit/cli/sample-pass.js';

prometheusDescribe('run --textfile through the real node_exporter', () => {
  const dir = tempDir('dthm-textfile-ne-');
  const collector = join(dir, 'textfile');
  const textfile = join(collector, 'dthostmon.prom');
  const configPath = join(dir, 'dthostmon.yaml');
  let exporter: ChildProcess | null = null;
  let url = '';
  let log = '';

  beforeAll(async () => {
    mkdirSync(collector);
    writeFileSync(join(dir, 'auth.log'), 'Nov 25 10:00:00 self sshd[1]: Invalid user admin from 198.51.100.7 port 4000\n');
    writeFileSync(
      configPath,
      ['global:', '  reports_dir: reports', 'sites:', '  s01-lab: {}', 'hosts:', '  - name: self', '    site: s01-lab', '    transport: local', `    logs: ["${join(dir, 'auth.log')}"]`, ''].join('\n'),
    );
    const port = await freePort();
    url = `http://127.0.0.1:${port}/metrics`;
    // Only the textfile collector: the scrape is about our file.
    exporter = spawn(NODE_EXPORTER_BIN as string, ['--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${collector}`, `--web.listen-address=127.0.0.1:${port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exporter.stderr?.on('data', (c: Buffer) => (log += c.toString('utf8')));
    await waitUntil(`node_exporter answers on ${url}`, async () => (await fetch(url).then((r) => r.ok).catch(() => false)), 10_000);
  });
  afterAll(async () => {
    if (exporter && exporter.exitCode === null) {
      const exited = new Promise((resolve) => exporter?.once('exit', resolve));
      exporter.kill('SIGTERM');
      await exited;
    }
  });

  const scrape = async (): Promise<string[]> => (await (await fetch(url)).text()).split('\n');
  const value = (lines: string[], series: string): number | null => {
    const line = lines.find((l) => l.startsWith(`${series} `));
    return line === undefined ? null : Number(line.slice(series.length + 1));
  };

  it('serves the series of a pass the CLI wrote, without a textfile error', async () => {
    const res = await cli(['run', '-c', configPath, '--quiet', '--textfile', textfile]);
    expect([res.code, res.stderr]).toEqual([0, '']);
    expect(statSync(textfile).mode & 0o777).toBe(0o644);

    const lines = await scrape();
    expect(value(lines, 'node_textfile_scrape_error')).toBe(0);
    expect(value(lines, 'dthostmon_pass_hosts{status="ok"}')).toBe(1);
    expect(value(lines, 'dthostmon_pass_status{status="complete"}')).toBe(1);
    expect(value(lines, 'dthostmon_host_up{host="self",site="s01-lab"}')).toBe(1);
    // The invalid user in the log is a finding, whatever its severity.
    const findings = ['crit', 'warn', 'info'].map((severity) => value(lines, `dthostmon_host_findings{host="self",severity="${severity}",site="s01-lab"}`));
    expect(findings).not.toContain(null);
    expect(findings.reduce((sum: number, n) => sum + (n ?? 0), 0)).toBeGreaterThanOrEqual(1);
    expect(value(lines, 'dthostmon_host_score{host="self",site="s01-lab"}')).toBeGreaterThan(0);
    expect(value(lines, 'dthostmon_pass_duration_seconds')).toBeGreaterThan(0);
    expect(lines).toContain('# TYPE dthostmon_host_collect_seconds gauge');
    expect(log).not.toMatch(/level=error/);
  }, 120_000);

  it('parses escaped label values, and keeps the previous file when the pass cannot run', async () => {
    await writePassTextfile(textfile, samplePass());
    const lines = await scrape();
    expect(value(lines, 'node_textfile_scrape_error')).toBe(0);
    // node_exporter sorts the labels and writes the values escaped as we did.
    expect(value(lines, 'dthostmon_host_score{host="db-01",site="lab \\"B\\"\\\\2\\nx"}')).toBe(55);
    expect(value(lines, 'dthostmon_host_up{host="old-01",site=""}')).toBe(0);
    expect(value(lines, 'dthostmon_pass_messages{status="dead"}')).toBe(1);

    const before = readFileSync(textfile, 'utf8');
    writeFileSync(configPath, 'hosts: [\n');
    const broken = await cli(['run', '-c', configPath, '--textfile', textfile]);
    expect(broken.code).toBe(2);
    expect(readFileSync(textfile, 'utf8')).toBe(before);
  });
});
