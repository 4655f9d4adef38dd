/**
 * The JSON Schema of dthostmon.yaml (draft 2020-12), generated from the zod schema for editors: with the
 * `# yaml-language-server: $schema=...` line at the top of a config, VS Code and other YAML language servers
 * complete keys, show each key's description and flag unknown keys and wrong types as you type.
 *
 * It accepts what the loader accepts, not only the canonical spelling: the loader reads every scalar as text, so
 * `port: "22"`, `enabled: yes` and `tags: a,b` are valid, and any scalar may be a `${VAR}` reference.
 */
import { configSchema } from './schema.js';
import { readField, type Field, type Shape } from './schema-walk.js';

export type JsonSchema = Record<string, unknown>;

/** A `${VAR}` or `${VAR:-default}` reference somewhere in the text: its type is only known after substitution. */
const VARIABLE_TEXT: JsonSchema = { type: 'string', pattern: '\\$\\{[A-Za-z0-9_]+(:-[^}]*)?\\}', description: 'An environment variable reference, replaced when the config is loaded.' };

/** `[tT][rR][uU][eE]`: JSON Schema patterns have no case-insensitive flag. */
function anyCase(word: string): string {
  return [...word].map((ch) => (/[a-z]/i.test(ch) ? `[${ch.toLowerCase()}${ch.toUpperCase()}]` : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
}

const BOOLEAN_WORDS = ['true', 'false', 'yes', 'no', 'on', 'off', '1', '0'];

function numberSchema(shape: Extract<Shape, { kind: 'number' }>): JsonSchema {
  const out: JsonSchema = { type: shape.integer ? 'integer' : 'number' };
  if (shape.min) out[shape.min.inclusive ? 'minimum' : 'exclusiveMinimum'] = shape.min.value;
  if (shape.max) out[shape.max.inclusive ? 'maximum' : 'exclusiveMaximum'] = shape.max.value;
  return out;
}

/** The scalar as YAML gives it, plus the text spellings the loader also accepts, plus `${VAR}`. */
function withTextForms(native: JsonSchema, textForms: JsonSchema[]): JsonSchema {
  return { anyOf: [native, ...textForms, VARIABLE_TEXT] };
}

function shapeSchema(field: Field): JsonSchema {
  const shape = field.shape;
  switch (shape.kind) {
    case 'object': {
      const properties: Record<string, JsonSchema> = {};
      const required: string[] = [];
      for (const [key, child] of Object.entries(shape.keys)) {
        // An empty optional key (`key:` in YAML) is read as "not set".
        properties[key] = child.optional ? orNull(fieldSchema(child)) : fieldSchema(child);
        if (!child.optional) required.push(key);
      }
      const out: JsonSchema = { type: 'object', properties };
      if (required.length > 0) out.required = required;
      if (shape.strict) out.additionalProperties = false;
      return out;
    }
    case 'record': {
      const out: JsonSchema = { type: 'object', additionalProperties: fieldSchema(shape.value) };
      if (shape.keyPattern) out.propertyNames = { pattern: shape.keyPattern };
      return out;
    }
    case 'array': {
      const list: JsonSchema = { type: 'array', items: fieldSchema(shape.item) };
      return field.acceptsTextForList ? { anyOf: [list, { type: 'string' }] } : list;
    }
    case 'union':
      return { anyOf: shape.options.map(fieldSchema) };
    case 'string': {
      const out: JsonSchema = { type: 'string' };
      if (shape.pattern) out.anyOf = [{ pattern: shape.pattern }, { pattern: VARIABLE_TEXT.pattern }];
      if (shape.minLength !== null) out.minLength = shape.minLength;
      // YAML reads `port: 22` or `name: 01` as a number where the loader keeps text.
      return { anyOf: [out, { type: 'number' }] };
    }
    case 'number': {
      const native = numberSchema(shape);
      const forms: JsonSchema[] = [{ type: 'string', pattern: shape.integer ? '^\\s*\\d+\\s*$' : '^\\s*\\d+(\\.\\d+)?\\s*$' }];
      if (field.unit === 'size') forms.push({ type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*([kKmMgG]([iI]?[bB])?|[bB])\\s*$' });
      if (field.unit === 'duration') forms.push({ type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*[a-zA-Z]+\\s*$' });
      return withTextForms(native, forms);
    }
    case 'boolean':
      return withTextForms({ type: 'boolean' }, [{ type: 'string', pattern: `^(${BOOLEAN_WORDS.map(anyCase).join('|')})$` }, { enum: [0, 1] }]);
    case 'enum':
      return withTextForms({ enum: shape.values }, [{ type: 'string', pattern: `^\\s*(${shape.values.map(anyCase).join('|')})\\s*$` }]);
    case 'any':
      return {};
  }
}

/** `schema` or null; the description and default stay on the outside, where editors show them. */
function orNull(schema: JsonSchema): JsonSchema {
  const { description, default: fallback, ...rest } = schema;
  const out: JsonSchema = { anyOf: [rest, { type: 'null' }] };
  if (description !== undefined) out.description = description;
  if (fallback !== undefined) out.default = fallback;
  return out;
}

function fieldSchema(field: Field): JsonSchema {
  let base = field.jsonSchema ? { anyOf: [...((field.jsonSchema.anyOf as JsonSchema[] | undefined) ?? [field.jsonSchema]), VARIABLE_TEXT] } : shapeSchema(field);
  // The loader reads an empty site (`s02-austin:`, or the original's `s02-austin: pass`) as a map with no keys.
  if (field.textShorthand) base = { anyOf: [base, { type: 'string' }, { type: 'null' }] };
  const out: JsonSchema = field.nullable ? { anyOf: [base, { type: 'null' }] } : base;
  if (field.description) out.description = field.description;
  if (field.hasDefault && field.defaultValue !== undefined && !isEmptyContainer(field.defaultValue)) out.default = field.defaultValue;
  return out;
}

function isEmptyContainer(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

/** The whole JSON Schema document (stable key order, so the committed file diffs cleanly). */
export function configJsonSchema(): JsonSchema {
  const root = fieldSchema(readField(configSchema));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'dthostmon configuration (dthostmon.yaml)',
    ...root,
  };
}
