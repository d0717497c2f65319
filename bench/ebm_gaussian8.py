#!/usr/bin/env python3
"""`gradflow train ebm --data` with its defaults on an 8-D Gaussian file whose features
have scales from 0.01 to 100, for the particle schemes ula, jko2 and mala: prints a
Markdown table of each run's long-run samples against the true law (worst per-feature
errors of the mean, standard deviation and correlation), its held-out distances (as the
run reports them, in standardised units) and its AIS held-out log-likelihood against the
true density's on the same points.

    python3 bench/ebm_gaussian8.py [--gradflow target/release/gradflow] [--dir DIR]

Needs numpy. The law: scale_i = 0.01 * 10^(4i/7), x = m + A z with A = diag(scale)(I + 0.3 N)
and m = scale * N (N standard normal, numpy's default_rng(99)); 4000 training rows
(seed 1) and 4000 held-out rows (seed 2).
"""

import argparse
import json
import pathlib
import subprocess

import numpy as np

D = 8


def law():
    rng = np.random.default_rng(99)
    scale = 0.01 * 10 ** (4 * np.arange(D) / (D - 1))
    mean = scale * rng.normal(size=D)
    a = scale[:, None] * (np.eye(D) + 0.3 * rng.normal(size=(D, D)))
    return mean, a


def rows(mean, a, n, seed):
    z = np.random.default_rng(seed).normal(size=(n, D))
    return mean + z @ a.T


def worst_errors(samples, mean, cov):
    sd = np.sqrt(np.diag(cov))
    m_hat, c_hat = samples.mean(0), np.cov(samples.T)
    sd_hat = np.sqrt(np.diag(c_hat))
    corr = cov / np.outer(sd, sd)
    corr_hat = c_hat / np.outer(sd_hat, sd_hat)
    return (
        np.max(np.abs(m_hat - mean) / sd),
        np.max(np.abs(sd_hat / sd - 1)),
        np.max(np.abs(corr_hat - corr)),
    )


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gradflow", default="target/release/gradflow")
    p.add_argument("--dir", default="target/bench-ebm-gaussian8")
    p.add_argument("--schemes", default="ula,jko2,mala")
    args = p.parse_args()
    out = pathlib.Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    mean, a = law()
    cov = a @ a.T
    np.save(out / "x.npy", rows(mean, a, 4000, 1))
    test = rows(mean, a, 4000, 2)
    np.save(out / "t.npy", test)
    r = test - mean
    true_ll = (
        -0.5 * np.einsum("ij,jk,ik->i", r, np.linalg.inv(cov), r)
        - 0.5 * np.linalg.slogdet(2 * np.pi * cov)[1]
    )
    print(
        "| scheme | τ | worst mean error (sd) | worst sd error | worst corr error "
        "| W2 (std units) | Sinkhorn | MMD² | held-out log-lik (nats, data units) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for scheme in args.schemes.split(","):
        prefix = out / scheme
        subprocess.run(
            [args.gradflow, "train", "ebm", "--data", str(out / "x.npy"), "--test",
             str(out / "t.npy"), "--scheme", scheme, "--out", str(prefix), "--force",
             "--no-progress"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        rec = json.loads((out / f"{scheme}.json").read_text())
        samples = np.load(out / f"{scheme}.samples.npy")
        em, es, ec = worst_errors(samples, mean, cov)
        print(
            f"| {scheme} | {rec['settings']['tau']} | {em:.3f} | {100 * es:.1f} % | {ec:.3f} "
            f"| {rec['w2']:.3f} | {rec['sinkhorn']:.3f} | {rec['mmd2']:.2e} "
            f"| {rec['log_likelihood_data_units']:.3f} ± {rec['log_likelihood_se']:.3f} |"
        )
    print(
        f"\nTrue density on the same held-out rows: {true_ll.mean():.3f} ± "
        f"{true_ll.std() / np.sqrt(len(true_ll)):.3f} nats per point; floors (4000 training "
        f"rows vs the held-out rows, standardised units): W2 {rec['w2_floor']:.3f}, Sinkhorn "
        f"{rec['sinkhorn_floor']:.3f}, MMD² {rec['mmd2_floor']:.2e}."
    )


if __name__ == "__main__":
    main()
