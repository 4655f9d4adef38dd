import { collectSecrets, isSecretKey, MASK, maskSecrets, redactText } from '../../../src/config/mask.js';
import { loadText } from './fixture.js';

const KEY_BLOCK = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\n';

const doc = {
  database: { host: 'db', password: 'db-pass', url: 'postgres://app:url%40pass@db:5432/x?sslmode=require' },
  email: { smtp_auth_user: 'mailer', smtp_auth_password: 'smtp-pass' },
  pushover: { enabled: true, api_token: 'po-token', user_key: 'po-user' },
  api: { api_key: 'api-key-1', port: 8080 },
  ssh: { key_path: '~/.ssh/id_ed25519', passphrase: 'ssh-phrase' },
  hosts: [{ name: 'h', notes: KEY_BLOCK, extra: { registration_token: 'reg-tok', nested: { deeper: 'plain' } } }],
  other: { my_secret: { anything: 'below-a-secret-key' }, numeric_password: 123456, note: 'see https://u:pw12@example.org/x' },
};

describe('maskSecrets', () => {
  test('masks secret keys at any depth, key material and URL passwords', () => {
    const masked = maskSecrets(doc, { showSecrets: false });
    expect(masked).toEqual({
      database: { host: 'db', password: MASK, url: `postgres://app:${MASK}@db:5432/x?sslmode=require` },
      email: { smtp_auth_user: 'mailer', smtp_auth_password: MASK },
      pushover: { enabled: true, api_token: MASK, user_key: MASK },
      api: { api_key: MASK, port: 8080 },
      ssh: { key_path: '~/.ssh/id_ed25519', passphrase: MASK },
      hosts: [{ name: 'h', notes: MASK, extra: { registration_token: MASK, nested: { deeper: 'plain' } } }],
      other: { my_secret: { anything: MASK }, numeric_password: MASK, note: `see https://u:${MASK}@example.org/x` },
    });
    // The input is untouched.
    expect(doc.database.password).toBe('db-pass');
  });

  test('showSecrets returns an unmasked copy', () => {
    const shown = maskSecrets(doc, { showSecrets: true });
    expect(shown).toEqual(doc);
    expect(shown).not.toBe(doc);
    expect(shown.database).not.toBe(doc.database);
  });

  test('empty and missing secrets stay as they are', () => {
    expect(maskSecrets({ password: '', token: null, api_key: undefined }, { showSecrets: false })).toEqual({ password: '', token: null, api_key: undefined });
  });

  test('secret key names', () => {
    for (const key of ['password', 'smtp_auth_password', 'api_key', 'apikey', 'token', 'api_token', 'user_key', 'secret', 'passphrase', 'private_key']) {
      expect(isSecretKey(key)).toBe(true);
    }
    for (const key of ['key_path', 'user', 'smtp_auth_user', 'hostname', 'monitoring', 'host_input_tokens', 'max_output_tokens']) expect(isSecretKey(key)).toBe(false);
  });
});

describe('collectSecrets and redactText', () => {
  test('collects every secret value, URL passwords decoded, with encoded forms', () => {
    const secrets = collectSecrets(doc);
    expect(secrets).toEqual(
      expect.arrayContaining(['db-pass', 'smtp-pass', 'po-token', 'po-user', 'api-key-1', 'ssh-phrase', 'reg-tok', 'below-a-secret-key', '123456', 'url@pass', 'url%40pass', 'pw12', KEY_BLOCK]),
    );
    expect(secrets).not.toContain('mailer');
    const lengths = secrets.map((s) => s.length);
    expect(lengths).toEqual([...lengths].sort((a, b) => b - a));
  });

  test('replaces every occurrence, longest first', () => {
    expect(redactText('login db-pass failed; db-pass-2 too', ['db-pass', 'db-pass-2'])).toBe(`login ${MASK} failed; ${MASK} too`);
  });

  test('very short values are not searched for in free text', () => {
    expect(redactText('a variable', ['b', 'var'])).toBe('a variable');
  });

  test('a loaded config lists its secrets', () => {
    const config = loadText('database:\n  host: db\n  user: app\n  password: "p@ss word"\nhosts: []\n');
    expect(config.secrets).toEqual(expect.arrayContaining(['p@ss word', encodeURIComponent('p@ss word')]));
    expect(redactText(`connecting to ${config.store.dialect === 'postgres' ? config.store.url : ''}`, config.secrets)).toBe(
      `connecting to postgres://app:${MASK}@db:5432/dthostmon`,
    );
  });
});

describe('secrets in URL query parameters', () => {
  const url = 'postgres://mon@db:5432/dthm?sslmode=require&password=Hunter2Secret&application_name=dthm';

  it('masks them in the printed config', () => {
    const masked = maskSecrets({ database: { url } }, { showSecrets: false });
    expect(masked.database.url).toBe('postgres://mon@db:5432/dthm?sslmode=require&password=********&application_name=dthm');
  });

  it('collects them so free text is redacted too', () => {
    const secrets = collectSecrets({ database: { url } });
    expect(secrets).toContain('Hunter2Secret');
    expect(redactText(`cannot connect with ${url}`, secrets)).not.toContain('Hunter2Secret');
  });
});
