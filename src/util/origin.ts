/** `scheme://host[:port]`, lower-case, as browsers send it in Origin; undefined for anything else (`*`, `null`, paths). */
export function normalizeOrigin(origin: string): string | undefined {
  try {
    const u = new URL(origin);
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.origin === 'null') return undefined;
    if (origin.replace(/\/$/, '').toLowerCase() !== u.origin) return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}
