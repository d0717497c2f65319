"""Writes the Sinkhorn benchmark's point clouds (see sinkhorn_common.py): for each size n
and dimension d, x ~ N(0, I_d) and y ~ N(0, I_d) + e_1, n points each, float32 .npy files.

Usage: sinkhorn_data.py DIR --sizes N... --dims D...
"""

import argparse

import numpy as np
from sinkhorn_common import SEED, data_paths


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--sizes", type=int, nargs="+", required=True)
    parser.add_argument("--dims", type=int, nargs="+", required=True)
    args = parser.parse_args()
    for n in args.sizes:
        for d in args.dims:
            rng = np.random.default_rng([SEED, n, d])
            x = rng.standard_normal((n, d)).astype(np.float32)
            y = rng.standard_normal((n, d)).astype(np.float32)
            y[:, 0] += 1.0
            x_path, y_path = data_paths(args.dir, n, d)
            np.save(x_path, x)
            np.save(y_path, y)


if __name__ == "__main__":
    main()
