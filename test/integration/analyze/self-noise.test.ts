import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { applyLogRules } from '../../../src/analyze/log-rules.js';
import { LOG_RULES } from '../../../src/analyze/rules/index.js';
import { excludeMonitorSessions } from '../../../src/analyze/self-noise.js';
import { createTransport } from '../../../src/collect/create-transport.js';
import { parseSyslogLine } from '../../../src/collect/parsers/syslog-line.js';
import type { LogRecord, MonitorIdentity } from '../../../src/types.js';
import { startSshd, type SshdPeer } from '../../helpers/sshd.js';
import { testHost } from '../collect/host-fixture.js';

/** Local ports of our established IPv4 connections to 127.0.0.1:<port> (from /proc/net/tcp, hex fields). */
async function localPortsTo(port: number): Promise<number[]> {
  const rows = (await readFile('/proc/net/tcp', 'utf8')).split('\n').slice(1);
  const ports: number[] = [];
  for (const row of rows) {
    const [, local = '', remote = '', state = ''] = row.trim().split(/\s+/);
    if (state === '01' && Number.parseInt(remote.split(':')[1] ?? '', 16) === port) ports.push(Number.parseInt(local.split(':')[1] ?? '', 16));
  }
  return ports;
}

async function waitForLog(peer: SshdPeer, text: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!peer.log().includes(text) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** sshd -e prints bare messages; give them the syslog header auth.log would have, and parse them as the collector does. */
function asAuthLog(log: string, at: Date): LogRecord[] {
  return log
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((message) => `${at.toISOString()} test-host sshd: ${message.trim()}`)
    .map((line) => ({ source: '/var/log/auth.log', line, ...parseSyslogLine(line, at) }));
}

describe('excludeMonitorSessions on the log of a real sshd', () => {
  let peer: SshdPeer | null = null;
  beforeAll(async () => {
    peer = await startSshd();
  });
  afterAll(async () => {
    await peer?.stop();
  });

  it('leaves out our ssh2 session and keeps an OpenSSH login of the same user from the same address', async () => {
    if (!peer) return;
    const since = new Date();
    const host = testHost({ transport: 'ssh', port: peer.port, user: peer.user, ssh: { keyPath: peer.keyPath, connectTimeoutMs: 5000 } });
    const transport = await createTransport(host, new AbortController().signal);
    let ourPorts: number[];
    try {
      ourPorts = await localPortsTo(peer.port);
      expect((await transport.exec('echo ok', { timeoutMs: 30_000 })).stdout).toBe('ok\n');
    } finally {
      await transport.close();
    }
    expect(ourPorts).toHaveLength(1);
    const ourPort = ourPorts[0] as number;

    // Somebody else on this machine: same user, same address, another source port.
    const ssh = ['-F', '/dev/null', '-p', String(peer.port), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'];
    await execa('ssh', [...ssh, '-i', peer.keyPath, '-o', 'IdentitiesOnly=yes', `${peer.user}@127.0.0.1`, 'true']);
    // And a refused key from the same address.
    const stranger = join(peer.dir, 'id_stranger');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    await execa('ssh', [...ssh, '-i', stranger, '-o', 'IdentitiesOnly=yes', `${peer.user}@127.0.0.1`, 'true'], { reject: false });
    await waitForLog(peer, `Disconnected from user ${peer.user} 127.0.0.1 port ${ourPort}`);
    const until = new Date();

    const records = asAuthLog(peer.log(), until);
    const us: MonitorIdentity = { user: peer.user, addresses: ['127.0.0.1'], sourcePorts: [ourPort], since: since.toISOString(), until: until.toISOString() };
    const kept = excludeMonitorSessions(records, [us]);
    const removed = records.filter((r) => !kept.includes(r)).map((r) => r.message);

    expect(removed).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^Accepted publickey for ${peer.user} from 127\\.0\\.0\\.1 port ${ourPort} `))]));
    expect(removed).toContain(`Disconnected from user ${peer.user} 127.0.0.1 port ${ourPort}`);
    // Everything removed is ours (our port or the key lookup of our connection); nothing of ours is left.
    expect(removed.every((m) => m.includes(`port ${ourPort}`))).toBe(true);
    expect(kept.filter((r) => r.message.includes(`port ${ourPort}`))).toEqual([]);
    const otherAccepted = kept.filter((r) => r.message.startsWith(`Accepted publickey for ${peer!.user} from 127.0.0.1 port `));
    expect(otherAccepted).toHaveLength(1);
    expect(kept.some((r) => /Connection closed by authenticating user|Failed publickey/.test(r.message))).toBe(true);

    if (peer.user === 'root') {
      // As root every pass of ours would be an auth.root_login finding; now only the other login is.
      const thresholds = host.thresholds;
      const before = applyLogRules(records, LOG_RULES, thresholds, []).find((f) => f.category === 'auth.root_login');
      const after = applyLogRules(kept, LOG_RULES, thresholds, []).find((f) => f.category === 'auth.root_login');
      expect(before?.count).toBe(2);
      expect(after?.count).toBe(1);
    }
  });
});
