import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { passMetrics, textfileTarget, writePassTextfile } from '../../../src/cli/textfile.js';
import { UsageError } from '../../../src/errors.js';
import { formatMetrics } from '../../../src/util/exposition.js';
import { tempDir } from '../../helpers/cli.js';
import { samplePass } from './sample-pass.js';

describe('run --textfile metrics', () => {
  it('describes the pass and each host, label values escaped, HELP and TYPE for every family', () => {
    const text = formatMetrics(passMetrics(samplePass()));
    const samples = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(samples).toEqual([
      'dthostmon_pass_timestamp_seconds 1772359242.5',
      'dthostmon_pass_duration_seconds 42.5',
      'dthostmon_pass_status{status="complete"} 1',
      'dthostmon_pass_status{status="timed_out"} 0',
      'dthostmon_pass_host_count 3',
      'dthostmon_pass_hosts{status="ok"} 1',
      'dthostmon_pass_hosts{status="partial"} 1',
      'dthostmon_pass_hosts{status="failed"} 1',
      'dthostmon_pass_alerts_notified 2',
      'dthostmon_pass_messages{status="sent"} 3',
      'dthostmon_pass_messages{status="failed"} 1',
      'dthostmon_pass_messages{status="dead"} 1',
      'dthostmon_host_up{host="web-01",site="s01"} 1',
      'dthostmon_host_up{host="db-01",site="lab \\"B\\"\\\\2\\nx"} 1',
      'dthostmon_host_up{host="old-01",site=""} 0',
      'dthostmon_host_score{host="web-01",site="s01"} 90',
      'dthostmon_host_score{host="db-01",site="lab \\"B\\"\\\\2\\nx"} 55',
      'dthostmon_host_findings{host="web-01",site="s01",severity="crit"} 1',
      'dthostmon_host_findings{host="web-01",site="s01",severity="warn"} 1',
      'dthostmon_host_findings{host="web-01",site="s01",severity="info"} 0',
      'dthostmon_host_findings{host="db-01",site="lab \\"B\\"\\\\2\\nx",severity="crit"} 0',
      'dthostmon_host_findings{host="db-01",site="lab \\"B\\"\\\\2\\nx",severity="warn"} 0',
      'dthostmon_host_findings{host="db-01",site="lab \\"B\\"\\\\2\\nx",severity="info"} 0',
      'dthostmon_host_findings{host="old-01",site="",severity="crit"} 0',
      'dthostmon_host_findings{host="old-01",site="",severity="warn"} 0',
      'dthostmon_host_findings{host="old-01",site="",severity="info"} 0',
      'dthostmon_host_collect_seconds{host="web-01",site="s01"} 1.5',
      'dthostmon_host_collect_seconds{host="db-01",site="lab \\"B\\"\\\\2\\nx"} 2.25',
      'dthostmon_host_collect_seconds{host="old-01",site=""} 10',
    ]);
    const names = [...new Set(samples.map((l) => l.replace(/[{ ].*$/, '')))];
    for (const name of names) {
      expect(text).toContain(`# HELP ${name} `);
      expect(text).toContain(`# TYPE ${name} gauge\n`);
    }
  });

  it('leaves out the delivery families of a pass that did not deliver', () => {
    const { delivery: _delivery, ...pass } = samplePass();
    const names = passMetrics(pass).map((f) => f.name);
    expect(names).not.toContain('dthostmon_pass_alerts_notified');
    expect(names).not.toContain('dthostmon_pass_messages');
    expect(names).toContain('dthostmon_pass_hosts');
  });

  it('checks the target before the pass: a .prom name in a directory that exists', () => {
    const dir = tempDir('dthm-textfile-');
    expect(textfileTarget('dthostmon.prom', dir)).toBe(join(dir, 'dthostmon.prom'));
    const fails = (file: string): UsageError => {
      try {
        textfileTarget(file, dir);
      } catch (err) {
        return err as UsageError;
      }
      throw new Error(`${file} was accepted`);
    };
    expect(fails('dthostmon.txt').message).toBe('--textfile dthostmon.txt: the name must end in .prom (node_exporter reads only *.prom files)');
    expect(fails('missing/dthostmon.prom').message).toBe(`--textfile missing/dthostmon.prom: directory ${join(dir, 'missing')} does not exist (node_exporter's --collector.textfile.directory)`);
    writeFileSync(join(dir, 'file'), '');
    expect(fails('file/dthostmon.prom')).toBeInstanceOf(UsageError);
  });

  it('replaces the file whole, mode 0644 whatever the umask, leaving no temporary file', async () => {
    const dir = join(tempDir('dthm-textfile-'), 'collector');
    mkdirSync(dir);
    const path = join(dir, 'dthostmon.prom');
    writeFileSync(path, 'old\n', { mode: 0o600 });
    const umask = process.umask(0o077);
    try {
      await writePassTextfile(path, samplePass());
    } finally {
      process.umask(umask);
    }
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(readFileSync(path, 'utf8')).toBe(formatMetrics(passMetrics(samplePass())));
    expect(readdirSync(dir)).toEqual(['dthostmon.prom']);
  });
});
