// A header-only C++17 wrapper over the gradflow C API: RAII ownership of model files,
// exceptions that carry the status, std::vector buffers sized for the caller.
#ifndef GRADFLOW_HPP
#define GRADFLOW_HPP

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "gradflow.h"

namespace gradflow {

/// A failed gradflow call: the status and what was being done.
class Error : public std::runtime_error {
  public:
    Error(GfStatus status, const std::string &what)
        : std::runtime_error(what + ": " + gf_status_str(status)), status_(status) {}
    GfStatus status() const noexcept { return status_; }

  private:
    GfStatus status_;
};

inline void check(GfStatus status, const char *what) {
    if (status != GF_STATUS_OK) {
        throw Error(status, what);
    }
}

/// The library's default settings of sampler `code` (GF_SAMPLER_*).
inline GfSamplerParams sampler_params(std::uint32_t code) {
    GfSamplerParams params;
    check(gf_sampler_params_default(code, &params), "gf_sampler_params_default");
    return params;
}

/// One random stream per particle: streams first, first + 1, ..., first + n − 1 of `seed`.
inline std::vector<GfRng> rng_streams(std::uint64_t seed, std::uint64_t first, std::size_t n) {
    std::vector<GfRng> rngs(n);
    check(gf_rng_init_streams(seed, first, rngs.data(), rngs.size()), "gf_rng_init_streams");
    return rngs;
}

/// A model file loaded from disk; owns its bytes, frees them on destruction.
class ModelFile {
  public:
    explicit ModelFile(const std::string &path) {
        check(gf_model_file_load(path.c_str(), &file_), ("loading " + path).c_str());
    }
    ~ModelFile() { gf_model_file_free(file_); }
    ModelFile(const ModelFile &) = delete;
    ModelFile &operator=(const ModelFile &) = delete;
    ModelFile(ModelFile &&other) noexcept : file_(std::exchange(other.file_, nullptr)) {}
    ModelFile &operator=(ModelFile &&other) noexcept {
        std::swap(file_, other.file_);
        return *this;
    }
    const GfModel &model() const { return *gf_model_file_model(file_); }

  private:
    GfModelFile *file_ = nullptr;
};

/// A potential (a model's energy or an analytic one) with its own scratch buffer.
/// A model potential borrows the ModelFile, which must outlive it.
class Potential {
  public:
    static Potential model(const ModelFile &file) {
        GfPotential p;
        check(gf_potential_model(&file.model(), &p), "gf_potential_model");
        return Potential(p);
    }
    static Potential muller_brown(double scale) {
        GfPotential p;
        check(gf_potential_muller_brown(scale, &p), "gf_potential_muller_brown");
        return Potential(p);
    }

    std::size_t dim() const { return pot_.dim; }

    /// Energies (n) and forces (n·d) of the n particles in x (n·d), on this thread.
    void energy_forces(const std::vector<double> &x, std::vector<double> &energy,
                       std::vector<double> &force) {
        const std::size_t n = x.size() / dim();
        energy.resize(n);
        force.resize(x.size());
        check(gf_energy_force_f64(&pot_, n, x.data(), x.size(), energy.data(), energy.size(),
                                  force.data(), force.size(), scratch_.data(), scratch_.size()),
              "gf_energy_force_f64");
    }

    /// As energy_forces, spread over `threads` threads (0 = one per core); same results.
    void energy_forces_threaded(const std::vector<double> &x, std::vector<double> &energy,
                                std::vector<double> &force, unsigned threads = 0) const {
        const std::size_t n = x.size() / dim();
        energy.resize(n);
        force.resize(x.size());
        check(gf_host_energy_force_f64(&pot_, n, x.data(), x.size(), energy.data(),
                                       energy.size(), force.data(), force.size(), threads),
              "gf_host_energy_force_f64");
    }

    /// Advances rngs.size() particles (state: n·d positions; n·2d for BAOAB, positions
    /// then velocities per particle) by `steps` steps of `sampler` (GF_SAMPLER_*), on this
    /// thread. Each particle draws from its own stream in `rngs`, advanced in place.
    GfSampleReport sample(std::uint32_t sampler, const GfSamplerParams &params,
                          std::vector<double> &state, std::vector<GfRng> &rngs,
                          std::uint64_t steps) {
        std::size_t len = 0;
        check(gf_scratch_len(&pot_, sampler, &len), "gf_scratch_len");
        if (scratch_.size() < len) {
            scratch_.resize(len);
        }
        GfSampleReport report{};
        check(gf_sample_f64(&pot_, sampler, &params, rngs.size(), state.data(), state.size(),
                            rngs.data(), rngs.size(), steps, scratch_.data(), scratch_.size(),
                            &report),
              "gf_sample_f64");
        return report;
    }

  private:
    explicit Potential(const GfPotential &p) : pot_(p) {
        std::size_t len = 0;
        check(gf_scratch_len(&pot_, GF_SAMPLER_NONE, &len), "gf_scratch_len");
        scratch_.resize(len);
    }
    GfPotential pot_;
    std::vector<double> scratch_;
};

} // namespace gradflow

#endif
