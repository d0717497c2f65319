"""JAX peer of `gradflow bench`: one ULA step of a 2->64->64->1 SiLU MLP energy.

The same workload as gradflow::bench::UlaMlpWorkload: 1024 particles from N(0, I),
x <- x - tau*grad E(x) + sqrt(2 tau)*xi with tau = 0.01, LeCun-normal weights, zero biases.
JAX moves the whole batch at once (jit + vmap(grad)), so its layers are matrix-matrix
products; gradflow moves one particle after another. Prints one JSON object per precision.
"""

import json
import sys
import time

import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)

PARTICLES = 1024
REPEATS = 200
TAU = 0.01
FLOPS = 17_216  # gradflow::bench::ULA_MLP_FLOPS


def init(key, dtype):
    k1, k2, k3 = jax.random.split(key, 3)
    return {
        "w1": jax.random.normal(k1, (2, 64), dtype) / jnp.sqrt(2.0).astype(dtype),
        "b1": jnp.zeros(64, dtype),
        "w2": jax.random.normal(k2, (64, 64), dtype) / 8.0,
        "b2": jnp.zeros(64, dtype),
        "w3": jax.random.normal(k3, (64, 1), dtype) / 8.0,
        "b3": jnp.zeros(1, dtype),
    }


def energy(params, x):
    h = jax.nn.silu(x @ params["w1"] + params["b1"])
    h = jax.nn.silu(h @ params["w2"] + params["b2"])
    return (h @ params["w3"] + params["b3"])[0]


batched_grad = jax.vmap(jax.grad(energy, argnums=1), in_axes=(None, 0))


@jax.jit
def ula_step(params, x, key):
    noise = jax.random.normal(key, x.shape, x.dtype)
    return x - TAU * batched_grad(params, x) + jnp.sqrt(2.0 * TAU).astype(x.dtype) * noise


def median_ns_per_step(dtype):
    key = jax.random.PRNGKey(0)
    params = init(key, dtype)
    x0 = jax.random.normal(jax.random.PRNGKey(1), (PARTICLES, 2), dtype)
    ula_step(params, x0, key).block_until_ready()  # compile and warm up
    times = []
    for r in range(REPEATS):
        k = jax.random.fold_in(key, r)
        t = time.perf_counter()
        ula_step(params, x0, k).block_until_ready()
        times.append((time.perf_counter() - t) * 1e9 / PARTICLES)
    times.sort()
    return times[len(times) // 2]


def main():
    for name, dtype in [("f32", jnp.float32), ("f64", jnp.float64)]:
        ns = median_ns_per_step(dtype)
        row = {
            "impl": f"jax {jax.__version__} (jit+vmap(grad), batch {PARTICLES})",
            "precision": name,
            "ns_per_particle_step": round(ns, 1),
            "gflops": round(FLOPS / ns, 2),
        }
        print(json.dumps(row))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
