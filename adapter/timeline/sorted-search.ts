// Binary searches over sorted typed arrays (or slices of them). Pure functions; no knowledge of recordings.

export type SortedInts = Int32Array | Uint32Array | Float64Array | number[];

/** Index of the last element <= value within [lo, hi), or lo - 1 when none. */
export function lastAtOrBefore(arr: SortedInts, value: number, lo = 0, hi = arr.length): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (arr[mid] <= value) a = mid + 1;
    else b = mid;
  }
  return a - 1;
}

/** Index of the first element >= value within [lo, hi), or hi when none. */
export function firstAtOrAfter(arr: SortedInts, value: number, lo = 0, hi = arr.length): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (arr[mid] < value) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** First element strictly greater than value, or undefined. */
export function nextAfter(arr: SortedInts, value: number): number | undefined {
  const i = firstAtOrAfter(arr, value + 1);
  return i < arr.length ? arr[i] : undefined;
}

/** Last element strictly less than value, or undefined. */
export function previousBefore(arr: SortedInts, value: number): number | undefined {
  const i = lastAtOrBefore(arr, value - 1);
  return i >= 0 ? arr[i] : undefined;
}
