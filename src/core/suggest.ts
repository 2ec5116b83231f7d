import { distance } from 'fastest-levenshtein';

/** The known names closest to what the user typed, best first, for "did you mean" hints. */
export function closest(input: string, known: readonly string[], max = 3): string[] {
  const needle = input.toLowerCase();
  return known
    .map((name) => {
      const n = name.toLowerCase();
      // A typed fragment of a name ("joins" for "day2-joins") is a strong match even when the edit distance is long.
      const score = n.includes(needle) ? 0 : distance(needle, n) / Math.max(n.length, needle.length);
      return { name, score };
    })
    .filter((c) => c.score <= 0.5)
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((c) => c.name);
}
