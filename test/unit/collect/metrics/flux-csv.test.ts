import { describe, expect, it } from '@jest/globals';
import { FluxCsvError, cellOf, parseFluxCsv, rfc3339Seconds, splitCsvRows } from '../../../../src/collect/metrics/flux-csv.js';
import { loadFluxFixture } from '../../../helpers/flux-replay.js';

describe('splitCsvRows', () => {
  it('reads quoted fields with commas, "" escapes and line breaks, and drops CR before LF', () => {
    const rows = splitCsvRows(',a,"b,c","say ""hi""","two\r\nlines"\r\n\r\n,x\n');
    expect(rows.map((r) => r.fields)).toEqual([['', 'a', 'b,c', 'say "hi"', 'two\r\nlines'], [''], ['', 'x']]);
    expect(rows.map((r) => r.blank)).toEqual([false, true, false]);
    // The row after a quoted line break starts on line 3.
    expect(rows[2]?.line).toBe(4);
  });

  it('keeps an empty quoted field as content (not a blank line)', () => {
    expect(splitCsvRows('""\n').map((r) => [r.fields, r.blank])).toEqual([[[''], false]]);
  });

  it('throws on an unterminated quote', () => {
    expect(() => splitCsvRows(',"open\n,x')).toThrow(FluxCsvError);
  });
});

describe('parseFluxCsv', () => {
  it('reads the documented example: annotations, one header, three tables told apart by the table column', () => {
    // docs.influxdata.com/influxdb/v2/reference/syntax/annotated-csv/ "Tables" example.
    const text = [
      '#group,false,false,true,true,false,false,true,true,true,true',
      '#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string,string',
      '#default,mean,,,,,,,,,',
      ',result,table,_start,_stop,_time,_value,_field,_measurement,host,region',
      ',,0,2022-12-31T05:41:24Z,2023-01-31T05:41:24.001Z,2023-01-01T00:52:00Z,15.43,mem,m,A,east',
      ',,1,2022-12-31T05:41:24Z,2023-01-31T05:41:24.001Z,2023-01-01T00:52:00Z,59.25,mem,m,B,east',
      ',,2,2022-12-31T05:41:24Z,2023-01-31T05:41:24.001Z,2023-01-01T00:52:00Z,52.62,mem,m,C,east',
    ].join('\r\n');
    const { tables, error } = parseFluxCsv(text);
    expect(error).toBeNull();
    expect(tables.map((t) => [t.result, t.table, cellOf(t, t.rows[0] ?? [], 'host'), cellOf(t, t.rows[0] ?? [], '_value')])).toEqual([
      ['mean', '0', 'A', '15.43'],
      ['mean', '1', 'B', '59.25'],
      ['mean', '2', 'C', '52.62'],
    ]);
    expect(tables[0]?.group).toEqual([false, false, true, true, false, false, true, true, true, true]);
    expect(tables[0]?.datatypes?.[5]).toBe('double');
  });

  it('starts a new schema after a blank line (documented "Multiple tables and results")', () => {
    const text = [
      '#group,false,false,true,true,false,false,true,true,true,true',
      '#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string,string',
      '#default,_result,,,,,,,,,',
      ',result,table,_start,_stop,_time,_value,_field,_measurement,host,region',
      ',,0,2022-12-31T05:41:24Z,2023-01-31T05:41:24.001Z,2023-01-01T00:00:00Z,15.43,mem,m,A,east',
      '',
      '#group,false,false,true,true,true,true,false,false,true,true',
      '#datatype,string,long,string,string,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,string,string,string',
      '#default,_result,,,,,,,,,',
      ',result,table,_field,_measurement,_start,_stop,_time,_value,host,region',
      ',,3,mem_level,m,2022-12-31T05:41:24Z,2023-01-31T05:41:24.001Z,2023-01-01T00:00:00Z,ok,A,east',
    ].join('\r\n');
    const { tables } = parseFluxCsv(text);
    expect(tables).toHaveLength(2);
    expect(tables[1]?.columns.slice(0, 4)).toEqual(['result', 'table', '_field', '_measurement']);
    expect(cellOf(tables[1]!, tables[1]!.rows[0]!, '_value')).toBe('ok');
    expect(tables.map((t) => t.result)).toEqual(['_result', '_result']);
  });

  it('reads answers without annotations (the vnd.flux default) and empty cells as null', () => {
    const { tables } = parseFluxCsv(loadFluxFixture('custom-plain.csv'));
    expect(tables.map((t) => [t.table, t.rows.length, t.group, t.datatypes])).toEqual([
      ['0', 2, null, null],
      ['1', 3, null, null],
    ]);
    expect(cellOf(tables[1]!, tables[1]!.rows[2]!, '_value')).toBeNull();
  });

  it('keeps the commas and quotes of a quoted tag value', () => {
    const { tables } = parseFluxCsv(loadFluxFixture('custom-last-annotated.csv'));
    expect(tables.map((t) => cellOf(t, t.rows[0]!, 'path'))).toEqual(['/', '/mnt/a,"b"']);
    expect(tables.map((t) => t.result)).toEqual(['_result', '_result']);
  });

  it('returns the message of an error table and keeps the tables before it', () => {
    const { tables, error } = parseFluxCsv(loadFluxFixture('error-table.csv'));
    expect(error).toBe('runtime error @4:6-4:40: map: type conflict: float != string');
    expect(tables).toHaveLength(1);
  });

  it('reads an empty answer as no tables', () => {
    expect(parseFluxCsv(loadFluxFixture('empty.csv'))).toEqual({ tables: [], error: null });
    expect(parseFluxCsv('')).toEqual({ tables: [], error: null });
  });

  it.each([
    ['HTML', '<html><body>Bad gateway</body></html>', /not a Flux CSV header/],
    ['JSON', '{"results":[]}', /not a Flux CSV header/],
    ['a header without table column', ',a,b\r\n,1,2\r\n', /no "table" column/],
    ['a row of another width', ',result,table,_value\r\n,_result,0,1,extra\r\n', /line 2 has 5 fields/],
    ['annotations without a header', '#datatype,string,long\r\n', /without a header/],
  ])('throws FluxCsvError for %s', (_what, text, message) => {
    expect(() => parseFluxCsv(text)).toThrow(message);
  });
});

describe('rfc3339Seconds', () => {
  it('reads RFC3339 with nanoseconds and offsets', () => {
    expect(rfc3339Seconds('2023-11-14T21:59:50.123456789Z')).toBe(1699999190);
    expect(rfc3339Seconds('2023-11-14T23:00:00+01:00')).toBe(1699999200);
    expect(rfc3339Seconds('garbage')).toBeNaN();
    expect(rfc3339Seconds(null)).toBeNaN();
  });
});
