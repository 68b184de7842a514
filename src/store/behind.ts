// Which SQLite store an `asyncStore` wraps: tests assert on the synchronous one (testing.ts).
const behind = new WeakMap<object, object>();

export function noteBehind(wrapper: object, store: object): void {
  behind.set(wrapper, store);
}

/** The SQLite store behind an `asyncStore`, or null for any other store. */
export function storeBehind(store: object): object | null {
  return behind.get(store) ?? null;
}
