/**
 * Reads the zod config schema as data: one walker shared by the JSON Schema for editors (json-schema.ts) and the
 * key reference docs/CONFIG.md (schema-markdown.ts), so both follow the schema without a second list of keys.
 *
 * Only the zod node kinds the config schema uses are understood; any other kind reads as "any value" rather than
 * failing, and the generated-docs test shows it.
 */
import { z } from 'zod';
import { parseDurationSeconds, parseSizeBytes } from './schema-primitives.js';

type AnySchema = z.core.$ZodType;

interface Def {
  type: string;
  [key: string]: unknown;
}

function defOf(schema: AnySchema): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The `.describe()` text of this node, if any (zod keeps it in its global registry). */
export function descriptionOf(schema: AnySchema): string | undefined {
  return (schema as unknown as { description?: string }).description;
}

/**
 * Documentation a schema node gives itself with `.meta({ docType, jsonSchema })`, for a value whose shape zod cannot
 * show (a transform that parses `"0-30"` into a band).
 */
interface DocMeta {
  docType?: string;
  jsonSchema?: Record<string, unknown>;
}

function docMetaOf(schema: AnySchema): DocMeta {
  return (z.globalRegistry.get(schema) as DocMeta | undefined) ?? {};
}

/** A schema node reduced to what documentation needs. */
export type Shape =
  | { kind: 'object'; keys: Record<string, Field>; strict: boolean }
  | { kind: 'record'; keyPattern: string | null; value: Field }
  | { kind: 'array'; item: Field }
  | { kind: 'union'; options: Field[] }
  | { kind: 'string'; pattern: string | null; minLength: number | null }
  | { kind: 'number'; integer: boolean; min: Bound | null; max: Bound | null }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: string[] }
  | { kind: 'any' };

export interface Bound {
  value: number;
  inclusive: boolean;
}

/** A schema node with what its wrappers said: description, default, optional, nullable. */
export interface Field {
  shape: Shape;
  description: string | undefined;
  /** The `.default()`/`.prefault()` value, when it is plain data. */
  defaultValue: unknown;
  hasDefault: boolean;
  optional: boolean;
  nullable: boolean;
  /** Accepts text for a list (`"a,b"` or one item), as textList does: YAML written by hand or by sync-config. */
  acceptsTextForList: boolean;
  /** A map (or a choice of maps) that may also be written as text: `ignore: ["^noise"]` for `{pattern: ...}`. */
  textShorthand: boolean;
  /** A number that may be written with a unit: a size (`8MiB`) or a duration (`24h`). */
  unit: 'size' | 'duration' | null;
  /** Type text and JSON Schema given by the schema itself (DocMeta), for shapes zod cannot show. */
  docType?: string;
  jsonSchema?: Record<string, unknown>;
}

interface CheckDef {
  check: string;
  format?: string;
  value?: number;
  inclusive?: boolean;
  pattern?: RegExp;
  minimum?: number;
}

function checksOf(def: Def): CheckDef[] {
  const checks = (def.checks as { _zod: { def: CheckDef } }[] | undefined) ?? [];
  return checks.map((c) => c._zod.def);
}

function plainDefault(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    return undefined;
  }
}

function leafShape(def: Def): Shape {
  const checks = checksOf(def);
  switch (def.type) {
    case 'string': {
      const regex = checks.find((c) => c.check === 'string_format' && c.format === 'regex');
      const min = checks.find((c) => c.check === 'min_length');
      return { kind: 'string', pattern: regex?.pattern?.source ?? null, minLength: min?.minimum ?? null };
    }
    case 'number': {
      const bound = (name: string): Bound | null => {
        const c = checks.find((x) => x.check === name);
        return c && typeof c.value === 'number' ? { value: c.value, inclusive: c.inclusive ?? true } : null;
      };
      const integer = checks.some((c) => c.check === 'number_format' && (c.format === 'safeint' || c.format === 'int32'));
      return { kind: 'number', integer, min: bound('greater_than'), max: bound('less_than') };
    }
    case 'boolean':
      return { kind: 'boolean' };
    case 'enum':
      return { kind: 'enum', values: Object.values(def.entries as Record<string, string>) };
    default:
      return { kind: 'any' };
  }
}

/** Reads one schema node (and its wrappers) into a Field. */
export function readField(schema: AnySchema): Field {
  const field: Field = {
    shape: { kind: 'any' },
    description: undefined,
    defaultValue: undefined,
    hasDefault: false,
    // From the wrappers: zod's own `optin` says "optional" for every z.preprocess, whose function could accept undefined.
    optional: false,
    nullable: false,
    acceptsTextForList: false,
    textShorthand: false,
    unit: null,
  };
  let node: AnySchema = schema;
  for (let depth = 0; depth < 50; depth += 1) {
    field.description ??= descriptionOf(node);
    const meta = docMetaOf(node);
    if (meta.docType !== undefined) {
      field.docType = meta.docType;
      field.jsonSchema = meta.jsonSchema;
      return field;
    }
    const def = defOf(node);
    switch (def.type) {
      case 'optional':
        field.optional = true;
        node = def.innerType as AnySchema;
        continue;
      case 'nullable':
        field.nullable = true;
        node = def.innerType as AnySchema;
        continue;
      case 'default':
      case 'prefault':
        field.optional = true;
        if (!field.hasDefault) {
          field.hasDefault = true;
          field.defaultValue = plainDefault(def.defaultValue);
        }
        node = def.innerType as AnySchema;
        continue;
      case 'pipe': {
        // z.preprocess(fn, X) is pipe(transform, X): X says what is accepted. x.transform(fn) is pipe(x, transform).
        const input = def.in as AnySchema;
        const output = def.out as AnySchema;
        const inputIsTransform = defOf(input).type === 'transform';
        if (inputIsTransform && defOf(output).type === 'array') field.acceptsTextForList = true;
        const transform = inputIsTransform ? defOf(input).transform : undefined;
        if (transform === parseSizeBytes) field.unit = 'size';
        if (transform === parseDurationSeconds) field.unit = 'duration';
        if (inputIsTransform && ['object', 'union'].includes(defOf(output).type)) field.textShorthand = true;
        node = inputIsTransform ? output : input;
        continue;
      }
      case 'object': {
        const keys: Record<string, Field> = {};
        for (const [key, value] of Object.entries(def.shape as Record<string, AnySchema>)) keys[key] = readField(value);
        const catchall = def.catchall as AnySchema | undefined;
        field.shape = { kind: 'object', keys, strict: catchall !== undefined && defOf(catchall).type === 'never' };
        return field;
      }
      case 'record': {
        const keyDef = defOf(def.keyType as AnySchema);
        const regex = checksOf(keyDef).find((c) => c.check === 'string_format' && c.format === 'regex');
        field.shape = { kind: 'record', keyPattern: regex?.pattern?.source ?? null, value: readField(def.valueType as AnySchema) };
        return field;
      }
      case 'array':
        field.shape = { kind: 'array', item: readField(def.element as AnySchema) };
        return field;
      case 'union':
        field.shape = { kind: 'union', options: (def.options as AnySchema[]).map(readField) };
        return field;
      default:
        field.shape = leafShape(def);
        return field;
    }
  }
  return field;
}
