/* Posterior sampling of a latent-variable EBM through the gradflow C API.
 *
 * A latent-variable EBM is a joint energy E(x, z) over rows (x, z) of dimension
 * d = dx + dz, observed coordinates first. `gradflow train lvebm` writes it as a
 * latent-energy model file (kind 4) that records dx and dz: DX must then be the recorded
 * dx (else GF_STATUS_INVALID_PARAMETER); a plain energy model file (kind 1) over the rows
 * may be split at any 0 < DX < d. For each observed row x_i, this program samples the
 * latents z_i | x_i, i.e. Langevin-type steps on z -> E(x_i, z), with
 * gf_sample_conditional_f64: particle i draws from the random stream i of SEED (what
 * gf_rng_init_streams(SEED, 0, ...) sets up), so `gradflow sample --model MODEL.gfm
 * --given X --init Z0 --seed SEED ...` gives the same samples.
 *
 * Usage: lvebm_posterior MODEL.gfm DX SAMPLER STEP INNER SEED N STEPS X.f64 Z0.f64 OUT.f64
 *   SAMPLER  ula, mala, jko or jko2; STEP the step size tau; INNER the proximal
 *            iterations of jko/jko2;
 *   X.f64    the N observed rows (N*DX doubles, native byte order);
 *   Z0.f64   the N starting latents (N*dz doubles);
 *   OUT.f64  receives the N final latents (N*dz doubles).
 * Prints the acceptance rate (MALA) and the mean of each latent coordinate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradflow.h"

static int check(GfStatus status, const char *what) {
    if (status != GF_STATUS_OK) {
        fprintf(stderr, "%s failed: %s\n", what, gf_status_str(status));
        return 0;
    }
    return 1;
}

/* Reads exactly `len` doubles from `path` into a new buffer (NULL on failure). */
static double *read_doubles(const char *path, size_t len) {
    FILE *f = fopen(path, "rb");
    double *buf = malloc((len > 0 ? len : 1) * sizeof *buf);
    size_t got = 0;
    if (f != NULL && buf != NULL) {
        got = fread(buf, sizeof *buf, len, f);
    }
    if (f != NULL) {
        fclose(f);
    }
    if (got != len) {
        fprintf(stderr, "%s: expected %zu doubles\n", path, len);
        free(buf);
        return NULL;
    }
    return buf;
}

static int write_doubles(const char *path, const double *buf, size_t len) {
    FILE *f = fopen(path, "wb");
    int ok = f != NULL && fwrite(buf, sizeof *buf, len, f) == len;
    if (f != NULL && fclose(f) != 0) {
        ok = 0;
    }
    if (!ok) {
        fprintf(stderr, "%s: cannot write\n", path);
    }
    return ok;
}

/* The GF_SAMPLER_* code of a name (GF_SAMPLER_NONE if unknown). */
static uint32_t sampler_code(const char *name) {
    if (strcmp(name, "ula") == 0) {
        return GF_SAMPLER_ULA;
    }
    if (strcmp(name, "mala") == 0) {
        return GF_SAMPLER_MALA;
    }
    if (strcmp(name, "jko") == 0) {
        return GF_SAMPLER_JKO;
    }
    if (strcmp(name, "jko2") == 0) {
        return GF_SAMPLER_JKO2;
    }
    return GF_SAMPLER_NONE;
}

int main(int argc, char **argv) {
    GfModelFile *file = NULL;
    GfPotential pot;
    GfSamplerParams params;
    GfSampleReport report;
    GfRng *rngs = NULL;
    double *x = NULL, *z = NULL, *scratch = NULL;
    size_t dx, dz = 0, n, i, k, scratch_len = 0;
    unsigned long long seed, steps;
    uint32_t sampler;
    int ok;

    if (argc != 12) {
        fprintf(stderr,
                "usage: %s MODEL.gfm DX SAMPLER STEP INNER SEED N STEPS X.f64 Z0.f64 OUT.f64\n",
                argv[0]);
        return 2;
    }
    dx = (size_t)strtoul(argv[2], NULL, 10);
    sampler = sampler_code(argv[3]);
    seed = strtoull(argv[6], NULL, 10);
    n = (size_t)strtoul(argv[7], NULL, 10);
    steps = strtoull(argv[8], NULL, 10);
    if (sampler == GF_SAMPLER_NONE || n == 0) {
        fprintf(stderr, "SAMPLER must be ula, mala, jko or jko2 and N positive\n");
        return 2;
    }

    ok = check(gf_model_file_load(argv[1], &file), argv[1]) &&
         check(gf_potential_model(gf_model_file_model(file), &pot), "gf_potential_model") &&
         check(gf_sampler_params_default(sampler, &params), "gf_sampler_params_default") &&
         check(gf_conditional_scratch_len(&pot, dx, sampler, &scratch_len),
               "gf_conditional_scratch_len");
    if (ok) {
        /* The scratch-length call has checked 0 < DX < d (and DX = the recorded dx of a
         * latent-energy model). */
        dz = pot.dim - dx;
        params.step = strtod(argv[4], NULL);
        params.inner_iters = (uint32_t)strtoul(argv[5], NULL, 10);
        x = read_doubles(argv[9], n * dx);
        z = read_doubles(argv[10], n * dz);
        rngs = malloc(n * sizeof *rngs);
        scratch = malloc(scratch_len * sizeof *scratch);
        ok = x != NULL && z != NULL && rngs != NULL && scratch != NULL;
    }
    ok = ok && check(gf_rng_init_streams(seed, 0, rngs, n), "gf_rng_init_streams");
    ok = ok && check(gf_sample_conditional_f64(&pot, dx, sampler, &params, n, x, n * dx, z,
                                               n * dz, rngs, n, steps, scratch, scratch_len,
                                               &report),
                     "gf_sample_conditional_f64");
    if (ok) {
        ok = write_doubles(argv[11], z, n * dz);
        printf("lvebm_posterior: %zu rows, dx %zu, dz %zu, %llu steps, %llu gradient "
               "evaluations, acceptance %.3f\n",
               n, dx, dz, steps, (unsigned long long)report.grad_evals,
               (double)report.accepted / (double)report.steps);
        for (k = 0; k < dz; k++) {
            double mean = 0.0;
            for (i = 0; i < n; i++) {
                mean += z[i * dz + k];
            }
            printf("  mean z%zu %.6f\n", k, mean / (double)n);
        }
    }
    free(x);
    free(z);
    free(rngs);
    free(scratch);
    gf_model_file_free(file);
    return ok ? 0 : 1;
}
