import { assignNames, type ExistingHost } from '../../../src/sync/identity.js';

const entry = (index: number, name: string, site: string | null = null): ExistingHost => ({ index, name, site });
const names = (folders: [string, string][], existing: ExistingHost[] = []) =>
  assignNames(folders.map(([site, folder]) => ({ site, folder })), existing).map((a) => [a.name, a.existingIndex, a.isAdopted]);

describe('assignNames (GAP-S13, GAP-S1)', () => {
  it('new folders get their folder name; the same name in a later site gets <folder>.<site>', () => {
    expect(names([['s01', 'web'], ['s01', 'db'], ['s02', 'web']])).toEqual([
      ['web', null, false],
      ['db', null, false],
      ['web.s02', null, false],
    ]);
  });

  it('an entry of the folder keeps its name, whichever form it has', () => {
    expect(names([['s01', 'web'], ['s02', 'web']], [entry(0, 'web.s02', 's02'), entry(1, 'web', 's01')])).toEqual([
      ['web', 1, false],
      ['web.s02', 0, false],
    ]);
  });

  it('an entry already claiming the plain name for a later site keeps it', () => {
    expect(names([['s01', 'web'], ['s02', 'web']], [entry(0, 'web', 's02')])).toEqual([
      ['web.s01', null, false],
      ['web', 0, false],
    ]);
  });

  it('adopts an entry without a site (the original sync wrote them) for the first folder of that name', () => {
    const assigned = assignNames(
      [
        { site: 's01', folder: 'web' },
        { site: 's02', folder: 'web' },
      ],
      [entry(0, 'web')],
    );
    expect(assigned.map((a) => [a.name, a.existingIndex, a.isAdopted])).toEqual([
      ['web', 0, true],
      ['web.s02', null, false],
    ]);
    expect(assigned[1]?.note).toBe('named web.s02: "web" is already used by site s01');
  });

  it('a name used by a hand-written entry of another site is not taken over', () => {
    const [a] = assignNames([{ site: 's01', folder: 'nas' }], [entry(0, 'nas', 's09-other')]);
    expect(a).toMatchObject({ name: 'nas.s01', existingIndex: null, note: 'named nas.s01: "nas" is already used by site s09-other' });
  });

  it('is stable: feeding the result back changes nothing', () => {
    const folders: [string, string][] = [['s01', 'web'], ['s02', 'web'], ['s03', 'web']];
    const first = assignNames(folders.map(([site, folder]) => ({ site, folder })), []);
    const existing = first.map((a, index) => entry(index, a.name, a.site));
    expect(names(folders, existing)).toEqual(first.map((a, i) => [a.name, i, false]));
  });
});
