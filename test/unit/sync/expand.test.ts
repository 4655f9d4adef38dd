import { expandText } from '../../../src/sync/expand.js';

describe('expandText', () => {
  const vars = { APP_DIR: '/opt/app', EMPTY: '', PORT: '2222' };

  it('expands ${VAR} from the variables', () => {
    expect(expandText('${APP_DIR}/logs/app.log', vars)).toEqual({ value: '/opt/app/logs/app.log', unresolved: [], deferred: [], malformed: null });
  });

  it('always writes ${{VAR}} as ${VAR} for run time, even when VAR is set now (GAP-S7)', () => {
    expect(expandText('${{APP_DIR}}/x and ${{RUNTIME}}', vars)).toEqual({
      value: '${APP_DIR}/x and ${RUNTIME}',
      unresolved: [],
      deferred: ['APP_DIR', 'RUNTIME'],
      malformed: null,
    });
  });

  it('keeps an unset ${VAR} as written and reports it', () => {
    expect(expandText('${NOPE}/a-${PORT}', vars)).toMatchObject({ value: '${NOPE}/a-2222', unresolved: ['NOPE'] });
  });

  it('keeps ${VAR:-default} for run time when VAR is unset or empty, expands it when set', () => {
    expect(expandText('${NOPE:-admin}', vars)).toMatchObject({ value: '${NOPE:-admin}', unresolved: [] });
    expect(expandText('${EMPTY:-x}', vars)).toMatchObject({ value: '${EMPTY:-x}', unresolved: [] });
    expect(expandText('${PORT:-22}', vars).value).toBe('2222');
  });

  it('a set but empty variable is empty', () => {
    expect(expandText('[${EMPTY}]', vars).value).toBe('[]');
  });

  it('keeps the $${...} escape for the loader and other dollars as they are', () => {
    expect(expandText('$${APP_DIR} costs $5 $HOME', vars)).toMatchObject({ value: '$${APP_DIR} costs $5 $HOME', unresolved: [] });
  });

  it('reports a malformed reference and keeps it', () => {
    expect(expandText('${a b}', vars)).toMatchObject({ value: '${a b}', malformed: expect.stringContaining('malformed') });
    expect(expandText('x ${APP_DIR', vars)).toMatchObject({ value: 'x ${APP_DIR', malformed: expect.stringContaining('unterminated') });
  });

  it('never reads text twice: a value containing ${...} is not expanded again', () => {
    expect(expandText('${A}', { A: '${APP_DIR}', APP_DIR: 'no' }).value).toBe('${APP_DIR}');
  });
});
