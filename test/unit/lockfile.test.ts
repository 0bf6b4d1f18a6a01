import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * `npm ci` (CI's first command) refuses a lock file in which a package's optional
 * dependency has no entry. The PostgreSQL 14 alias (`pg14`) declares platform packages
 * that the registry never published for 14.x (macOS, Windows, ...), and `npm install`
 * leaves them out of the lock, so their entries are written by hand: version, os and cpu,
 * no download address (npm skips them on this platform without fetching). This test fails
 * when a regenerated lock drops them again; restore them from git history.
 */
interface LockEntry {
  readonly version?: string;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

/** The major version a caret/tilde/exact range asks for (all this lock's optional ranges are of that form). */
const majorOf = (versionOrRange: string): string => versionOrRange.replace(/^[\^~=]/, '').split('.')[0]!;

function lockEntryFor(packages: Readonly<Record<string, LockEntry>>, from: string, name: string): LockEntry | undefined {
  // Node's resolution: the nearest node_modules up the tree from the dependent package.
  let dir = from;
  for (;;) {
    const entry = packages[`${dir ? `${dir}/` : ''}node_modules/${name}`];
    if (entry) return entry;
    if (!dir) return undefined;
    const up = dir.lastIndexOf('node_modules/');
    dir = up <= 0 ? '' : dir.slice(0, up - 1);
  }
}

describe('package-lock.json', () => {
  it('has an entry for every optional dependency, so npm ci accepts it', () => {
    // Prepare
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockEntry> };
    // Act
    const missing = Object.entries(lock.packages).flatMap(([path, entry]) =>
      Object.entries(entry.optionalDependencies ?? {})
        .filter(([name, range]) => {
          const found = lockEntryFor(lock.packages, path, name);
          // A hoisted entry of another major (PostgreSQL 18's) does not satisfy pg14's range.
          return !found?.version || majorOf(found.version) !== majorOf(range);
        })
        .map(([name, range]) => `${path} → ${name}@${range}`));
    // Assess
    expect(missing).toEqual([]);
  });
});
