import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { matchRules } from '../../../../src/analyze/log-rules.js';
import { builtInIndex, LOG_RULES } from '../../../../src/analyze/rules/index.js';
import { RuleDispatcher } from '../../../../src/analyze/rules/dispatch.js';
import { readFixture, recordsFromLog } from '../helpers.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
/** Fixture directories that hold real log lines (negative files included: they must match nothing, see each family's test). */
const LOG_DIRS = ['analyze', 'kernel', 'sshd', 'self-noise'];

function logFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? logFiles(path) : /\.(log|txt)$/.test(name) ? [path] : [];
  });
}

/**
 * The rule-coverage report (Wazuh-style ruleset tests): every built-in rule must match at least one real sample line
 * in the fixtures, matched as the engine matches it (first matching rule wins, in library order); aggregates are
 * covered by their family tests (they need many lines). Prints the report; fails under 100 %.
 */
describe('built-in rule coverage', () => {
  it('every rule matches at least one sample line of the fixtures', () => {
    const hits = new Map<string, number>();
    const dispatcher = new RuleDispatcher(builtInIndex());
    const files = LOG_DIRS.flatMap((d) => logFiles(join(FIXTURES, d))).filter((f) => !/negative|benign/.test(f));
    for (const file of files) {
      const records = recordsFromLog(readFixture(relative(FIXTURES, file)), file.includes('fail2ban.log') ? '/var/log/fail2ban.log' : '/var/log/syslog');
      for (const record of records) {
        const hit = matchRules(dispatcher.candidates(record).rules, record);
        if (hit) hits.set(hit.rule.id, (hits.get(hit.rule.id) ?? 0) + 1);
      }
    }
    const uncovered = LOG_RULES.map((r) => r.id).filter((id) => !hits.has(id));
    const covered = LOG_RULES.length - uncovered.length;
    const report = [
      `rule coverage: ${covered}/${LOG_RULES.length} built-in rules (${((100 * covered) / LOG_RULES.length).toFixed(1)} %) matched by ${files.length} fixture files`,
      ...LOG_RULES.map((r) => `  ${hits.has(r.id) ? 'ok ' : 'NO '} ${r.id} (${hits.get(r.id) ?? 0} lines)`),
    ].join('\n');
    console.log(report);
    expect(uncovered).toEqual([]);
  });
});
