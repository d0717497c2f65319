// A small molecular-dynamics run driven by a learned potential: 64 particles in 2D move
// under the forces of an MLP fitted to the Müller–Brown surface (`gradflow fit`), with
// velocity Verlet (NVE). Checks: the learned forces agree with the analytic ones along
// the trajectory, and the total energy is conserved (as it must be for exact gradients of
// any smooth potential).
//
// Usage: particles MODEL.gfm [MULLER_BROWN_SCALE]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "gradflow.hpp"

int main(int argc, char **argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s MODEL.gfm [SCALE]\n", argv[0]);
        return 2;
    }
    const double scale = argc > 2 ? std::atof(argv[2]) : 0.05;
    try {
        gradflow::ModelFile file(argv[1]);
        gradflow::Potential learned = gradflow::Potential::model(file);
        gradflow::Potential exact = gradflow::Potential::muller_brown(scale);

        const std::size_t n = 64, d = 2, steps = 2000;
        const double dt = 1e-3;
        // Start in the three basins with thermal velocities (kT = 1, m = 1).
        const double basins[3][2] = {{-0.558, 1.442}, {0.623, 0.028}, {-0.050, 0.467}};
        std::mt19937_64 gen(7);
        std::normal_distribution<double> normal(0.0, 1.0);
        std::vector<double> x(n * d), v(n * d), e, f, e_exact, f_exact;
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t k = 0; k < d; ++k) {
                x[i * d + k] = basins[i % 3][k] + 0.02 * normal(gen);
                v[i * d + k] = normal(gen);
            }
        }
        auto total_energy = [&](const std::vector<double> &energy) {
            double sum = 0.0;
            for (std::size_t i = 0; i < n * d; ++i) sum += 0.5 * v[i] * v[i];
            for (double ei : energy) sum += ei;
            return sum;
        };

        learned.energy_forces(x, e, f);
        const double e0 = total_energy(e);
        double max_drift = 0.0, err2 = 0.0, ref2 = 0.0;
        for (std::size_t s = 0; s < steps; ++s) {
            for (std::size_t i = 0; i < n * d; ++i) {
                v[i] += 0.5 * dt * f[i];
                x[i] += dt * v[i];
            }
            learned.energy_forces(x, e, f);
            for (std::size_t i = 0; i < n * d; ++i) v[i] += 0.5 * dt * f[i];
            max_drift = std::fmax(max_drift, std::fabs(total_energy(e) - e0));
            if (s % 100 == 0) {
                exact.energy_forces(x, e_exact, f_exact);
                for (std::size_t i = 0; i < n * d; ++i) {
                    err2 += (f[i] - f_exact[i]) * (f[i] - f_exact[i]);
                    ref2 += f_exact[i] * f_exact[i];
                }
            }
        }
        // The threaded host call gives the same forces.
        std::vector<double> e2, f2;
        learned.energy_forces_threaded(x, e2, f2, 2);
        const bool same = (e2 == e && f2 == f);

        const double rel_force = std::sqrt(err2 / ref2);
        const double rel_drift = max_drift / (0.5 * double(n * d));  // per kT/2 of kinetic
        std::printf("particles: %zu particles x %zu velocity-Verlet steps on the learned "
                    "Mueller-Brown surface\n", n, steps);
        std::printf("  learned vs analytic forces along the trajectory: relative RMS error "
                    "%.4f\n", rel_force);
        std::printf("  total energy: start %.4f, max |drift| %.2e (%.2e of the kinetic "
                    "energy scale)\n", e0, max_drift, rel_drift);
        std::printf("  threaded forces identical: %s\n", same ? "yes" : "NO");
        const bool ok = rel_force < 0.1 && rel_drift < 1e-3 && same;
        std::printf("%s\n", ok ? "PASS" : "FAIL");
        return ok ? 0 : 1;
    } catch (const gradflow::Error &err) {
        std::fprintf(stderr, "gradflow error: %s\n", err.what());
        return 1;
    }
}
