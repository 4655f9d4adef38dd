import { hostSchema } from '../../../src/config/schema-hosts.js';
import { parseYamlLayer } from '../../../src/sync/yaml-layer.js';
import { rootInfo } from '../../../src/sync/schema-keys.js';
import { emptyLog } from '../../../src/sync/types.js';

const HOST = rootInfo(hostSchema);

describe('parseYamlLayer', () => {
  it('parses first, then expands each value and types it by its key (GAP-S7)', () => {
    const log = emptyLog();
    const text = [
      'hostname: "${IP}"',
      'port: "22"',
      'enabled: yes',
      'tags: development',
      'logs:',
      '  - ${APP}/app.log   # a comment with ${NOT_EXPANDED}',
      '  - ${{RUNTIME}}/x.log',
      'resource_thresholds: {health: "0-25", info: [26, 55]}',
      'rules:',
      '  - id: r1',
      '    pattern: "x"',
      'user: "${COLON}"',
      '',
    ].join('\n');
    const layer = parseYamlLayer(text, { file: 'h.yaml', root: HOST, vars: { IP: '10.0.0.1', APP: '/opt/app', COLON: 'a: b # c' }, log });
    expect(layer.data).toEqual({
      hostname: '10.0.0.1',
      port: 22,
      enabled: true,
      tags: ['development'],
      logs: ['/opt/app/app.log', '${RUNTIME}/x.log'],
      resource_thresholds: { health: '0-25', info: [26, 55] },
      rules: [{ id: 'r1', pattern: 'x' }],
      user: 'a: b # c',
    });
    expect(log.unresolved).toEqual([]);
    expect(log.errors).toEqual([]);
    expect(layer.origins.get('port')).toEqual({ file: 'h.yaml', line: 2 });
    expect(layer.origins.get('resource_thresholds.health')).toEqual({ file: 'h.yaml', line: 8 });
    expect(layer.origins.has('resource_thresholds')).toBe(false);
  });

  it('locates unknown keys (nested ones too) with the closest valid key', () => {
    const log = emptyLog();
    parseYamlLayer('hostnme: x\nmonitoring:\n  check_dsk: true\nrules:\n  - id: r\n    patern: x\n', { file: 'h.yaml', root: HOST, vars: {}, log });
    expect(log.errors).toEqual([
      'h.yaml:1:1 hostnme: unknown key; did you mean "hostname"?',
      'h.yaml:3:3 monitoring.check_dsk: unknown key; did you mean "check_disk"?',
      'h.yaml:6:5 rules[0].patern: unknown key; did you mean "pattern"?',
    ]);
  });

  it('reports unset variables with file, line and key', () => {
    const log = emptyLog();
    parseYamlLayer('user: ops\nlogs: [/a, "${LOG_DIR}/b"]\n', { file: 'h.yaml', root: HOST, vars: {}, log });
    expect(log.unresolved).toEqual([{ file: 'h.yaml', line: 2, key: 'logs[1]', name: 'LOG_DIR' }]);
  });

  it('YAML syntax errors, a non-map file and an empty file', () => {
    const log = emptyLog();
    expect(parseYamlLayer('a: [1,\n', { file: 'bad.yaml', root: HOST, vars: {}, log }).data).toEqual({});
    expect(log.errors[0]).toMatch(/^bad\.yaml:\d+:\d+: invalid YAML/);
    parseYamlLayer('- a\n', { file: 'list.yaml', root: HOST, vars: {}, log });
    expect(log.errors[1]).toBe('list.yaml: expected a map of settings (hostname, user, tags, ...)');
    expect(parseYamlLayer('# nothing\n', { file: 'e.yaml', root: HOST, vars: {}, log }).data).toEqual({});
    expect(log.errors).toHaveLength(2);
  });

  it('keys the folder decides are dropped with a warning', () => {
    const log = emptyLog();
    const layer = parseYamlLayer('name: host01\nuser: ops\n', {
      file: 'h.yaml',
      root: HOST,
      vars: {},
      log,
      ignored: (key, value) => (key === 'name' ? `${String(value)} is not used` : null),
    });
    expect(layer.data).toEqual({ user: 'ops' });
    expect(log.warnings).toEqual(['h.yaml:1:1 name: host01 is not used']);
  });
});
