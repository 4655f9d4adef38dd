import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotenv, readEnvironment, substituteValue } from '../../../src/config/env.js';
import { fixture, stageCase, unstage } from './fixture.js';

describe('substituteValue', () => {
  const env = { HOST: 'db.internal', EMPTY: '', PORT: '5432' };

  test('replaces ${VAR} anywhere in the text', () => {
    expect(substituteValue('postgres://${HOST}:${PORT}/x', env)).toEqual({
      value: 'postgres://db.internal:5432/x',
      missing: [],
      malformed: null,
      hadReference: true,
    });
  });

  test('text without references is returned as is, single $ included', () => {
    expect(substituteValue('costs $5 and $HOME', env)).toEqual({ value: 'costs $5 and $HOME', missing: [], malformed: null, hadReference: false });
  });

  test('${VAR:-default} uses the default when VAR is unset or empty', () => {
    expect(substituteValue('${NOPE:-fallback}', env).value).toBe('fallback');
    expect(substituteValue('${EMPTY:-fallback}', env).value).toBe('fallback');
    expect(substituteValue('${HOST:-fallback}', env).value).toBe('db.internal');
    expect(substituteValue('${NOPE:-}', env)).toMatchObject({ value: '', missing: [] });
  });

  test('a default may contain a reference itself', () => {
    expect(substituteValue('${NOPE:-${HOST}}', env).value).toBe('db.internal');
    expect(substituteValue('${NOPE:-${ALSO_NOPE}}', env).missing).toEqual(['ALSO_NOPE']);
  });

  test('a set but empty variable without default is empty, not missing', () => {
    expect(substituteValue('${EMPTY}', env)).toMatchObject({ value: '', missing: [] });
  });

  test('unset variables are reported by name', () => {
    expect(substituteValue('${A}-${HOST}-${B}', env)).toMatchObject({ value: '-db.internal-', missing: ['A', 'B'] });
  });

  test('$${...} is a literal ${...}', () => {
    expect(substituteValue('$${HOST} is ${HOST}', env)).toMatchObject({ value: '${HOST} is db.internal', missing: [] });
  });

  test('malformed references are reported', () => {
    expect(substituteValue('${}', env).malformed).toBe('malformed variable reference "${}" (expected ${NAME} or ${NAME:-default})');
    expect(substituteValue('${bad name}', env).malformed).toContain('malformed variable reference "${bad name}"');
    expect(substituteValue('${{HOST}}', env).malformed).toContain('malformed');
    expect(substituteValue('x ${HOST', env).malformed).toBe('unterminated variable reference "${HOST"');
  });
});

describe('parseDotenv', () => {
  const text = readFileSync(fixture('env/sample.env'), 'utf8');

  test('reads every supported line form', () => {
    const { values } = parseDotenv(text, { BASE_ONLY: 'from-base' });
    expect({ ...values }).toEqual({
      PLAIN: 'value',
      EXPORTED: 'yes',
      INDENTED: 'spaced',
      INLINE: 'abc',
      HASH_NO_SPACE: 'abc#def',
      SINGLE: 'keep ${PLAIN} and # this',
      DOUBLE: 'tab\there\nnewline "quoted" \\ end',
      MULTI: 'first\nsecond',
      EMPTY: '',
      INTERP: 'value-x',
      INTERP_DEFAULT: 'fallback',
      FROM_BASE: 'from-base',
    });
  });

  test('reports lines it cannot use, with their numbers', () => {
    const { problems } = parseDotenv(text, { BASE_ONLY: 'x' });
    expect(problems).toEqual([
      { line: 16, message: 'ignored: expected KEY=value' },
      { line: 17, message: 'ignored BROKEN: missing closing "' },
    ]);
  });

  test('an unset variable inside a value is left empty with a note', () => {
    expect(parseDotenv('A=x${NOPE}y\n')).toEqual({
      values: expect.objectContaining({ A: 'xy' }),
      problems: [{ line: 1, message: 'A: ${NOPE} is not set (left empty)' }],
    });
  });

  test('later lines win, CRLF and a BOM are handled', () => {
    expect({ ...parseDotenv('\uFEFFA=1\r\nA=2\r\n').values }).toEqual({ A: '2' });
  });

  test('text after a closing quote is noted', () => {
    expect(parseDotenv('A="x" y\n').problems).toEqual([{ line: 1, message: 'A: text after the closing quote ignored' }]);
  });
});

describe('readEnvironment', () => {
  let dir = '';
  beforeAll(() => {
    dir = stageCase('substitution/dotenv-beside');
  });
  afterAll(() => unstage(dir));

  test('adds the .env beside the config; the process environment wins', () => {
    const result = readEnvironment(dir, { DB_PORT: '7777', UNRELATED: 'kept' });
    expect(result.dotenvPath).toBe(`${dir}/.env`);
    expect(result.env).toMatchObject({ DB_PORT: '7777', DB_HOST: 'db-from-dotenv.internal', UNRELATED: 'kept' });
    expect(result.warnings).toEqual([]);
  });

  test('no .env is fine', () => {
    const result = readEnvironment(fixture('resolve/local'), { A: '1', B: undefined });
    expect(result).toEqual({ env: expect.objectContaining({ A: '1' }), dotenvPath: null, warnings: [] });
    expect('B' in result.env).toBe(false);
  });

  test('an unreadable .env is a warning', () => {
    // A directory named .env cannot be read as a file.
    const odd = stageCase('resolve/local');
    mkdirSync(join(odd, '.env'));
    const result = readEnvironment(odd, {});
    unstage(odd);
    expect(result.dotenvPath).toBeNull();
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/\.env: not read: /);
  });
});
