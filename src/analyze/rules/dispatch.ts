import type { LogRecord } from '../../types.js';
import type { RuleIndex } from './index.js';
import { acceptsProgram, acceptsSource, type CompiledFilter } from './source-filter.js';
import type { IgnoreRule, LogRule } from './types.js';

/** What one line is tried against: the ignore patterns first, then the rules, both in rule-set order. */
export interface Candidates {
  readonly rules: readonly LogRule[];
  readonly ignore: readonly IgnoreRule[];
}

const NONE: Candidates = { rules: [], ignore: [] };

/**
 * Bounds on the caches: a hostile log cannot grow them without limit (a fresh program name on every line). Past a
 * bound the cache starts over; lists are cheap to rebuild.
 */
const MAX_PROGRAMS_PER_VIEW = 512;
const MAX_VIEWS = 2048;

interface Entry<T> {
  item: T;
  filter: CompiledFilter;
}

/** The rules and ignore patterns of one (source, unit), split by program on demand. */
class SourceView {
  private readonly byProgram = new Map<string, Candidates>();
  readonly noProgram: Candidates;

  constructor(
    private readonly rules: readonly Entry<LogRule>[],
    private readonly ignore: readonly Entry<IgnoreRule>[],
  ) {
    this.noProgram = this.build(null);
  }

  /** Keyed by the program as written: no lower-casing per line, only when a list is built. */
  forProgram(program: string | null): Candidates {
    if (program === null) return this.noProgram;
    let found = this.byProgram.get(program);
    if (found === undefined) {
      if (this.byProgram.size >= MAX_PROGRAMS_PER_VIEW) this.byProgram.clear();
      found = this.build(program.toLowerCase());
      this.byProgram.set(program, found);
    }
    return found;
  }

  private build(program: string | null): Candidates {
    const rules = this.rules.filter((e) => acceptsProgram(e.filter, program)).map((e) => e.item);
    const ignore = this.ignore.filter((e) => acceptsProgram(e.filter, program)).map((e) => e.item);
    return rules.length === 0 && ignore.length === 0 ? NONE : { rules, ignore };
  }
}

/**
 * Decides which rules a line is tried against, without trying every regex on every line: the candidate list is
 * built once per (source, journal unit, program) and cached. Records of one read job share their source, so the
 * common path is one string comparison and one map lookup by program. One dispatcher per host stream (or per
 * `applyLogRules` call): its caches live as long as that, while the index it reads is shared.
 */
export class RuleDispatcher {
  private readonly views = new Map<string, SourceView | Map<string, SourceView>>();
  private lastSource: string | null = null;
  private lastUnit: string | undefined = undefined;
  private lastView: SourceView | null = null;
  private viewCount = 0;

  constructor(readonly index: RuleIndex) {}

  /** The ignore patterns and rules for this record, in rule-set order. */
  candidates(record: LogRecord): Candidates {
    let view = this.lastView;
    if (view === null || record.source !== this.lastSource || (this.index.hasUnitFilters && record.unit !== this.lastUnit)) {
      view = this.viewFor(record.source, record.unit);
      this.lastSource = record.source;
      this.lastUnit = record.unit;
      this.lastView = view;
    }
    return view.forProgram(record.program);
  }

  private viewFor(source: string, unit: string | undefined): SourceView {
    if (this.viewCount >= MAX_VIEWS) {
      this.views.clear();
      this.viewCount = 0;
    }
    const cached = this.views.get(source);
    if (!this.index.hasUnitFilters) {
      if (cached instanceof SourceView) return cached;
      const view = this.build(source, undefined);
      this.views.set(source, view);
      return view;
    }
    let byUnit = cached instanceof Map ? cached : undefined;
    if (byUnit === undefined) {
      byUnit = new Map();
      this.views.set(source, byUnit);
    }
    const key = unit ?? '';
    let view = byUnit.get(key);
    if (view === undefined) {
      view = this.build(source, unit);
      byUnit.set(key, view);
    }
    return view;
  }

  private build(source: string, unit: string | undefined): SourceView {
    this.viewCount += 1;
    const { index } = this;
    const rules: Entry<LogRule>[] = [];
    index.rules.forEach((item, i) => {
      const filter = index.ruleFilters[i] as CompiledFilter;
      if (acceptsSource(filter, source, unit)) rules.push({ item, filter });
    });
    const ignore: Entry<IgnoreRule>[] = [];
    index.ignore.forEach((item, i) => {
      const filter = index.ignoreFilters[i] as CompiledFilter;
      if (acceptsSource(filter, source, unit)) ignore.push({ item, filter });
    });
    return new SourceView(rules, ignore);
  }
}
