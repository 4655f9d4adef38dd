/**
 * docs/CONFIG.md, generated from the zod schema (`npm run docs:config`): every key with its type, default, the
 * levels that may set it (global, site, host) and the sync-config environment variable for it. A test fails when
 * the committed file differs from what this renders, so the reference cannot drift from the schema.
 */
import { configSchema } from './schema.js';
import { readField, type Field } from './schema-walk.js';

interface Row {
  key: string;
  field: Field;
}

const LEVELS = ['global', 'site', 'host'] as const;
type Level = (typeof LEVELS)[number];

/** `resource_thresholds.warning` -> `RESOURCE_THRESHOLDS__WARNING`: sync-config's `__` nesting. */
export function envVarName(level: 'site' | 'host', key: string): string {
  return `DTHM_${level.toUpperCase()}_${key.toUpperCase().replace(/\./g, '__')}`;
}

function objectKeys(field: Field | undefined): Record<string, Field> {
  return field?.shape.kind === 'object' ? field.shape.keys : {};
}

/** Leaves under `field`, with dotted keys; lists of maps become `key[].sub`, maps by id `key.<id>.sub`. */
function flatten(prefix: string, field: Field, out: Row[]): void {
  const shape = field.shape;
  if (shape.kind === 'object') {
    out.push({ key: prefix, field });
    for (const [key, child] of Object.entries(shape.keys)) flatten(`${prefix}.${key}`, child, out);
  } else if (shape.kind === 'array' && shape.item.shape.kind === 'object') {
    out.push({ key: `${prefix}[]`, field });
    for (const [key, child] of Object.entries(shape.item.shape.keys)) flatten(`${prefix}[].${key}`, child, out);
  } else if (shape.kind === 'record' && shape.value.shape.kind === 'object') {
    out.push({ key: `${prefix}.<id>`, field });
    for (const [key, child] of Object.entries(shape.value.shape.keys)) flatten(`${prefix}.<id>.${key}`, child, out);
  } else {
    out.push({ key: prefix, field });
  }
}

function bound(min: { value: number; inclusive: boolean } | null, max: { value: number; inclusive: boolean } | null): string {
  if (min && max && min.inclusive && max.inclusive) return ` ${min.value}–${max.value}`;
  const parts = [min ? `${min.inclusive ? '≥' : '>'} ${min.value}` : '', max ? `${max.inclusive ? '≤' : '<'} ${max.value}` : ''];
  const text = parts.filter(Boolean).join(', ');
  return text ? ` ${text}` : '';
}

/** A short type text: `integer 1–65535`, `list of text ("a,b" accepted)`, `one of ssh, local`. */
export function typeText(field: Field): string {
  if (field.docType) return field.docType;
  const shape = field.shape;
  let text: string;
  switch (shape.kind) {
    case 'object':
      text = 'map';
      break;
    case 'record':
      text = `map of ${shape.value.shape.kind === 'object' ? 'maps' : typeText(shape.value)}`;
      break;
    case 'array':
      text = `list of ${shape.item.shape.kind === 'object' ? 'maps' : typeText(shape.item)}${field.acceptsTextForList ? ' ("a,b" accepted)' : ''}`;
      break;
    case 'union':
      text = shape.options.map(typeText).join(' or ');
      break;
    case 'string':
      text = shape.minLength ? 'text (not empty)' : 'text';
      break;
    case 'number':
      if (field.unit === 'size') text = `size: bytes or "8MiB"`;
      else if (field.unit === 'duration') text = `duration: seconds or "15m", "24h", "7d"`;
      else text = `${shape.integer ? 'integer' : 'number'}${bound(shape.min, shape.max)}`;
      break;
    case 'boolean':
      text = 'boolean';
      break;
    case 'enum':
      text = `one of ${shape.values.join(', ')}`;
      break;
    case 'any':
      text = 'any';
      break;
  }
  return field.nullable ? `${text}, or null` : text;
}

const DEFAULT_SENTENCE = /(?:^|[.!?]\s+)Defaults?:?\s+(.+?)(?:\.(?=\s|$)|$)/;

/** The default: the schema's own default value, else the "Default ..." sentence of the description, else "". */
export function defaultText(field: Field): string {
  if (field.hasDefault && field.defaultValue !== undefined) {
    const value = field.defaultValue;
    if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) return '';
    return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
  }
  const match = DEFAULT_SENTENCE.exec(field.description ?? '');
  return match?.[1]?.trim() ?? '';
}

/** The description without its "Default ..." sentence when the Default column already shows it. */
function describe(field: Field): string {
  const text = field.description ?? '';
  return text.replace(DEFAULT_SENTENCE, (whole) => (/^[.!?]/.test(whole) ? '.' : '')).trim();
}

/** Host keys sync-config takes from the folder names, never from a variable. */
const FROM_FOLDERS: Record<string, string> = { name: 'the host folder', site: 'the site folder' };

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

/** Host settings: the keys a site or a host may set, with the levels that accept each and their variables. */
function hostSettings(root: Record<string, Field>): string {
  const global = objectKeys(root.global);
  const sites = root.sites?.shape.kind === 'record' ? objectKeys(root.sites.shape.value) : {};
  const hosts = root.hosts?.shape.kind === 'array' ? objectKeys(root.hosts.shape.item) : {};
  const names = [...new Set([...Object.keys(hosts), ...Object.keys(sites)])];
  const rows: string[][] = [];
  for (const name of names) {
    const levels: Record<Level, Field | undefined> = { global: global[name], site: sites[name], host: hosts[name] };
    const field = (levels.host ?? levels.site) as Field;
    const flat: Row[] = [];
    flatten(name, field, flat);
    for (const row of flat) {
      const set = LEVELS.filter((l) => levels[l] !== undefined);
      const listItem = row.key.includes('[]') || row.key.includes('<id>');
      const folder = FROM_FOLDERS[row.key];
      const vars = folder
        ? `— (${folder})`
        : listItem || row.field.shape.kind === 'object'
          ? '—'
          : set.filter((l): l is 'site' | 'host' => l !== 'global').map((l) => `\`${envVarName(l, row.key)}\``).join(', ');
      rows.push([`\`${row.key}\``, typeText(row.field), defaultText(row.field), set.join(', '), vars || '—', describe(row.field)]);
    }
  }
  return table(['Key', 'Type', 'Default', 'Set at', 'sync-config variable', 'Description'], rows);
}

/** One section (`database`, `email`, ...): its keys as `section.key` rows. */
function sectionTable(name: string, field: Field, skip: ReadonlySet<string> = new Set()): string {
  const flat: Row[] = [];
  flatten(name, field, flat);
  const rows = flat
    .filter((r) => r.key !== name && !skip.has(r.key.split('.')[1]?.replace('[]', '') ?? ''))
    .map((r) => [`\`${r.key}\``, typeText(r.field), defaultText(r.field), describe(r.field)]);
  return table(['Key', 'Type', 'Default', 'Description'], rows);
}

const INTRO = `# dthostmon.yaml reference

<!-- Generated from src/config/schema*.ts by \`npm run docs:config\`: edit the .describe() texts there, not this file. -->

Every key \`dthostmon.yaml\` accepts, with its type, its default and where it may be set. A walk-through with
examples is in [configuration.md](configuration.md); \`dthostmon config\` shows the resolved values of a real file and
where each came from, and \`dthostmon config validate\` checks one.

- **Levels.** Host settings may be set in \`global\` (every host), in \`sites.<id>\` (the hosts whose \`site\` is that id)
  and on the host; the lowest level wins. Other sections are global only.
- **Values from the environment.** Any value may be \`\${VAR}\` or \`\${VAR:-default}\`, replaced when the config is
  loaded (from the environment, then a \`.env\` file beside the config). An unset variable without a default is an
  error naming it.
- **sync-config variables.** \`dthostmon sync-config\` builds sites and hosts from a divtools tree; there every site or
  host key can be set in \`.env.<site>\` / \`.env.<host>\` with the variable shown (\`__\` for a nested key, lists as
  \`a,b\`). See [sync-config.md](sync-config.md).
- **Types.** The file is read with every value as text and the key decides the type: \`yes/no\`, \`on/off\`, \`1/0\`
  are booleans, digits are integers only where an integer is expected, and a list key also takes one item or
  \`"a,b"\`.
- **Editors.** \`dthostmon config schema\` prints the JSON Schema (also committed as
  [examples/dthostmon.schema.json](../examples/dthostmon.schema.json)). A first line
  \`# yaml-language-server: $schema=../examples/dthostmon.schema.json\` gives completion and checks in VS Code
  (YAML extension) and other YAML language servers.
`;

/** The whole docs/CONFIG.md text. */
export function renderConfigReference(): string {
  const root = readField(configSchema);
  const sections = objectKeys(root);
  const out: string[] = [INTRO];
  out.push('## Host settings (global, site, host)\n');
  out.push('Keys a host may set; most may also be set for a whole site or, in `global`, for every host.\n');
  out.push(hostSettings(sections));
  const hostKeys = new Set([
    ...Object.keys(sections.hosts?.shape.kind === 'array' ? objectKeys(sections.hosts.shape.item) : {}),
    ...Object.keys(sections.sites?.shape.kind === 'record' ? objectKeys(sections.sites.shape.value) : {}),
  ]);
  for (const [name, field] of Object.entries(sections)) {
    if (name === 'sites' || name === 'hosts') continue;
    const body = name === 'global' ? sectionTable(name, field, hostKeys) : sectionTable(name, field);
    out.push(`## \`${name}\`\n`);
    if (field.description) out.push(`${field.description}${name === 'global' ? ' Host settings set here are listed above.' : ''}\n`);
    out.push(body);
  }
  return `${out.join('\n\n').replace(/\n{3,}/g, '\n\n')}\n`;
}
