/**
 * `dthostmon report --send` in the audit trail: the report (`report.sent`, on-demand) and the message that delivered
 * it (`message.sent`, here an .eml file: no SMTP configured), both by the OS user who ran the command.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { osUserActor } from '../../../src/cli/os-user.js';
import { listAudit } from '../../../src/store/audit-repo.js';
import { openStore } from '../../../src/store/open-store.js';
import { cli } from '../../helpers/cli-in-process.js';
import { tempDir } from '../../helpers/cli.js';

describe('report --send and the audit trail', () => {
  it('records the report and its .eml message as the OS user', async () => {
    const dir = tempDir('dthm-report-audit-');
    const configPath = join(dir, 'dthostmon.yaml');
    writeFileSync(configPath, ['global:', '  reports_dir: reports', '  outbox_dir: outbox', 'hosts:', '  - name: self', '    transport: local', ''].join('\n'));

    const res = await cli(['report', '-c', configPath, '--host', 'self', '--send']);
    expect([res.code, res.stdout]).toEqual([0, '']);

    const store = await openStore({ dialect: 'sqlite', path: join(dir, 'dthostmon.db') });
    try {
      const rows = (await listAudit(store.db, { limit: 10 })).reverse();
      const actor = osUserActor();
      expect(rows.map((r) => [r.action, r.actor, r.host])).toEqual([
        ['report.sent', actor, 'self'],
        ['message.sent', actor, null],
      ]);
      const [report, message] = rows as [(typeof rows)[0], (typeof rows)[0]];
      expect(report.detail).toMatchObject({ kind: 'host', scope: 'self', trigger: 'on-demand', recipients: 0, outboxId: expect.any(Number) });
      expect(existsSync((report.detail as { path: string }).path)).toBe(true);
      const file = (message.detail as { file: string }).file;
      expect(message.detail).toEqual({ outboxId: (report.detail as { outboxId: number }).outboxId, kind: 'report', channel: 'eml', subject: expect.stringContaining('self'), recipients: 0, file });
      expect(file.startsWith(join(dir, 'outbox'))).toBe(true);
      expect(existsSync(file)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
