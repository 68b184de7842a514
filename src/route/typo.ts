// "Did you mean ...?" for the routes file: a misspelt key or resource is far likelier than a new
// one, and naming the right spelling saves a round trip at start-up.

/** Edits (insert, delete, replace, swap two neighbours) from a to b: `levle` is one from `level`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    const row = d[i]!;
    const up = d[i - 1]!;
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(up[j]! + 1, row[j - 1]! + 1, up[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      const swapped = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1];
      if (swapped) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest of `names` to `wrong`, when it is near enough to be a typo of it. */
export function closest(wrong: string, names: readonly string[]): string | undefined {
  const scored = names.map((name) => ({ name, distance: editDistance(wrong.toLowerCase(), name) }));
  const best = scored.sort((a, b) => a.distance - b.distance)[0];
  if (best === undefined) return undefined;
  // Two edits in a word of five or more letters, one in a shorter one (`to` is not a typo of `tz`).
  return best.distance <= (best.name.length >= 5 ? 2 : 1) ? best.name : undefined;
}
