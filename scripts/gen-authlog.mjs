#!/usr/bin/env node
// Deterministic synthetic Debian-style auth.log (the mix of ../shared/test-peers.md section 8).
// usage: node scripts/gen-authlog.mjs N [host] > auth.log
export function* authLogLines(n, host = 'web-01', seed = 42) {
  let s = seed >>> 0;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const int = (a, b) => a + Math.floor(rnd() * (b - a + 1));
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const users = ['alice', 'bob', 'deploy', 'backup'];
  const bad = ['admin', 'test', 'oracle', 'ubuntu', 'guest', 'pi'];
  const ips = [...Array.from({ length: 39 }, (_, i) => `198.51.100.${i + 1}`), ...Array.from({ length: 19 }, (_, i) => `203.0.113.${i + 1}`)];
  const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  let t = Date.now() - 23 * 3600 * 1000;
  for (let i = 0; i < n; i++) {
    t += int(100, 1500);
    const d = new Date(t);
    const ts = `${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
    const pid = int(1000, 60000);
    const r = rnd();
    let m;
    if (r < 0.35) m = `sshd[${pid}]: Failed password for invalid user ${pick(bad)} from ${pick(ips)} port ${int(1024, 65535)} ssh2`;
    else if (r < 0.5) m = `sshd[${pid}]: Invalid user ${pick(bad)} from ${pick(ips)} port ${int(1024, 65535)}`;
    else if (r < 0.6) m = `sshd[${pid}]: Accepted publickey for ${pick(users)} from ${pick(ips)} port ${int(1024, 65535)} ssh2: ED25519 SHA256:${Array.from({ length: 43 }, () => pick(b64)).join('')}`;
    else if (r < 0.7) m = `sshd[${pid}]: pam_unix(sshd:session): session opened for user ${pick(users)}(uid=1000) by (uid=0)`;
    else if (r < 0.78) m = `sshd[${pid}]: Disconnected from user ${pick(users)} ${pick(ips)} port ${int(1024, 65535)}`;
    else if (r < 0.88) m = `CRON[${pid}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)`;
    else if (r < 0.95) { const u = pick(users); m = `sudo:    ${u} : TTY=pts/0 ; PWD=/home/${pick(users)} ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx`; }
    else m = `sshd[${pid}]: Connection closed by authenticating user root ${pick(ips)} port ${int(1024, 65535)} [preauth]`;
    yield `${ts} ${host} ${m}\n`;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 100000);
  const host = process.argv[3] ?? 'web-01';
  let buf = '';
  for (const line of authLogLines(n, host)) {
    buf += line;
    if (buf.length > 1 << 16) { process.stdout.write(buf); buf = ''; }
  }
  process.stdout.write(buf);
}
