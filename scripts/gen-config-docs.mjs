#!/usr/bin/env node
// `npm run docs:config`: regenerates docs/CONFIG.md and examples/dthostmon.schema.json from the zod schema (built
// dist/). test/unit/config/generated-docs.test.ts fails when the committed files differ from what this writes.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigReference } from '../dist/config/schema-markdown.js';
import { configJsonSchema } from '../dist/config/json-schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
writeFileSync(join(root, 'docs', 'CONFIG.md'), renderConfigReference());
writeFileSync(join(root, 'examples', 'dthostmon.schema.json'), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log('wrote docs/CONFIG.md and examples/dthostmon.schema.json');
