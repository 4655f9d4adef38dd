import { loadConfigText } from '../../../src/config/load.js';
import { maskSecrets } from '../../../src/config/mask.js';

const HOME = '/home/mon';
const load = (text: string) => loadConfigText(text, '/etc/dthostmon/dthostmon.yaml', { env: {}, homeDir: HOME });

describe('ssh trust settings', () => {
  const config = load(
    [
      'ssh:',
      '  key_passphrase_env: DTHOSTMON_KEY_PASSPHRASE',
      '  use_agent: yes',
      '  host_key_policy: strict',
      '  known_hosts: keys/known_hosts',
      'sites:',
      '  s01-lab: {host_key_policy: accept-new}',
      'hosts:',
      '  - {name: a, hostname: a.example.org, user: mon}',
      '  - {name: b, hostname: b.example.org, user: mon, site: s01-lab}',
      '  - {name: c, hostname: c.example.org, user: mon, site: s01-lab, host_key_policy: STRICT}',
      '',
    ].join('\n'),
  );

  it('resolves the global keys and the per host policy with its origin', () => {
    const [a, b, c] = config.hosts;
    expect(a!.ssh).toMatchObject({
      useAgent: true,
      passphraseEnv: 'DTHOSTMON_KEY_PASSPHRASE',
      hostKeyPolicy: 'strict',
      knownHostsPath: '/etc/dthostmon/keys/known_hosts',
    });
    expect([a, b, c].map((h) => [h!.ssh.hostKeyPolicy, h!.origin['ssh.hostKeyPolicy']])).toEqual([
      ['strict', 'global'],
      ['accept-new', 'site'],
      ['strict', 'host'],
    ]);
  });

  it('defaults to accept-new, ~/.ssh/known_hosts, no agent and no passphrase', () => {
    const [host] = load('hosts:\n  - {name: a, hostname: a, user: mon}\n').hosts;
    expect(host!.ssh).toMatchObject({ useAgent: false, passphraseEnv: null, hostKeyPolicy: 'accept-new', knownHostsPath: `${HOME}/.ssh/known_hosts` });
  });

  it('shows the passphrase variable name (not a secret) and refuses a value that is not a variable name', () => {
    expect(maskSecrets({ ssh: { key_passphrase_env: 'DTHOSTMON_KEY_PASSPHRASE' } }, { showSecrets: false })).toEqual({
      ssh: { key_passphrase_env: 'DTHOSTMON_KEY_PASSPHRASE' },
    });
    expect(config.secrets).not.toContain('DTHOSTMON_KEY_PASSPHRASE');
    expect(() => load('ssh:\n  key_passphrase_env: "my secret phrase"\n')).toThrow(
      'ssh.key_passphrase_env: expected an environment variable name such as DTHOSTMON_KEY_PASSPHRASE',
    );
    expect(() => load('ssh:\n  host_key_policy: no\n')).toThrow('ssh.host_key_policy: expected one of "accept-new", "strict"');
  });
});
