import { parseDocument } from 'yaml';
import { addHostEntry, escapeSubstitution, type RegisteredHostEntry } from '../../../src/serve/register-yaml.js';
import { substituteValue } from '../../../src/config/env.js';

const entry: RegisteredHostEntry = { name: 'web9', hostname: '192.0.2.9', user: 'monitoring', port: 2222, site: 's01', tags: ['web', 'prod'], enabled: true };

/** The lines of `after` that are not in `before`, checking every line of `before` is still there, in order. */
function addedLines(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const added: string[] = [];
  let i = 0;
  for (const line of b) {
    if (i < a.length && line === a[i]) i += 1;
    else added.push(line);
  }
  expect(i).toBe(a.length);
  return added;
}

describe('addHostEntry', () => {
  it('splices the entry after the last host, keeping every other byte (comments, spacing, quoting)', () => {
    const text = [
      'global:',
      '  log_level: info     # spaced   comment',
      'hosts:',
      '  # the first one',
      '  - name: a   # trailing',
      "    hostname: 'h.example'",
      '    tags: [ x ]   # c2',
      '  - name: b',
      '    logs:',
      '      - /var/log/x',
      '    # still about b',
      '',
      '# after hosts',
      'sites:',
      '  s01: {}',
      '',
    ].join('\n');
    const next = addHostEntry(text, entry, 'added by test');
    expect(addedLines(text, next)).toEqual([
      '  # added by test',
      '  - name: web9',
      '    hostname: 192.0.2.9',
      '    user: monitoring',
      '    port: 2222',
      '    site: s01',
      '    tags: [ web, prod ]',
      '    enabled: true',
    ]);
    // Inserted after b's own comment, before the blank line and the comment of the next section.
    expect(next.indexOf('# still about b')).toBeLessThan(next.indexOf('# added by test'));
    expect(next.indexOf('- name: web9')).toBeLessThan(next.indexOf('# after hosts'));
  });

  it('follows a list written without indentation, and a file without a final newline', () => {
    const text = 'global: {}\nhosts:\n- name: a\n  hostname: b';
    const next = addHostEntry(text, { name: 'c', hostname: 'd', tags: [], enabled: false });
    expect(next).toBe('global: {}\nhosts:\n- name: a\n  hostname: b\n- name: c\n  hostname: d\n  enabled: false\n');
  });

  it('keeps a blank line between entries when the file separates them so', () => {
    const text = 'hosts:\n  - name: a\n    hostname: b\n\n  - name: c\n    hostname: d\n';
    const next = addHostEntry(text, { name: 'e', hostname: 'f', tags: [], enabled: true });
    expect(next).toBe(`${text}\n  - name: e\n    hostname: f\n    enabled: true\n`);
  });

  it.each([
    ['hosts:   # none yet\nsites: {}\n', 'hosts:   # none yet\n  - name: c\n    hostname: d\n    enabled: true\nsites: {}\n'],
    ['hosts: []\nsites: {}\n', 'hosts:\n  - name: c\n    hostname: d\n    enabled: true\nsites: {}\n'],
    ['hosts: ~  # later\n', 'hosts:   # later\n  - name: c\n    hostname: d\n    enabled: true\n'],
    ['global: {}\n', 'global: {}\nhosts:\n  - name: c\n    hostname: d\n    enabled: true\n'],
    ['global: {}', 'global: {}\nhosts:\n  - name: c\n    hostname: d\n    enabled: true\n'],
  ])('starts the list in %j', (text, expected) => {
    expect(addHostEntry(text, { name: 'c', hostname: 'd', tags: [], enabled: true })).toBe(expected);
  });

  it('adds to a flow list through the Document API', () => {
    const next = addHostEntry('hosts: [{name: a, hostname: b}]\n', { name: 'c', hostname: 'd', tags: [], enabled: true });
    expect(parseDocument(next).toJS()).toEqual({ hosts: [{ name: 'a', hostname: 'b' }, { name: 'c', hostname: 'd', enabled: true }] });
  });

  it('quotes what YAML would misread and escapes ${ so the loader reads the values back as sent', () => {
    const tags = ['we"ird\\tag', "it's", '#hash', '${API_KEY}', 'yes', '1e5'];
    const next = addHostEntry('hosts:\n  - name: a\n    hostname: b\n', { name: 'c', hostname: '1e5', tags, enabled: true });
    const host = (parseDocument(next).toJS() as { hosts: Record<string, unknown>[] }).hosts[1] as { hostname: unknown; tags: string[] };
    expect(host.hostname).toBe('1e5');
    // What the loader makes of each written tag (substitution with an environment that has the secret).
    expect(host.tags.map((t) => substituteValue(t, { API_KEY: 'secret' }).value)).toEqual(tags);
  });
});

describe('escapeSubstitution', () => {
  it.each(['${X}', '$${X}', '$$${X}', 'a$b', '${A:-${B}}'])('round-trips %j through the loader', (value) => {
    expect(substituteValue(escapeSubstitution(value), { X: 'no', A: 'no', B: 'no' }).value).toBe(value);
  });
});
