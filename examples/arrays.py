# WaterCodeFlow example: numpy arrays written in place. Expand `weights` in the Variables view at any step:
# its elements are the recorded ones at that step (buffer tracking), and Step Back undoes each write.
# Needs numpy for the interpreter in launch.json (Debian: apt install python3-numpy, interpreter /usr/bin/python3).
import numpy as np


def scale_row(matrix, row, factor):
    view = matrix[row]  # a view: writing it writes the matrix
    view *= factor  # @scale


def main():
    weights = np.arange(12, dtype=np.float32).reshape(3, 4)
    weights[0, 0] = 100.0  # @first-write
    scale_row(weights, 1, 10.0)  # @call-scale
    np.add(weights, 1.0, out=weights)  # @add-out
    total = float(weights.sum())  # @total
    print(f"total = {total}")  # @report
    return weights


if __name__ == "__main__":
    main()
