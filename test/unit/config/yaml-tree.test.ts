import { readYamlTree } from '../../../src/config/yaml-tree.js';
import { loadText } from './fixture.js';

describe('readYamlTree', () => {
  test('every scalar stays text; plain ~, null and empty are null', () => {
    const tree = readYamlTree('a: 0123\nb: yes\nc: 1e3\nd: ~\ne:\nf: "~"\ng: !!int 7\nh: !!null x\ni: |\n  two\n  lines\n');
    expect(tree.errors).toEqual([]);
    expect(tree.warnings).toEqual([]);
    expect(tree.value).toEqual({ a: '0123', b: 'yes', c: '1e3', f: '~', g: '7', i: 'two\nlines\n' });
  });

  test('keepNull keeps chosen null entries', () => {
    const tree = readYamlTree('a:\nb: null\n', { keepNull: (path) => path[0] === 'a' });
    expect(tree.value).toEqual({ a: null });
    expect(tree.isWritten(['b'])).toBe(true);
    expect(tree.isWritten(['zzz'])).toBe(false);
  });

  test('aliases and << merge keys: explicit keys win', () => {
    const tree = readYamlTree('base: &b {user: u, port: "22"}\nhost:\n  <<: *b\n  port: "2222"\nlist: [*b]\nmany:\n  <<: [*b, {extra: x}]\n');
    expect(tree.value).toEqual({
      base: { user: 'u', port: '22' },
      host: { user: 'u', port: '2222' },
      list: [{ user: 'u', port: '22' }],
      many: { user: 'u', port: '22', extra: 'x' },
    });
    expect(tree.keyPosition(['host', 'port'])).toEqual({ line: 4, col: 3 });
  });

  test('a merge of something that is not a map is an error', () => {
    const tree = readYamlTree('a:\n  <<: text\n');
    expect(tree.errors.map((e) => e.message)).toEqual(['a "<<" merge key needs a map or a list of maps']);
  });

  test('alias bombs are cut off', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 6; i += 1) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const tree = readYamlTree(lines.join('\n'));
    expect(tree.errors.map((e) => e.message)).toEqual(['more than 1000 alias expansions']);
  });

  test('an alias inside the node it names is an error, not a loop', () => {
    const tree = readYamlTree('a: &x\n  b: *x\n');
    expect(tree.errors.map((e) => e.message)).toContain('an alias refers to a node that contains it');
  });

  test('complex keys are rejected', () => {
    const tree = readYamlTree('? [a, b]\n: c\n');
    expect(tree.errors.map((e) => e.message)).toEqual(['map keys must be plain text']);
  });

  test('positions fall back to the nearest written ancestor', () => {
    const tree = readYamlTree('hosts:\n  - name: a\n    port: x\n');
    expect(tree.valuePosition(['hosts', 0, 'port'])).toEqual({ line: 3, col: 11 });
    expect(tree.keyPosition(['hosts', 0, 'port'])).toEqual({ line: 3, col: 5 });
    expect(tree.valuePosition(['hosts', 0, 'user'])).toEqual({ line: 2, col: 5 });
    expect(tree.valuePosition(['nothing', 'here'])).toEqual({ line: 1, col: 1 });
    expect(readYamlTree('').valuePosition(['a'])).toEqual({ line: 1, col: 1 });
  });

  test('a __proto__ key is plain data', () => {
    const tree = readYamlTree('__proto__:\n  polluted: yes\n');
    expect(Object.getPrototypeOf(tree.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(tree.value as object)).toEqual(['__proto__']);
  });

  test('unknown tags are warnings that reach the loaded config', () => {
    const config = loadText('global:\n  log_level: !custom info\nhosts: []\n');
    expect(config.warnings[0]).toMatch(/:2:14: Unresolved tag: !custom/);
  });

  test('an empty file is an empty config', () => {
    const config = loadText('# nothing yet\n');
    expect(config.hosts).toEqual([]);
    expect(config.store.dialect).toBe('sqlite');
  });
});
