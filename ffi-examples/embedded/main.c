/* Firmware-style use of gradflow: static buffers only, the no_std core library, and the
 * model compiled in as a C array (`gradflow convert potential.gfm model_data.h`).
 *
 * - Proof of no allocation: malloc, calloc, realloc and free are replaced by functions
 *   that abort, and output goes through write(2) from a static buffer (stdio would
 *   allocate its own).
 * - RAM footprint: the stack below main is painted with a pattern before the gradflow
 *   calls and scanned afterwards (high-water mark); the static state is the sum of the
 *   buffers below. The tests read both from the output and measure the library's .text
 *   from the link map.
 * - Output: the final particle states as IEEE-754 bit patterns, which the tests compare
 *   with the Rust core's results for the same seed. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gradflow_core.h"
#include "model_data.h"

#define N_PARTICLES 8
#define DIM 2
#define STEPS 200
#define SCRATCH_CAP 104 /* gf_scratch_len for this model and MALA (checked below) */
#define PAINT_BYTES 16384
#define PATTERN 0xA5

static void die(const char *what) {
    static const char msg[] = "embedded: forbidden heap call: ";
    (void)!write(2, msg, sizeof msg - 1);
    (void)!write(2, what, strlen(what));
    (void)!write(2, "\n", 1);
    abort();
}

void *malloc(size_t n) {
    (void)n;
    die("malloc");
    return NULL;
}
void *calloc(size_t n, size_t m) {
    (void)n;
    (void)m;
    die("calloc");
    return NULL;
}
void *realloc(void *p, size_t n) {
    (void)p;
    (void)n;
    die("realloc");
    return NULL;
}
void free(void *p) {
    if (p != NULL) {
        die("free");
    }
}

/* Everything gradflow touches lives here. */
static GfModel model;
static GfPotential potential;
static GfSamplerParams params;
static GfSampleReport report;
static GfRng rngs[N_PARTICLES];
static float state[N_PARTICLES * DIM];
static float energy[N_PARTICLES];
static float force[N_PARTICLES * DIM];
static float scratch[SCRATCH_CAP];
static size_t scratch_len;

static char out[256];

static void say(const char *text) { (void)!write(1, text, strlen(text)); }

static int ok(GfStatus status, const char *what) {
    if (status != GF_STATUS_OK) {
        say(what);
        say(": ");
        say(gf_status_str(status));
        say("\n");
        return 0;
    }
    return 1;
}

static uintptr_t stack_pointer(void) {
    uintptr_t sp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    return sp;
}

int main(void) {
    uintptr_t top = stack_pointer();
    volatile uint8_t *bottom = (volatile uint8_t *)(top - PAINT_BYTES);
    size_t i, used;
    GfStatus ula_status, analytic_status;
    const size_t static_bytes = sizeof model + sizeof potential + sizeof params +
                                sizeof report + sizeof rngs + sizeof state + sizeof energy +
                                sizeof force + sizeof scratch + sizeof scratch_len;

    /* Paint the unused stack below main's stack pointer (inline: no call frame may sit
     * below `top`). Everything the gradflow calls use is counted, including the stack
     * arguments main passes them; main's own frame is not. */
    for (i = 0; i < PAINT_BYTES; i++) {
        bottom[i] = PATTERN;
    }

    /* A firmware build compiles in only the kernels and potentials it calls (cargo
     * features); what is left out is refused with GF_STATUS_NOT_COMPILED. */
    analytic_status = gf_potential_double_well(1, 1.0, 1.0, &potential);
    if (!ok(gf_model_open(gradflow_model, gradflow_model_len, &model), "gf_model_open") ||
        !ok(gf_potential_model(&model, &potential), "gf_potential_model")) {
        return 1;
    }
    ula_status = gf_scratch_len(&potential, GF_SAMPLER_ULA, &scratch_len);
    if (!ok(gf_scratch_len(&potential, GF_SAMPLER_MALA, &scratch_len), "gf_scratch_len") ||
        !ok(gf_sampler_params_default(GF_SAMPLER_MALA, &params), "params") ||
        !ok(gf_rng_init_streams(5, 0, rngs, N_PARTICLES), "gf_rng_init_streams")) {
        return 1;
    }
    if (scratch_len > SCRATCH_CAP) {
        say("scratch buffer too small\n");
        return 1;
    }
    for (i = 0; i < N_PARTICLES * DIM; i++) {
        state[i] = (i % 2) ? 0.5f : -0.5f;
    }
    params.step = 0.01;
    if (!ok(gf_sample_f32(&potential, GF_SAMPLER_MALA, &params, N_PARTICLES, state,
                          N_PARTICLES * DIM, rngs, N_PARTICLES, STEPS, scratch, scratch_len,
                          &report),
            "gf_sample_f32") ||
        !ok(gf_energy_force_f32(&potential, N_PARTICLES, state, N_PARTICLES * DIM, energy,
                                N_PARTICLES, force, N_PARTICLES * DIM, scratch, scratch_len),
            "gf_energy_force_f32")) {
        return 1;
    }

    for (used = PAINT_BYTES, i = 0; i < PAINT_BYTES && bottom[i] == PATTERN; i++) {
        used--;
    }
    snprintf(out, sizeof out, "stack_bytes=%lu static_bytes=%lu scratch_floats=%lu "
             "model_bytes=%lu accepted=%lu/%lu ula_status=%lu analytic_status=%lu\n",
             (unsigned long)used,
             (unsigned long)static_bytes, (unsigned long)scratch_len,
             (unsigned long)gradflow_model_len, (unsigned long)report.accepted,
             (unsigned long)report.steps, (unsigned long)ula_status,
             (unsigned long)analytic_status);
    say(out);
    for (i = 0; i < N_PARTICLES * DIM; i++) {
        uint32_t bits;
        memcpy(&bits, &state[i], sizeof bits);
        snprintf(out, sizeof out, "state %lu %08lx\n", (unsigned long)i, (unsigned long)bits);
        say(out);
    }
    for (i = 0; i < N_PARTICLES; i++) {
        uint32_t bits;
        memcpy(&bits, &energy[i], sizeof bits);
        snprintf(out, sizeof out, "energy %lu %08lx\n", (unsigned long)i, (unsigned long)bits);
        say(out);
    }
    say("PASS\n");
    return 0;
}
