/**
 * Which dthostmon.yaml entry a host folder is, and its name. Host names are unique in dthostmon.yaml, but divtools
 * host folders are unique only within a site, and the original matched by name alone, so the same folder name in two
 * sites merged into one entry (GAP-S13). Here:
 *
 * - an entry matches a folder when its `site` is the site folder and its `name` is the folder name (or the
 *   `<folder>.<site>` form below);
 * - an entry with the folder's name and no `site` (written by the original sync, GAP-S1) is adopted and gets the site;
 * - the plain folder name goes to the first folder in sorted site order, unless an entry already claims it for
 *   another site; the others are named `<folder>.<site>`. An entry keeps its name, so names are stable across runs.
 */

export interface ExistingHost {
  index: number;
  name: string | null;
  site: string | null;
}

export interface FolderRef {
  site: string;
  folder: string;
}

export interface AssignedName extends FolderRef {
  name: string;
  /** Index of the matched or adopted existing entry, or null for a new host. */
  existingIndex: number | null;
  /** True when the matched entry had no site (the original's entries). */
  isAdopted: boolean;
  /** Why the name is not the folder name, for the summary. */
  note: string | null;
}

/** Assigns a name (and an existing entry, if any) to every configured host folder, in the order given (sorted). */
export function assignNames(folders: readonly FolderRef[], existing: readonly ExistingHost[]): AssignedName[] {
  const matched = new Set<number>();
  /** Names given in this run, with the site of the folder that got each. */
  const used = new Map<string, string>();
  const claimedBy = new Map<string, string | null>();
  for (const e of existing) if (e.name !== null && !claimedBy.has(e.name)) claimedBy.set(e.name, e.site);

  // Entries that already belong to a folder keep their names whatever order folders come in.
  const exact = new Map<string, ExistingHost>();
  for (const f of folders) {
    const hit = existing.find((e) => !matched.has(e.index) && e.site === f.site && (e.name === f.folder || e.name === `${f.folder}.${f.site}`));
    if (hit) {
      matched.add(hit.index);
      used.set(hit.name as string, f.site);
      exact.set(`${f.site}/${f.folder}`, hit);
    }
  }

  return folders.map((f): AssignedName => {
    const hit = exact.get(`${f.site}/${f.folder}`);
    if (hit) return { ...f, name: hit.name as string, existingIndex: hit.index, isAdopted: false, note: null };
    const plain = f.folder;
    const orphan = existing.find((e) => !matched.has(e.index) && e.site === null && e.name === plain);
    if (orphan && !used.has(plain)) {
      matched.add(orphan.index);
      used.set(plain, f.site);
      return { ...f, name: plain, existingIndex: orphan.index, isAdopted: true, note: `existing entry "${plain}" (no site) adopted` };
    }
    if (!used.has(plain) && !claimedBy.has(plain)) {
      used.set(plain, f.site);
      return { ...f, name: plain, existingIndex: null, isAdopted: false, note: null };
    }
    const suffixed = `${plain}.${f.site}`;
    used.set(suffixed, f.site);
    const owner = used.get(plain) ?? claimedBy.get(plain);
    const by = owner ? `site ${owner}` : 'an entry without a site';
    return { ...f, name: suffixed, existingIndex: null, isAdopted: false, note: `named ${suffixed}: "${plain}" is already used by ${by}` };
  });
}
