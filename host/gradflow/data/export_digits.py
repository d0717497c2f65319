"""Export scikit-learn's 8x8 digits to digits.bin (see DIGITS_README.md).

Usage:  python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn
        /tmp/skl/bin/python host/gradflow/data/export_digits.py host/gradflow/data/digits.bin
"""

import sys

import numpy as np
from sklearn.datasets import load_digits


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def main(path: str) -> None:
    digits = load_digits()
    pixels = digits.data
    labels = digits.target
    assert pixels.shape == (1797, 64) and labels.shape == (1797,)
    # The values are integers 0..16 stored as float64: check before narrowing to bytes.
    assert np.array_equal(pixels, np.round(pixels)) and pixels.min() >= 0 and pixels.max() <= 16
    assert labels.min() >= 0 and labels.max() <= 9
    blob = pixels.astype(np.uint8).tobytes(order="C") + labels.astype(np.uint8).tobytes()
    with open(path, "wb") as f:
        f.write(blob)
    print(f"wrote {len(blob)} bytes to {path}")
    print("label counts:", np.bincount(labels, minlength=10).tolist())
    print("pixel sum:", int(pixels.sum()))
    print(f"fnv1a64 of the file: 0x{fnv1a64(blob):016x}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "digits.bin")
