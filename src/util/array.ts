/**
 * Append every item of `items` to `into` without an argument spread: `into.push(...items)`
 * passes each item as an argument and throws RangeError (stack) past ~100k items, which a
 * hostile host file reaches easily.
 */
export function pushAll<T>(into: T[], items: Iterable<T>): T[] {
  for (const item of items) into.push(item);
  return into;
}
