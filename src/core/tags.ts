/** Azure tags. Tag names are case-insensitive in Azure; values are compared as written. */

/** A tag's value by case-insensitive name (Azure tag names are case-insensitive). */
export function tagValue(tags: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(tags)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}
