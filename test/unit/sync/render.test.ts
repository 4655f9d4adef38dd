import { parseDocument, type YAMLMap } from 'yaml';
import { detectStyle, renderDocument } from '../../../src/sync/render.js';

describe('detectStyle', () => {
  it('reads indentation, list indentation and flow padding', () => {
    expect(detectStyle('hosts:\n- name: a\n  port: 1\n')).toEqual({ indent: 2, indentSeq: false, flowPadding: false });
    expect(detectStyle('a:\n    b:\n        - x\n')).toEqual({ indent: 4, indentSeq: true, flowPadding: false });
    expect(detectStyle('tags: [ a, b ]\n')).toMatchObject({ flowPadding: true });
    expect(detectStyle('')).toEqual({ indent: 2, indentSeq: true, flowPadding: false });
  });
});

describe('renderDocument', () => {
  it('writes every line the edit did not touch exactly as it was', () => {
    const original = 'global:\n  log_level: INFO      # quiet\n  tags: [a,b]\nhosts:\n- name: web   # the web\n  port:   22\n';
    const doc = parseDocument(original);
    const web = (doc.get('hosts') as { items: YAMLMap[] }).items[0]!;
    web.set('port', 2222);
    web.set('user', 'ops');
    expect(renderDocument(doc, original)).toBe('global:\n  log_level: INFO      # quiet\n  tags: [a,b]\nhosts:\n- name: web   # the web\n  port: 2222\n  user: ops\n');
  });

  it('a new file gets the library output', () => {
    const doc = parseDocument('');
    doc.contents = doc.createNode({ hosts: [{ name: 'a' }] }) as never;
    expect(renderDocument(doc, '')).toBe('hosts:\n  - name: a\n');
  });
});
