import { createRedactor, MASK, redactLine, redactLines } from '../../../src/analyze/redact.js';

const M = MASK;

describe('redactLine', () => {
  // [description, input, expected output]
  const table: Array<[string, string, string]> = [
    ['--password=', 'mysqldump --user=root --password=hunter2 shop', `mysqldump --user=root --password=${M} shop`],
    ['--password <value>', 'pg_dump --password s3cr3t db', `pg_dump --password ${M} db`],
    ['--db-password', 'app --db-password=xyz --verbose', `app --db-password=${M} --verbose`],
    ['--passphrase', 'gpg --batch --passphrase "top secret" -c f', `gpg --batch --passphrase "${M}" -c f`],
    ['mysql -pSECRET', 'mysql -uroot -pHunter2 shop', `mysql -uroot -p${M} shop`],
    ['mysql -p SECRET', 'mariadb -u root -p Hunter2 shop', `mariadb -u root -p ${M} shop`],
    ['mysql -p prompting is left alone', 'mysql -u root -p -h db1', 'mysql -u root -p -h db1'],
    ['sshpass -p', 'sshpass -p letmein ssh backup@nas', `sshpass -p ${M} ssh backup@nas`],
    ['redis-cli -a', 'redis-cli -h cache -a r3dispw ping', `redis-cli -h cache -a ${M} ping`],
    ['curl -u in a crontab', '0 3 * * * root curl -s -u backup:S3cretPass https://x/y', `0 3 * * * root curl -s -u backup:${M} https://x/y`],
    ['curl --user=', 'curl --user=admin:pw12345 https://x', `curl --user=admin:${M} https://x`],
    ['wget --proxy-user', 'wget --proxy-user bob:hunter22 http://x', `wget --proxy-user bob:${M} http://x`],
    ['smbclient -U user%pass', 'smbclient //srv/share -U alice%Tr0ub4dor', `smbclient //srv/share -U alice%${M}`],
    ['PASSWORD=', 'env PASSWORD=abc123 ./run.sh', `env PASSWORD=${M} ./run.sh`],
    ['MYSQL_ROOT_PASSWORD=', 'docker run -e MYSQL_ROOT_PASSWORD=rootpw mariadb', `docker run -e MYSQL_ROOT_PASSWORD=${M} mariadb`],
    ['PGPASSWORD=', 'PGPASSWORD=pgpw psql -h db', `PGPASSWORD=${M} psql -h db`],
    ['postgres URL', 'connecting to postgres://app:pa55w0rd@db.internal:5432/shop', `connecting to postgres://app:${M}@db.internal:5432/shop`],
    ['URL without user', 'redis://:redispw@cache:6379/0', `redis://:${M}@cache:6379/0`],
    ['https URL credentials', 'GET https://deploy:tok3n@git.example.com/repo.git', `GET https://deploy:${M}@git.example.com/repo.git`],
    ['Authorization: Bearer', 'curl -H "Authorization: Bearer abc.def.ghi" https://api', `curl -H "Authorization: Bearer ${M}" https://api`],
    ['Authorization: Basic', 'Authorization: Basic dXNlcjpwYXNz', `Authorization: Basic ${M}`],
    ['bare Bearer token', 'upstream sent Bearer 0123456789abcdefXYZ', `upstream sent Bearer ${M}`],
    ['AWS access key id', 'aws key AKIAIOSFODNN7EXAMPLE in env', `aws key ${M} in env`],
    ['AWS secret key', 'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', `aws_secret_access_key=${M}`],
    ['GitHub token', 'git clone https://ghp_1234567890abcdefghijklmnopqrstuvwxyzAB@github.com/x/y', `git clone https://${M}@github.com/x/y`],
    ['GitHub fine-grained token', 'GITHUB_PAT github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv', `GITHUB_PAT ${M}`],
    ['GitLab token', 'using glpat-xxxxxxxxxxxxxxxxxxxx for push', `using ${M} for push`],
    ['Slack bot token', 'slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', `slack ${M}`],
    ['Slack webhook', 'POST https://hooks.slack.com/services/T000/B000/XXXXXXXX', `POST https://hooks.slack.com/services/${M}`],
    [
      'JWT',
      'session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok',
      `session ${M} ok`,
    ],
    [
      'PEM block on one line',
      '{"key":"-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAA\\n-----END OPENSSH PRIVATE KEY-----"}',
      `{"key":"-----BEGIN OPENSSH PRIVATE KEY-----${M}-----END OPENSSH PRIVATE KEY-----"}`,
    ],
    ['PEM begin without end', 'key: -----BEGIN RSA PRIVATE KEY----- MIIEpAIBAAKCAQEA', `key: -----BEGIN RSA PRIVATE KEY-----${M}`],
    ['api_key=', 'GET /v1/items?api_key=k3y&page=2', `GET /v1/items?api_key=${M}&page=2`],
    ['apikey in JSON', '{"apiKey": "abcd1234", "n": 1}', `{"apiKey": "${M}", "n": 1}`],
    ['token=', 'callback?token=zzz999', `callback?token=${M}`],
    ['secret=', "client_secret='s p a c e'", `client_secret='${M}'`],
    ['password: in YAML-ish logs', 'config dump password: hunter2', `config dump password: ${M}`],
  ];

  it.each(table)('masks %s', (_what, input, expected) => {
    expect(redactLine(input, [])).toBe(expected);
  });

  // Lines that look sensitive but are evidence we need verbatim.
  const keep = [
    'sshd[1]: Failed password for root from 203.0.113.9 port 52214 ssh2',
    'sshd[1]: Accepted password for alice from 192.0.2.10 port 50022 ssh2',
    'passwd[812]: pam_unix(passwd:chauthtok): password changed for alice',
    'sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx',
    'kernel: Out of memory: Killed process 812 (mysqld) total-vm:2395148kB',
    'GET https://example.com:8443/path HTTP/1.1',
    'tokens=5 secrets remaining: none',
  ];
  it.each(keep)('leaves %s alone', (line) => {
    expect(redactLine(line, [])).toBe(line);
  });

  it('masks every literal config secret, URL-encoded too, longest first', () => {
    const secrets = ['p@ss word!', 'p@ss'];
    const line = 'login with p@ss word! via postgres://u:p%40ss%20word!@db and p@ss';
    expect(redactLine(line, secrets)).toBe(`login with ${M} via postgres://u:${M}@db and ${M}`);
  });

  it('ignores config secrets too short to mask safely', () => {
    expect(redactLine('Failed password for abc', ['abc', ''])).toBe('Failed password for abc');
  });

  it('is idempotent', () => {
    for (const [, input] of table) {
      const once = redactLine(input, ['hunter2']);
      expect(redactLine(once, ['hunter2'])).toBe(once);
    }
  });

  it('reuses one compiled redactor for many lines', () => {
    const redact = createRedactor(['Zebra-42']);
    expect(['a Zebra-42', 'b Zebra-42'].map(redact)).toEqual([`a ${M}`, `b ${M}`]);
  });
});

describe('redactLines', () => {
  it('masks the body of a PEM private key spread over several lines', () => {
    const lines = [
      'cloud-init: writing key',
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
      'QyNTUxOQAAACDxLk0Zw2Z0Zw2Z0Zw2Z0Zw2Z0Zw2Z0Zw2Z0Zw2Z0ZwAAAJgAAAAAAAAAAA',
      '-----END OPENSSH PRIVATE KEY-----',
      'done password=x1',
    ];
    expect(redactLines(lines, [])).toEqual([
      'cloud-init: writing key',
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      M,
      M,
      `${M}-----END OPENSSH PRIVATE KEY-----`,
      `done password=${M}`,
    ]);
  });
});
