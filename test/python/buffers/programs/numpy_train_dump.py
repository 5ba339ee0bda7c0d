"""A shortened ../shared/bench/numpy_train.py that saves the real w1/w2 after every epoch (numpy.save), so a
test can compare them with the recording. Usage: python numpy_train_dump.py DUMP_DIR [epochs] [hidden]"""
import os
import sys

import numpy as np


def dump(folder, epoch, w1, w2):
    np.save(os.path.join(folder, "w1-%d.npy" % epoch), w1)
    np.save(os.path.join(folder, "w2-%d.npy" % epoch), w2)


def main(folder, epochs, hidden):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 128)).astype(np.float32)
    y = (x[:, :8].sum(axis=1, keepdims=True) > 0).astype(np.float32)
    w1 = (rng.standard_normal((128, hidden)) * 0.05).astype(np.float32)
    w2 = (rng.standard_normal((hidden, 1)) * 0.05).astype(np.float32)
    lr = 0.5
    for epoch in range(epochs):
        h = np.maximum(x @ w1, 0.0)
        out = 1.0 / (1.0 + np.exp(-(h @ w2)))
        grad_out = 2.0 * (out - y) * out * (1.0 - out) / len(x)
        grad_w2 = h.T @ grad_out
        grad_h = (grad_out @ w2.T) * (h > 0)
        grad_w1 = x.T @ grad_h
        w2 -= lr * grad_w2
        w1 -= lr * grad_w1
        if epoch % 5 == 0:
            w1[0, :] *= 0.5
        dump(folder, epoch, w1, w2)  # @dump


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 12, int(sys.argv[3]) if len(sys.argv) > 3 else 256)
