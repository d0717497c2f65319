/* Langevin sampling of a 1D double well through the gradflow C API, checked against the
 * Boltzmann law p(x) ∝ exp(−(x² − 1)²).
 *
 * 8192 independent MALA chains (half started in each well) run 400 steps; their final
 * positions are i.i.d. draws from p up to the chains' mixing. The histogram over 40 bins
 * is compared with the exact bin probabilities (Simpson's rule): each bin's count is
 * binomial, so z = (count − N·p)/√(N·p(1 − p)) and every |z| must stay below 5.
 * The same run on two threads (host library) must give bit-identical states. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradflow.h"

#define N_CHAINS 8192
#define N_STEPS 400
#define N_BINS 40
#define LO (-2.2)
#define HI 2.2

static double density(double x) {
    double u = x * x - 1.0;
    return exp(-u * u);
}

/* ∫_a^b p by Simpson's rule on 200 panels. */
static double integrate(double a, double b) {
    const int m = 200;
    double h = (b - a) / m, s = density(a) + density(b);
    int k;
    for (k = 1; k < m; k++) {
        s += density(a + k * h) * ((k % 2) ? 4.0 : 2.0);
    }
    return s * h / 3.0;
}

static int check(GfStatus status, const char *what) {
    if (status != GF_STATUS_OK) {
        fprintf(stderr, "%s failed: %s\n", what, gf_status_str(status));
        return 0;
    }
    return 1;
}

int main(void) {
    static double x[N_CHAINS], x2[N_CHAINS], scratch[64];
    static GfRng rngs[N_CHAINS], rngs2[N_CHAINS];
    GfPotential well;
    GfSamplerParams params;
    GfSampleReport report;
    size_t scratch_len = 0;
    double edges_z_max = 0.0, total, chi2 = 0.0;
    long counts[N_BINS] = {0};
    int i, ok = 1;

    printf("gradflow %s: MALA on the double well (x^2 - 1)^2\n", gf_version());
    if (!check(gf_potential_double_well(1, 1.0, 1.0, &well), "gf_potential_double_well") ||
        !check(gf_sampler_params_default(GF_SAMPLER_MALA, &params), "params") ||
        !check(gf_scratch_len(&well, GF_SAMPLER_MALA, &scratch_len), "gf_scratch_len") ||
        !check(gf_rng_init_streams(2024, 0, rngs, N_CHAINS), "gf_rng_init_streams")) {
        return 1;
    }
    if (scratch_len > sizeof scratch / sizeof scratch[0]) {
        fprintf(stderr, "scratch: need %zu doubles\n", scratch_len);
        return 1;
    }
    params.step = 0.05;
    for (i = 0; i < N_CHAINS; i++) {
        x[i] = (i % 2) ? 1.0 : -1.0;
    }
    memcpy(x2, x, sizeof x);
    memcpy(rngs2, rngs, sizeof rngs);

    if (!check(gf_sample_f64(&well, GF_SAMPLER_MALA, &params, N_CHAINS, x, N_CHAINS, rngs,
                             N_CHAINS, N_STEPS, scratch, scratch_len, &report),
               "gf_sample_f64")) {
        return 1;
    }
    printf("  %lu steps, acceptance %.3f, %lu gradient evaluations\n",
           (unsigned long)report.steps, (double)report.accepted / (double)report.steps,
           (unsigned long)report.grad_evals);

    /* The threaded host call gives the same bits. */
    if (!check(gf_host_sample_f64(&well, GF_SAMPLER_MALA, &params, N_CHAINS, x2, N_CHAINS,
                                  rngs2, N_CHAINS, N_STEPS, 2, NULL),
               "gf_host_sample_f64")) {
        return 1;
    }
    if (memcmp(x, x2, sizeof x) != 0 || memcmp(rngs, rngs2, sizeof rngs) != 0) {
        fprintf(stderr, "FAIL: two threads gave different samples than one\n");
        ok = 0;
    } else {
        printf("  2 threads: bit-identical to 1 thread\n");
    }

    for (i = 0; i < N_CHAINS; i++) {
        int b = (int)floor((x[i] - LO) / (HI - LO) * N_BINS);
        if (b >= 0 && b < N_BINS) {
            counts[b]++;
        }
    }
    total = integrate(LO, HI);
    for (i = 0; i < N_BINS; i++) {
        double a = LO + (HI - LO) * i / N_BINS, b = LO + (HI - LO) * (i + 1) / N_BINS;
        double p = integrate(a, b) / total, expect = N_CHAINS * p;
        double z = (counts[i] - expect) / sqrt(expect * (1.0 - p) + 1e-300);
        if (expect >= 1.0) {
            chi2 += z * z;
            if (fabs(z) > edges_z_max) {
                edges_z_max = fabs(z);
            }
        }
    }
    printf("  histogram vs Boltzmann law: max |z| = %.2f over %d bins, chi2 = %.1f\n",
           edges_z_max, N_BINS, chi2);
    if (edges_z_max > 5.0) {
        fprintf(stderr, "FAIL: a bin is more than 5 standard errors off\n");
        ok = 0;
    }

    /* Bad input gets a status, not a crash. */
    if (gf_sample_f64(&well, GF_SAMPLER_MALA, &params, N_CHAINS, NULL, N_CHAINS, rngs,
                      N_CHAINS, 1, scratch, scratch_len, NULL) != GF_STATUS_NULL_POINTER) {
        fprintf(stderr, "FAIL: NULL state not rejected\n");
        ok = 0;
    }
    x[0] = NAN;
    if (gf_sample_f64(&well, GF_SAMPLER_MALA, &params, N_CHAINS, x, N_CHAINS, rngs, N_CHAINS,
                      1, scratch, scratch_len, NULL) != GF_STATUS_NON_FINITE_INPUT) {
        fprintf(stderr, "FAIL: NaN state not rejected\n");
        ok = 0;
    }
    printf("  NULL and NaN inputs rejected: %s\n", gf_status_str(GF_STATUS_NON_FINITE_INPUT));
    printf("%s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
