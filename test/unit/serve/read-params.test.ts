import { badRequest } from '../../../src/serve/types.js';
import { cursorParam, encodeCursor } from '../../../src/serve/routes/pagination.js';
import { boolParam, enumParam, idParam, intParam, nameParam, parseQuery, quote, textParam } from '../../../src/serve/routes/params.js';

const q = (text: string) => new URLSearchParams(text);
const message = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
};

describe('read route parameters', () => {
  it('parses declared parameters with defaults', () => {
    const shape = { limit: intParam(1, 500, 100), open: boolParam(), severity: enumParam(['crit', 'warn']), tag: textParam() };
    expect(parseQuery(q(''), shape)).toEqual({ limit: 100, open: undefined, severity: undefined, tag: undefined });
    expect(parseQuery(q('limit=7&open=false&severity=warn&tag=web%20x'), shape)).toEqual({ limit: 7, open: false, severity: 'warn', tag: 'web x' });
  });

  it('refuses unknown, repeated and bad parameters with one line naming them', () => {
    const shape = { limit: intParam(1, 500, 100) };
    expect(message(() => parseQuery(q('limit=1e3'), shape))).toBe('parameter limit: expected an integer from 1 to 500');
    expect(message(() => parseQuery(q('limit=%20'), shape))).toBe('parameter limit: expected an integer from 1 to 500');
    expect(message(() => parseQuery(q('a%0Ab=1'), shape))).toBe('unknown parameter "ab" (allowed: limit)');
    expect(message(() => parseQuery(q('x=1'), {}))).toBe('unknown parameter "x" (allowed: none)');
    expect(parseQuery(q('x=1&limit=5'), shape, { allowUnknown: true })).toEqual({ limit: 5 });
    expect(message(() => parseQuery(q('limit=1&limit=1'), shape))).toBe('parameter limit given more than once');
    expect(message(() => parseQuery(q(`tag=${'x'.repeat(256)}`), { tag: textParam() }))).toBe('parameter tag: longer than 255 characters');
    expect(message(() => parseQuery(q('tag=a%01'), { tag: textParam() }))).toBe('parameter tag: contains control characters');
  });

  it('checks path names and ids', () => {
    expect(nameParam({ name: 'web-01' }, 'name')).toBe('web-01');
    expect(message(() => nameParam({ name: '' }, 'name'))).toBe('parameter name: expected a name of 1 to 255 printable characters');
    expect(idParam({ id: '42' }, 'id')).toBe(42);
    expect(message(() => idParam({ id: '2147483648' }, 'id'))).toBe('parameter id: expected a positive integer id');
    expect(message(() => idParam({ id: '007' }, 'id'))).toBe('parameter id: expected a positive integer id');
    expect(badRequest('x').status).toBe(400);
  });

  it('round-trips the results cursor and refuses a forged one', () => {
    const cursor = { startedAt: '2026-03-10T11:00:00.000Z', id: 12 };
    const text = encodeCursor(cursor);
    expect(parseQuery(q(`before=${text}`), { before: cursorParam() })).toEqual({ before: cursor });
    const forged = Buffer.from("2026-03-10T11:00:00.000Z|1 or 1=1", 'utf8').toString('base64url');
    expect(message(() => parseQuery(q(`before=${forged}`), { before: cursorParam() }))).toBe('parameter before: expected the next cursor of a previous page');
  });

  it('quotes client text short and clean for messages', () => {
    expect(quote('a\u0000b')).toBe('"ab"');
    expect(quote('x'.repeat(100))).toBe(`"${'x'.repeat(60)}..."`);
  });
});
