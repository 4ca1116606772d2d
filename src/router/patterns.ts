/**
 * Route names that are patterns (`claude-*`, `*-haiku-*`): tools choose model names
 * themselves and change them each release, so a route can catch a family. Exact route
 * names and model ids are looked up first; a pattern applies only when neither names
 * the model, the most specific first. Also: the configured names closest to an unknown
 * one, for the 404.
 */

export interface RoutePattern {
  /** the route's name as configured */
  name: string;
  re: RegExp;
  /** characters that must match literally: more is more specific */
  literal: number;
}

/** `*` stands for any run of characters, `?` for one; nothing else is special. */
export const isPattern = (name: string): boolean => name.includes('*') || name.includes('?');

export function compilePattern(name: string): RoutePattern {
  const source = name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return { name, re: new RegExp(`^${source}$`), literal: name.replace(/[*?]/g, '').length };
}

/** Route patterns, most specific first (most literal characters; config order breaks ties). */
export function compilePatterns(routeNames: Iterable<string>): RoutePattern[] {
  const out = [...routeNames].filter(isPattern).map(compilePattern);
  // Array.prototype.sort is stable: equal specificity keeps config order.
  return out.sort((a, b) => b.literal - a.literal);
}

export function matchPattern(patterns: readonly RoutePattern[], model: string): RoutePattern | undefined {
  return patterns.find((p) => p.re.test(model));
}

/** Edit distance, case-insensitive, capped early: names are short (bounded before routing). */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The `n` configured names closest to `wanted`, nearest first. */
export function closestNames(names: Iterable<string>, wanted: string, n = 3): string[] {
  return [...new Set(names)]
    .map((name) => ({ name, d: distance(name, wanted) }))
    .sort((x, y) => x.d - y.d || x.name.localeCompare(y.name))
    .slice(0, n)
    .map((x) => x.name);
}
