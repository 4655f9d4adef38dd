import { parseDocument } from 'yaml';
import { appendItem, entryNode, reconcileMap, section } from '../../../src/sync/document.js';

const render = (doc: ReturnType<typeof parseDocument>) => doc.toString({ lineWidth: 0 });

describe('reconcileMap: only what differs is touched (GAP-S16)', () => {
  it('keeps equal values, comments and quoting; replaces, adds and removes the rest', () => {
    const doc = parseDocument('# head\nname: web # the web\nport: 22\nband: "0-30"\ntags: [a, b]\nold: x\n');
    const changed = reconcileMap(doc, doc.contents as never, { name: 'web', site: 's01', port: 2222, band: '0-30', tags: ['c'] }, { site: 'name' });
    expect(changed).toBe(true);
    expect(render(doc)).toBe('# head\nname: web # the web\nsite: s01\nport: 2222\nband: "0-30"\ntags: [ c ]\n');
  });

  it('reports no change for equal data, maps compared key by key', () => {
    const doc = parseDocument('a:\n  b: 1\n  c: [x]\n');
    expect(reconcileMap(doc, doc.contents as never, { a: { c: ['x'], b: 1 } })).toBe(false);
  });

  it('a replaced value keeps its comment', () => {
    const doc = parseDocument('report_frequency: daily # set by hand\n');
    reconcileMap(doc, doc.contents as never, { report_frequency: 'weekly' });
    expect(render(doc)).toBe('report_frequency: weekly # set by hand\n');
  });
});

describe('section', () => {
  it('handles null, missing and wrong sections without crashing (GAP-S17)', () => {
    const doc = parseDocument('global: {}\nsites:\nhosts: pass\n');
    section(doc, 'sites').set('s01', entryNode(doc, { tags: ['a'] }));
    appendItem(section(doc, 'hosts'), entryNode(doc, { name: 'web' }));
    expect(render(doc)).toBe('global: {}\nsites:\n  s01:\n    tags:\n      - a\nhosts:\n  - name: web\n');
  });

  it('adds a missing sites section before hosts, and hosts at the end', () => {
    const doc = parseDocument('hosts:\n  - name: a\nthresholds: {}\n');
    section(doc, 'sites');
    expect(render(doc)).toBe('sites: {}\nhosts:\n  - name: a\nthresholds: {}\n');
    const empty = parseDocument('');
    section(empty, 'hosts');
    expect(render(empty)).toBe('hosts: []\n');
  });

  it('new list entries get a blank line before them when the entries are separated by blank lines', () => {
    const doc = parseDocument('hosts:\n  - name: a\n\n  - name: b\n');
    appendItem(section(doc, 'hosts'), entryNode(doc, { name: 'c' }));
    expect(render(doc)).toBe('hosts:\n  - name: a\n\n  - name: b\n\n  - name: c\n');
  });
});
