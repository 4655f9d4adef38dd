/**
 * InfluxDB 2 query answers: annotated CSV (https://docs.influxdata.com/influxdb/v2/reference/syntax/annotated-csv/).
 *
 * Shape: optional annotation rows (`#datatype`, `#group`, `#default`), one header row, record rows. Every row starts
 * with the annotation column (empty outside annotation rows), then `result`, `table`, the data columns. Several
 * tables of one schema share a header and are told apart by the `table` column; a blank line starts a new schema
 * (new annotations and header). Fields are RFC 4180: quoted when they hold `,` `"` or a line break, `""` inside.
 * InfluxDB writes CRLF line ends. `Content-Type: application/vnd.flux` requests get NO annotation rows (the default
 * dialect of InfluxDB 2's http/query.go), so annotations are used when present and never required.
 *
 * An error while running (after part of the answer was sent) comes as a table with `error` and `reference` columns.
 */

export interface FluxTable {
  /** The `result` column (the yield name), `_result` when empty without a default. */
  result: string;
  /** The `table` column. */
  table: string;
  /** Data columns, without the annotation column. */
  columns: string[];
  /** `#datatype` per column, or null without annotations. */
  datatypes: string[] | null;
  /** `#group` per column (true: part of the group key), or null without annotations. */
  group: boolean[] | null;
  /** Cells per row; an empty cell without a `#default` is null. */
  rows: Array<Array<string | null>>;
}

export interface FluxCsv {
  tables: FluxTable[];
  /** The message of an error table, or null. */
  error: string | null;
}

/** Thrown for text that is not Flux CSV (HTML, JSON, a truncated table); the message is one line. */
export class FluxCsvError extends Error {}

interface CsvRow {
  fields: string[];
  /** A line with nothing on it: the table boundary. */
  blank: boolean;
  line: number;
}

/** RFC 4180 rows: quoted fields may hold commas, `""` and line breaks; `\r` before `\n` is dropped. */
export function splitCsvRows(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let rowHasContent = false;
  let line = 1;
  let rowLine = 1;
  const endRow = (): void => {
    fields.push(field);
    rows.push({ fields, blank: !rowHasContent, line: rowLine });
    fields = [];
    field = '';
    rowHasContent = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '\r' && text[i + 1] === '\n') continue;
    if (c === '\n') {
      endRow();
      line++;
      rowLine = line;
      continue;
    }
    rowHasContent = true;
    if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '"' && field === '') {
      quoted = true;
    } else {
      field += c;
    }
  }
  if (quoted) throw new FluxCsvError(`unterminated quoted field starting on line ${rowLine}`);
  if (rowHasContent || field !== '' || fields.length > 0) endRow();
  return rows;
}

interface Block {
  annotations: Map<string, string[]>;
  header: string[] | null;
  headerLine: number;
  records: CsvRow[];
}

function blocksOf(rows: CsvRow[]): Block[] {
  const blocks: Block[] = [];
  let block: Block | null = null;
  for (const row of rows) {
    if (row.blank) {
      block = null;
      continue;
    }
    const first = row.fields[0] ?? '';
    if (!block || (first.startsWith('#') && block.header)) {
      block = { annotations: new Map(), header: null, headerLine: 0, records: [] };
      blocks.push(block);
    }
    if (first.startsWith('#')) {
      block.annotations.set(first.slice(1), row.fields.slice(1));
    } else if (!block.header) {
      if (first !== '') throw new FluxCsvError(`line ${row.line} is not a Flux CSV header (no leading annotation column)`);
      block.header = row.fields.slice(1);
      block.headerLine = row.line;
    } else {
      block.records.push(row);
    }
  }
  return blocks;
}

/**
 * Tables and the error of a Flux answer. An empty answer (only line breaks) is no tables. Throws FluxCsvError when
 * the text is not Flux CSV: a header without `table` (or `error`) column, rows of another width, an open quote.
 */
export function parseFluxCsv(text: string): FluxCsv {
  const tables: FluxTable[] = [];
  let error: string | null = null;
  for (const block of blocksOf(splitCsvRows(text))) {
    if (!block.header) throw new FluxCsvError('annotation rows without a header row');
    const columns = block.header;
    const width = columns.length + 1;
    for (const row of block.records) {
      if (row.fields.length !== width) {
        throw new FluxCsvError(`line ${row.line} has ${row.fields.length} fields, its header (line ${block.headerLine}) has ${width}`);
      }
    }
    if (columns.includes('error') && !columns.includes('table')) {
      const at = columns.indexOf('error');
      const message = block.records.map((r) => r.fields[at + 1] ?? '').find((m) => m !== '') ?? 'query failed';
      error ??= message.replace(/\s*\r?\n\s*/g, ' ').trim();
      continue;
    }
    if (!columns.includes('table')) throw new FluxCsvError(`header on line ${block.headerLine} has no "table" column`);
    const datatypes = block.annotations.get('datatype') ?? null;
    const groupRow = block.annotations.get('group') ?? null;
    const defaults = block.annotations.get('default') ?? [];
    const resultAt = columns.indexOf('result');
    const tableAt = columns.indexOf('table');
    const byTable = new Map<string, FluxTable>();
    for (const row of block.records) {
      const cells = row.fields.slice(1).map((v, i) => (v === '' ? (defaults[i] ?? '') || null : v));
      const result = (resultAt >= 0 ? cells[resultAt] : null) ?? '_result';
      const table = cells[tableAt] ?? '';
      const key = `${result}\u0000${table}`;
      let t = byTable.get(key);
      if (!t) {
        t = {
          result,
          table,
          columns,
          datatypes: datatypes ? datatypes.slice(0, columns.length) : null,
          group: groupRow ? groupRow.slice(0, columns.length).map((g) => g === 'true') : null,
          rows: [],
        };
        byTable.set(key, t);
        tables.push(t);
      }
      t.rows.push(cells);
    }
  }
  return { tables, error };
}

/** A cell by column name, or null. */
export function cellOf(table: FluxTable, row: Array<string | null>, column: string): string | null {
  const at = table.columns.indexOf(column);
  return at < 0 ? null : (row[at] ?? null);
}

/** RFC3339 (nanoseconds allowed) to epoch seconds, or NaN. */
export function rfc3339Seconds(text: string | null): number {
  if (!text) return NaN;
  // Date.parse takes at most milliseconds portably: cut longer fractions.
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : NaN;
}
