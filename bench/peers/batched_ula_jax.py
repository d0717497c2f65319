"""JAX peer of `gradflow bench --workload batched`: see common.py for the workload.

Two versions, both jit + vmap(grad):
- `step`: one jitted ULA step, called K times from Python (dispatch is timed too);
- `fori_loop`: the K steps in a lax.fori_loop inside one jitted call.

Usage: batched_ula_jax.py THREADS (run it under `taskset` on THREADS cores; 1 thread also
turns off XLA's multi-threaded Eigen and intra-op parallelism).
"""

import sys

from common import PARTICLES, STEPS, TAU, WIDTH, limit_threads, median_rate, row

THREADS = int(sys.argv[1])
limit_threads(THREADS)

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402


def init(key):
    k1, k2, k3 = jax.random.split(key, 3)
    return {
        "w1": jax.random.normal(k1, (2, WIDTH), jnp.float32) / jnp.sqrt(2.0),
        "b1": jnp.zeros(WIDTH, jnp.float32),
        "w2": jax.random.normal(k2, (WIDTH, WIDTH), jnp.float32) / jnp.sqrt(WIDTH),
        "b2": jnp.zeros(WIDTH, jnp.float32),
        "w3": jax.random.normal(k3, (WIDTH, 1), jnp.float32) / jnp.sqrt(WIDTH),
        "b3": jnp.zeros(1, jnp.float32),
    }


def energy(params, x):
    h = jax.nn.silu(x @ params["w1"] + params["b1"])
    h = jax.nn.silu(h @ params["w2"] + params["b2"])
    return (h @ params["w3"] + params["b3"])[0]


batched_grad = jax.vmap(jax.grad(energy, argnums=1), in_axes=(None, 0))
NOISE = jnp.sqrt(2.0 * TAU).astype(jnp.float32)


def ula(params, x, key):
    noise = jax.random.normal(key, x.shape, x.dtype)
    return x - TAU * batched_grad(params, x) + NOISE * noise


step = jax.jit(ula)


@jax.jit
def steps(params, x, key):
    def body(i, x):
        return ula(params, x, jax.random.fold_in(key, i))

    return jax.lax.fori_loop(0, STEPS, body, x)


def main():
    params = init(jax.random.PRNGKey(0))
    x0 = jax.random.normal(jax.random.PRNGKey(1), (PARTICLES, 2), jnp.float32)
    keys = list(jax.random.split(jax.random.PRNGKey(2), STEPS))

    def python_loop():
        x = x0
        for k in keys:
            x = step(params, x, k)
        x.block_until_ready()

    def fori_loop():
        steps(params, x0, keys[0]).block_until_ready()

    version = jax.__version__
    row(f"jax {version} jit(step)+vmap(grad), python loop", THREADS, median_rate(python_loop))
    row(f"jax {version} jit(fori_loop)+vmap(grad)", THREADS, median_rate(fori_loop))


if __name__ == "__main__":
    main()
