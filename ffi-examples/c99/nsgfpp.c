/* Sampling a trained NSGF++ flow through the gradflow C API.
 *
 * An NSGF++ flow is three model files and three numbers, all listed in the manifest that
 * `gradflow train nsgfpp` writes next to them (PREFIX.json):
 *   1. T Euler steps of the Sinkhorn-flow velocity v(x, t) on [0, T·eta];
 *   2. per particle, tau = clamp(t_phi(x), 0, 1) from the time predictor;
 *   3. k = ceil((1 − tau)/omega) Euler steps of the straight flow u(x, t) on [tau, 1].
 * Every step is one network evaluation, so a sample costs T + 1 + k evaluations (NFE).
 *
 * Usage: nsgfpp VELOCITY.gfm TIME.gfm STRAIGHT.gfm T ETA OMEGA N IN.f64 OUT.f64
 * IN.f64 holds N starting points drawn from the source law (N·d doubles in native byte
 * order, d the models' data dimension); OUT.f64 receives the N samples. Prints the mean
 * NFE. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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
    double *buf = malloc(len * sizeof *buf);
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

/* The largest scratch any of the three calls below needs. */
static size_t scratch_needed(const GfModel *velocity, const GfModel *time,
                             const GfModel *straight, int *ok) {
    size_t a = 0, b = 0, c = 0;
    *ok = check(gf_flow_scratch_len(velocity, GF_SOLVER_EULER, &a), "scratch (velocity)") &&
          check(gf_flow_scratch_len(time, GF_SOLVER_NONE, &b), "scratch (time)") &&
          check(gf_flow_scratch_len(straight, GF_SOLVER_EULER, &c), "scratch (straight)");
    if (b > a) {
        a = b;
    }
    return c > a ? c : a;
}

int main(int argc, char **argv) {
    GfModelFile *files[3] = {NULL, NULL, NULL};
    const GfModel *velocity, *time, *straight;
    double eta, omega, *x = NULL, *scratch = NULL, nfe = 0.0;
    unsigned long nsgf_steps;
    size_t n, d = 0, i, scratch_len;
    int k, ok = 1;

    if (argc != 10) {
        fprintf(stderr, "usage: %s VELOCITY.gfm TIME.gfm STRAIGHT.gfm T ETA OMEGA N IN OUT\n",
                argv[0]);
        return 2;
    }
    nsgf_steps = strtoul(argv[4], NULL, 10);
    eta = strtod(argv[5], NULL);
    omega = strtod(argv[6], NULL);
    n = (size_t)strtoul(argv[7], NULL, 10);
    if (n == 0 || !(omega > 0.0) || !(eta > 0.0)) {
        fprintf(stderr, "N, ETA and OMEGA must be positive\n");
        return 2;
    }
    for (k = 0; k < 3; k++) {
        if (!check(gf_model_file_load(argv[1 + k], &files[k]), argv[1 + k])) {
            ok = 0;
        }
    }
    velocity = gf_model_file_model(files[0]);
    time = gf_model_file_model(files[1]);
    straight = gf_model_file_model(files[2]);
    scratch_len = ok ? scratch_needed(velocity, time, straight, &ok) : 0;
    if (ok) {
        d = velocity->x_dim;
        x = read_doubles(argv[8], n * d);
        scratch = malloc((scratch_len > 0 ? scratch_len : 1) * sizeof *scratch);
        ok = x != NULL && scratch != NULL;
    }

    /* 1. The Sinkhorn-flow phase, all particles at once. */
    ok = ok && check(gf_integrate_f64(velocity, GF_SOLVER_EULER, 0.0,
                                      (double)nsgf_steps * eta, (uint32_t)nsgf_steps, n, x,
                                      n * d, scratch, scratch_len),
                     "gf_integrate_f64 (NSGF phase)");
    /* 2–3. Each particle from its predicted time to 1 along the straight flow. */
    for (i = 0; ok && i < n; i++) {
        double tau = 0.0, steps;
        ok = check(gf_time_predict_f64(time, 1, x + i * d, d, &tau, 1, scratch, scratch_len),
                   "gf_time_predict_f64");
        tau = tau < 0.0 ? 0.0 : (tau > 1.0 ? 1.0 : tau);
        steps = ceil((1.0 - tau) / omega);
        if (ok && steps > 0.0) {
            ok = check(gf_integrate_f64(straight, GF_SOLVER_EULER, tau, 1.0, (uint32_t)steps, 1,
                                        x + i * d, d, scratch, scratch_len),
                       "gf_integrate_f64 (straight flow)");
        }
        nfe += (double)nsgf_steps + 1.0 + steps;
    }
    if (ok) {
        ok = write_doubles(argv[9], x, n * d);
        printf("nsgfpp: %zu samples, mean NFE %.3f\n", n, nfe / (double)n);
    }
    free(x);
    free(scratch);
    for (k = 0; k < 3; k++) {
        gf_model_file_free(files[k]);
    }
    return ok ? 0 : 1;
}
