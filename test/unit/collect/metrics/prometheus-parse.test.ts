import { apiUrl } from '../../../../src/collect/metrics/prometheus-api.js';
import {
  MAX_SERIES,
  oneLine,
  parseEnvelope,
  parseInstant,
  parseMatrix,
  PrometheusShapeError,
  sampleValue,
} from '../../../../src/collect/metrics/prometheus-parse.js';

describe('parseEnvelope', () => {
  it('returns the data and warnings of a success answer', () => {
    const body = JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] }, warnings: ['slow\nquery', 7] });
    expect(parseEnvelope(body, 'application/json')).toEqual({ ok: true, data: { resultType: 'vector', result: [] }, warnings: ['slow query'] });
  });

  it('returns the API error of an error answer, on one line', () => {
    const body = '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:5: parse error:\\nunexpected end of input"}';
    expect(parseEnvelope(body, 'application/json')).toEqual({
      ok: false,
      errorType: 'bad_data',
      error: 'invalid parameter "query": 1:5: parse error: unexpected end of input',
    });
  });

  it('tolerates an error answer without fields', () => {
    expect(parseEnvelope('{"status":"error"}', undefined)).toEqual({ ok: false, errorType: 'unknown', error: 'error without a message' });
  });

  it('rejects HTML, text and foreign JSON with one line', () => {
    expect(() => parseEnvelope('<!DOCTYPE html><html>login</html>', 'text/html')).toThrow('answer is not JSON (HTML/XML): is this the Prometheus URL?');
    expect(() => parseEnvelope('hello', 'text/plain; charset=utf-8')).toThrow('answer is not JSON (text/plain; charset=utf-8): is this the Prometheus URL?');
    expect(() => parseEnvelope('', undefined)).toThrow('answer is not JSON (text)');
    expect(() => parseEnvelope('{"results":[]}', 'application/json')).toThrow(/not a Prometheus API answer/);
    expect(() => parseEnvelope('[1,2]', 'application/json')).toThrow(PrometheusShapeError);
    expect(() => parseEnvelope('null', 'application/json')).toThrow(PrometheusShapeError);
  });
});

describe('sampleValue', () => {
  it('reads finite numbers from strings only', () => {
    expect(sampleValue('0.5')).toBe(0.5);
    expect(sampleValue('-3e2')).toBe(-300);
    expect(sampleValue('NaN')).toBeNull();
    expect(sampleValue('+Inf')).toBeNull();
    expect(sampleValue('-Inf')).toBeNull();
    expect(sampleValue('1e400')).toBeNull();
    expect(sampleValue('')).toBeNull();
    expect(sampleValue('abc')).toBeNull();
    expect(sampleValue(5)).toBeNull();
    expect(sampleValue(null)).toBeNull();
  });
});

describe('parseMatrix', () => {
  it('reads series with labels (without __name__) and points oldest first', () => {
    const data = {
      resultType: 'matrix',
      result: [
        { metric: { __name__: 'node_load1', mountpoint: '/' }, values: [[20, '2'], [10, '1.5']] },
        { metric: {}, values: [[10, '7']] },
      ],
    };
    expect(parseMatrix(data)).toEqual([
      { labels: { mountpoint: '/' }, points: [{ t: 10, v: 1.5 }, { t: 20, v: 2 }] },
      { labels: {}, points: [{ t: 10, v: 7 }] },
    ]);
  });

  it('drops NaN, ±Inf and malformed samples, and series left without points', () => {
    const data = {
      resultType: 'matrix',
      result: [
        { metric: { a: 'x' }, values: [[1, 'NaN'], [2, '+Inf'], [3, '-Inf'], ['4', '1'], [5], [6, 1], [7, '3'], null, [Infinity, '1']] },
        { metric: { a: 'y' }, values: [[1, 'NaN']] },
        { metric: { a: 'z' }, histograms: [[1, { count: '1' }]] },
      ],
    };
    expect(parseMatrix(data)).toEqual([{ labels: { a: 'x' }, points: [{ t: 7, v: 3 }] }]);
  });

  it('keeps string labels only, on one line', () => {
    const data = { resultType: 'matrix', result: [{ metric: { a: 'one\ntwo', b: 5, c: null }, values: [[1, '1']] }] };
    expect(parseMatrix(data)[0]?.labels).toEqual({ a: 'one two' });
  });

  it('is empty for an empty result', () => {
    expect(parseMatrix({ resultType: 'matrix', result: [] })).toEqual([]);
  });

  it('rejects a wrong shape with one line', () => {
    expect(() => parseMatrix(null)).toThrow('range query: answer has no "data.resultType" / "data.result"');
    expect(() => parseMatrix({ resultType: 'matrix' })).toThrow(/no "data.resultType"/);
    expect(() => parseMatrix({ resultType: 'vector', result: [] })).toThrow('range query: expected a matrix result, got vector with an array');
    expect(() => parseMatrix({ resultType: 'matrix', result: 'nope' })).toThrow('range query: expected a matrix result, got matrix with a string');
    expect(() => parseMatrix({ resultType: 'matrix', result: [42] })).toThrow('range query: a result entry is not an object');
    expect(() => parseMatrix({ resultType: 'matrix', result: [{ metric: {}, values: 'x' }] })).toThrow('"values" of a series is not an array');
  });
});

describe('parseInstant', () => {
  it('reads a vector: one value per series with its labels', () => {
    const data = {
      resultType: 'vector',
      result: [
        { metric: { __name__: 'up', instance: 'a:9100', job: 'node' }, value: [1700000000.5, '1'] },
        { metric: { instance: 'b:9100' }, value: [1700000000.5, 'NaN'] },
        { metric: { instance: 'c:9100' }, value: [1700000000.5, '0'] },
      ],
    };
    expect(parseInstant(data)).toEqual({
      values: [
        { labels: { instance: 'a:9100', job: 'node' }, value: 1 },
        { labels: { instance: 'c:9100' }, value: 0 },
      ],
      error: null,
      total: 2,
    });
  });

  it('reads a scalar as one value without labels; a NaN scalar as no value', () => {
    expect(parseInstant({ resultType: 'scalar', result: [1700000000, '42.5'] })).toEqual({ values: [{ labels: {}, value: 42.5 }], error: null, total: 1 });
    expect(parseInstant({ resultType: 'scalar', result: [1700000000, 'NaN'] })).toEqual({ values: [], error: null, total: 0 });
  });

  it('caps a vector at MAX_SERIES values and says how many came', () => {
    const result = Array.from({ length: MAX_SERIES + 5 }, (_, i) => ({ metric: { i: String(i) }, value: [1, String(i)] }));
    const parsed = parseInstant({ resultType: 'vector', result });
    expect(parsed.values).toHaveLength(MAX_SERIES);
    expect(parsed.total).toBe(MAX_SERIES + 5);
  });

  it('makes a range vector or a string a query error, not a server error', () => {
    expect(parseInstant({ resultType: 'matrix', result: [] }).error).toBe(
      'query returns a range vector (matrix); use an instant expression, e.g. wrap it in max_over_time()',
    );
    expect(parseInstant({ resultType: 'string', result: [1, 'abc'] })).toEqual({ values: [], error: 'query returns a string, not a number', total: 0 });
  });

  it('rejects a wrong shape with one line', () => {
    expect(() => parseInstant({ resultType: 'histogram', result: [] })).toThrow('instant query: unknown resultType "histogram"');
    expect(() => parseInstant({ resultType: 'scalar', result: '1' })).toThrow('instant query: scalar result is not [time, "value"]');
    expect(() => parseInstant({ resultType: 'vector', result: {} })).toThrow('instant query: vector result is not an array');
    expect(() => parseInstant({ resultType: 'vector', result: ['x'] })).toThrow('instant query: a result entry is not an object');
    expect(() => parseInstant('garbage')).toThrow('instant query: answer has no "data.resultType" / "data.result"');
  });
});

describe('oneLine', () => {
  it('removes control characters and cuts long text', () => {
    expect(oneLine('a\u001b[31mred\u0007\r\nb')).toBe('a [31mred b');
    expect(oneLine('x'.repeat(500), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});

describe('apiUrl', () => {
  it('appends the API path to the base URL, keeping a path prefix, and encodes the parameters', () => {
    expect(apiUrl('http://127.0.0.1:9090', '/api/v1/query', { query: 'up{job="node"}', time: '10' })).toBe(
      'http://127.0.0.1:9090/api/v1/query?query=up%7Bjob%3D%22node%22%7D&time=10',
    );
    expect(apiUrl('https://mon.example/prometheus/', '/api/v1/query_range', { query: 'a+b' })).toBe(
      'https://mon.example/prometheus/api/v1/query_range?query=a%2Bb',
    );
  });

  it('leaves an unparsable base URL to the HTTP client', () => {
    expect(apiUrl('not a url', '/api/v1/query', {})).toBe('not a url');
  });
});
