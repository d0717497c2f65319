// A trained energy-based model (`gradflow train ebm`, or EbmTrainer in Rust) used from
// C++ in two ways:
//   (a) as a potential: N particles move under its forces F = −∇E in an overdamped
//       Langevin integrator written here, x ← x + τF + √(2τ)ξ with this program's own
//       std::mt19937_64 noise. Checks: the forces equal −∇E by central differences of the
//       energies, and the mean energy falls from the (broad) initial states;
//   (b) through the library's sampler (gf_sample_f64: ula, mala, jko or jko2) from the same
//       initial states, particle k drawing from stream k of SEED as the host's
//       `gradflow sample` does, so OUT.f64 holds the host's samples for the same seed.
//
// Usage: ebm_langevin MODEL.gfm SAMPLER STEP INNER_ITERS SEED N STEPS INIT.f64 OUT.f64
// INIT.f64 holds N·d doubles in native byte order (d the model's dimension); OUT.f64
// receives the N·d doubles of the library sampler's final states. Prints PASS when (a)'s
// checks and the library run's energy decrease hold.
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "gradflow.hpp"

namespace {

/// A bad command line or file; reported with the usage and exit status 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

double parse_double(const char *s, const char *what) {
    char *end = nullptr;
    errno = 0;
    const double v = std::strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !std::isfinite(v)) {
        throw UsageError(std::string(what) + ": not a finite number: " + s);
    }
    return v;
}

std::uint64_t parse_u64(const char *s, const char *what) {
    char *end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(s, &end, 10);
    if (end == s || *end != '\0' || errno != 0 || s[0] == '-') {
        throw UsageError(std::string(what) + ": not a non-negative integer: " + s);
    }
    return v;
}

std::uint32_t sampler_code(const std::string &name) {
    if (name == "ula") return GF_SAMPLER_ULA;
    if (name == "mala") return GF_SAMPLER_MALA;
    if (name == "jko") return GF_SAMPLER_JKO;
    if (name == "jko2") return GF_SAMPLER_JKO2;
    throw UsageError("unknown sampler '" + name + "' (ula, mala, jko or jko2)");
}

/// Exactly `len` doubles from `path`.
std::vector<double> read_doubles(const std::string &path, std::size_t len) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError(path + ": cannot open");
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() != len * sizeof(double)) {
        throw UsageError(path + ": " + std::to_string(bytes.size()) + " bytes, expected " +
                         std::to_string(len) + " doubles");
    }
    std::vector<double> v(len);
    std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
}

void write_doubles(const std::string &path, const std::vector<double> &v) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char *>(v.data()),
              static_cast<std::streamsize>(v.size() * sizeof(double)));
    out.close();
    if (!out) throw std::runtime_error(path + ": cannot write");
}

double mean(const std::vector<double> &v) {
    double s = 0.0;
    for (double x : v) s += x;
    return s / double(v.size());
}

/// Largest ‖F − F_fd‖ / max(‖F‖, 1) over the first `m` particles of x, F_fd the central
/// difference −(E(x + h·e_k) − E(x − h·e_k)) / 2h of the energies.
double max_force_error(gradflow::Potential &pot, const std::vector<double> &x, std::size_t m) {
    const std::size_t d = pot.dim();
    const double h = 1e-5;
    std::vector<double> probes, e, f, e0, f0;
    const std::vector<double> points(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(m * d));
    for (std::size_t i = 0; i < m; ++i) {
        for (std::size_t k = 0; k < d; ++k) {
            for (double sign : {1.0, -1.0}) {
                for (std::size_t j = 0; j < d; ++j) {
                    probes.push_back(points[i * d + j] + (j == k ? sign * h : 0.0));
                }
            }
        }
    }
    pot.energy_forces(points, e0, f0);
    pot.energy_forces(probes, e, f);
    double worst = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
        double err2 = 0.0, ref2 = 0.0;
        for (std::size_t k = 0; k < d; ++k) {
            const std::size_t p = 2 * (i * d + k);
            const double fd = -(e[p] - e[p + 1]) / (2.0 * h);
            err2 += (fd - f0[i * d + k]) * (fd - f0[i * d + k]);
            ref2 += f0[i * d + k] * f0[i * d + k];
        }
        worst = std::fmax(worst, std::sqrt(err2) / std::fmax(std::sqrt(ref2), 1.0));
    }
    return worst;
}

int run(char **argv) {
    const std::string model_path = argv[1], sampler_name = argv[2];
    const std::uint32_t sampler = sampler_code(sampler_name);
    const double tau = parse_double(argv[3], "STEP");
    const std::uint64_t inner = parse_u64(argv[4], "INNER_ITERS");
    const std::uint64_t seed = parse_u64(argv[5], "SEED");
    const std::uint64_t n64 = parse_u64(argv[6], "N");
    const std::uint64_t steps = parse_u64(argv[7], "STEPS");
    if (!(tau > 0.0) || n64 == 0 || steps == 0 || inner == 0 || inner > UINT32_MAX) {
        throw UsageError("need STEP > 0, N >= 1, STEPS >= 1 and 1 <= INNER_ITERS < 2^32");
    }
    const std::size_t n = std::size_t(n64);

    gradflow::ModelFile file(model_path);
    gradflow::Potential pot = gradflow::Potential::model(file);
    const std::size_t d = pot.dim();
    const std::vector<double> init = read_doubles(argv[8], n * d);
    std::printf("ebm_langevin: %zu particles in %zu-D, %llu steps of tau = %g\n", n, d,
                static_cast<unsigned long long>(steps), tau);

    // (a) The model's forces in this program's own overdamped Langevin loop.
    const double fd_error = max_force_error(pot, init, n < 8 ? n : 8);
    std::printf("  forces vs -grad E by central differences (h = 1e-5): max relative error "
                "%.2e\n", fd_error);
    std::vector<double> x = init, e, f;
    pot.energy_forces(x, e, f);
    const double e_start = mean(e);
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    const double noise = std::sqrt(2.0 * tau);
    for (std::uint64_t s = 0; s < steps; ++s) {
        for (std::size_t i = 0; i < x.size(); ++i) x[i] += tau * f[i] + noise * normal(gen);
        pot.energy_forces(x, e, f);
    }
    const double e_own = mean(e);
    std::printf("  own Langevin loop: mean energy %.4f -> %.4f\n", e_start, e_own);

    // (b) The library's sampler from the same states, stream k of SEED for particle k.
    GfSamplerParams params = gradflow::sampler_params(sampler);
    params.step = tau;
    params.inner_iters = std::uint32_t(inner);
    params.relaxation = 1.0;
    std::vector<GfRng> rngs = gradflow::rng_streams(seed, 0, n);
    std::vector<double> y = init;
    const GfSampleReport report = pot.sample(sampler, params, y, rngs, steps);
    pot.energy_forces(y, e, f);
    const double e_lib = mean(e);
    const bool proximal = sampler == GF_SAMPLER_JKO || sampler == GF_SAMPLER_JKO2;
    const std::string label =
        proximal ? sampler_name + ", " + std::to_string(inner) + " inner iterations" : sampler_name;
    std::printf("  gf_sample_f64 (%s): mean energy %.4f -> %.4f, acceptance %.3f, %.1f "
                "gradient evaluations per particle\n",
                label.c_str(), e_start, e_lib,
                double(report.accepted) / double(report.steps),
                double(report.grad_evals) / double(n));
    write_doubles(argv[9], y);

    const bool ok = fd_error < 1e-6 && e_own < e_start && e_lib < e_start;
    std::printf("%s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
    if (argc != 10) {
        std::fprintf(stderr, "usage: %s MODEL.gfm ula|mala|jko|jko2 STEP INNER_ITERS SEED N "
                             "STEPS INIT.f64 OUT.f64\n", argv[0]);
        return 2;
    }
    try {
        return run(argv);
    } catch (const UsageError &err) {
        std::fprintf(stderr, "%s\n", err.what());
        return 2;
    } catch (const gradflow::Error &err) {
        std::fprintf(stderr, "gradflow error: %s\n", err.what());
        return 1;
    } catch (const std::exception &err) {
        std::fprintf(stderr, "error: %s\n", err.what());
        return 1;
    }
}
