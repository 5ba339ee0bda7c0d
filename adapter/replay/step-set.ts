// A sorted set of steps with "nearest in a direction" lookup by binary search. Pure helper for stop sources.
import { nextAfter, previousBefore } from '../timeline/sorted-search';
import { Direction } from './direction';

export function nearestInDirection(steps: Int32Array, from: number, direction: Direction): number | undefined {
  return direction === Direction.Forward ? nextAfter(steps, from) : previousBefore(steps, from);
}

export function sortedUnique(values: number[]): Int32Array {
  const arr = Int32Array.from(values).sort();
  let n = 0;
  for (let i = 0; i < arr.length; i++) if (i === 0 || arr[i] !== arr[i - 1]) arr[n++] = arr[i];
  return arr.slice(0, n);
}
