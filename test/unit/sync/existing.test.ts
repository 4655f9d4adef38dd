import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { hostSchema, siteSchema } from '../../../src/config/schema-hosts.js';
import { existingHosts, existingLayer, readConfigFile } from '../../../src/sync/existing.js';
import { rootInfo } from '../../../src/sync/schema-keys.js';

describe('existing entries as the lowest layer', () => {
  it('what the original sync wrote is read in canonical keys, lists as lists (GAP-S2, GAP-S4, GAP-S11)', () => {
    const doc = parseDocument(
      'hosts:\n  - name: a\n    tags: development\n    log_paths: [/x]\n    monitoring: {check_docker: true, check_services: "a, b"}\n    key_path: null\n  - just text\n',
    );
    const { entries, nodes } = existingHosts(doc);
    expect(entries).toEqual([
      { index: 0, name: 'a', site: null },
      { index: 1, name: null, site: null },
    ]);
    expect(existingLayer(nodes[0], rootInfo(hostSchema)).data).toEqual({
      name: 'a',
      tags: ['development'],
      logs: ['/x'],
      check_docker: true,
      monitoring: { check_services: ['a', 'b'] },
      key_path: null,
    });
  });

  it('a site that is not a map (`s02-austin: pass`) or is missing is an empty entry', () => {
    const doc = parseDocument('sites:\n  s02-austin: pass\n');
    const sites = doc.get('sites') as { get(k: string, keep: boolean): unknown };
    expect(existingLayer(sites.get('s02-austin', true), rootInfo(siteSchema)).data).toEqual({});
    expect(existingLayer(undefined, rootInfo(siteSchema)).data).toEqual({});
  });
});

describe('readConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dthm-existing-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing file is a new, empty document', () => {
    const file = readConfigFile(join(dir, 'none.yaml'));
    expect(file).toMatchObject({ text: '', isNewFile: true });
    expect(file.doc.contents).toBeNull();
  });

  it('YAML errors and a file that is not a map are located ConfigErrors', () => {
    writeFileSync(join(dir, 'dup.yaml'), 'a: 1\na: 2\n');
    expect(() => readConfigFile(join(dir, 'dup.yaml'))).toThrow(new RegExp(`${dir}/dup\\.yaml:2:1: invalid YAML: Map keys must be unique`));
    writeFileSync(join(dir, 'list.yaml'), '- a\n');
    expect(() => readConfigFile(join(dir, 'list.yaml'))).toThrow('expected a map of sections (global, ssh, sites, hosts, ...)');
  });
});
