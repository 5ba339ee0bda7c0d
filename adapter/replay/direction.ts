// The direction of travel through a recording. Every replay algorithm takes one; a reverse operation is the
// forward one with Direction.Backward, never a second implementation.

export enum Direction {
  Forward = 1,
  Backward = -1,
}
