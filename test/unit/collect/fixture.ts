import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `test/fixtures/<parser>/<case>.txt`, as text. */
export function fixture(parser: string, name: string): string {
  return readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', parser, `${name}.txt`), 'utf8');
}
