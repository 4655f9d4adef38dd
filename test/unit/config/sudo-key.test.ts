import { z } from 'zod';
import { loadConfigText } from '../../../src/config/load.js';
import { configSchema } from '../../../src/config/schema.js';
import { INLINE_FILE, textError } from './fixture.js';

const load = (text: string) => loadConfigText(text, INLINE_FILE, { env: {}, homeDir: '/home/me' });

describe('the sudo key', () => {
  it('is off by default', () => {
    const [host] = load('hosts:\n  - {name: h1, hostname: h1, user: dtmon}\n').hosts;
    expect(host?.sudo).toBe(false);
    expect(host?.origin.sudo).toBe('default');
  });

  it('inherits global -> site -> host, the lower level winning, and reads booleans as every boolean key does', () => {
    const { hosts } = load(
      [
        'global: {sudo: yes, user: dtmon}',
        'sites:',
        '  s01: {sudo: "off"}',
        'hosts:',
        '  - {name: a, hostname: a, site: s01}',
        '  - {name: b, hostname: b, site: s01, sudo: "1"}',
        '  - {name: c, hostname: c}',
      ].join('\n'),
    );
    expect(hosts.map((h) => [h.name, h.sudo, h.origin.sudo])).toEqual([
      ['a', false, 'site'],
      ['b', true, 'host'],
      ['c', true, 'global'],
    ]);
  });

  it('refuses a value that is not a boolean, located at the value', () => {
    const err = textError('hosts:\n  - {name: a, hostname: a, user: u, sudo: root}\n');
    expect(err.problems.map((p) => p.path)).toEqual(['hosts[0].sudo']);
  });

  it('is documented in the JSON Schema at every level', () => {
    const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as {
      properties: Record<string, { properties?: Record<string, { description?: string }>; items?: { properties?: Record<string, { description?: string }> } }>;
    };
    expect(json.properties.global?.properties?.sudo?.description).toMatch(/^Run the probe and the read as root through "sudo -n sh -s"/);
    expect(json.properties.hosts?.items?.properties?.sudo?.description).toBe(json.properties.global?.properties?.sudo?.description);
  });
});
