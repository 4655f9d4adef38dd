import { LOG_RULES } from '../../../../src/analyze/rules/index.js';
import { FINDING_CATEGORIES } from '../../../../src/types.js';

describe('the built-in rule library', () => {
  const taxonomy = new Set<string>(FINDING_CATEGORIES);

  it('uses only categories of the finding taxonomy', () => {
    for (const rule of LOG_RULES) {
      expect(taxonomy.has(rule.category)).toBe(true);
      if (rule.aggregate) expect(taxonomy.has(rule.aggregate.category)).toBe(true);
    }
  });

  it('has unique rule ids, valid severities and a dispatch key on every rule', () => {
    const ids = LOG_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of LOG_RULES) {
      expect(['info', 'warn', 'crit']).toContain(rule.severity);
      expect(rule.programs.length).toBeGreaterThan(0);
    }
  });
});
