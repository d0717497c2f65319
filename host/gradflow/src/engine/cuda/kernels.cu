// gradflow's CUDA kernels, compiled at run time by NVRTC (engine/cuda/module.rs). Each
// kernel is a template instantiated for float (suffix _f32) and double (_f64). The matrix
// products of the MLP passes are cuBLAS calls; these kernels are what surrounds them.
//
// Layout: every matrix is row-major, one particle per row (n x width), as on the host.
// The file is plain CUDA C++ without headers, so that it also compiles as C++ on the CPU
// (host/gradflow/tests/cuda_kernels_on_cpu.rs runs it there against the CPU backend).

#ifndef GF_KERNEL_PRELUDE
#define GF_KERNEL_PRELUDE
#endif
GF_KERNEL_PRELUDE

namespace gf {

// ---- activations: value and derivative, the formulas of gradflow_core::Activation::eval.
// Codes are the activation's discriminant; -1 is the identity (the output layer).

template <typename T> __device__ T sigmoid(T z) {
  // 1/(1+e^-z) without overflow: e^-|z| is at most 1.
  T e = exp(-fabs(z));
  return z >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e);
}

template <typename T> __device__ void activate(int act, T z, T *value, T *deriv) {
  const T SELU_LAMBDA = T(1.0507009873554804934193349852946);
  const T SELU_ALPHA = T(1.6732632423543772848170429916717);
  const T SQRT_2_OVER_PI = T(0.79788456080286535587989211986876);
  const T GELU_CUBIC = T(0.044715);
  switch (act) {
  case 0: { // SiLU
    T s = sigmoid(z);
    *value = z * s;
    *deriv = s * (T(1) + z * (T(1) - s));
    break;
  }
  case 1: { // tanh
    T a = tanh(z);
    *value = a;
    *deriv = T(1) - a * a;
    break;
  }
  case 2: // softplus
    *value = fmax(z, T(0)) + log1p(exp(-fabs(z)));
    *deriv = sigmoid(z);
    break;
  case 3: // ReLU
    *value = z > T(0) ? z : T(0);
    *deriv = z > T(0) ? T(1) : T(0);
    break;
  case 4: // SELU
    if (z > T(0)) {
      *value = SELU_LAMBDA * z;
      *deriv = SELU_LAMBDA;
    } else {
      *value = SELU_LAMBDA * SELU_ALPHA * expm1(z);
      *deriv = SELU_LAMBDA * SELU_ALPHA * exp(z);
    }
    break;
  case 5: { // GELU, tanh form
    T z2 = z * z;
    T t = tanh(SQRT_2_OVER_PI * (z + GELU_CUBIC * z2 * z));
    T du = SQRT_2_OVER_PI * (T(1) + T(3) * GELU_CUBIC * z2);
    *value = T(0.5) * z * (T(1) + t);
    *deriv = T(0.5) * (T(1) + t) + T(0.5) * z * (T(1) - t * t) * du;
    break;
  }
  default: // identity
    *value = z;
    *deriv = T(1);
  }
}

// ---- Philox4x32-10 (Salmon et al. 2011), the counter-based generator of the Langevin
// kernels; host/gradflow/src/engine/cuda/philox.rs is the same function on the host.

struct Philox {
  unsigned int v[4];
};

__device__ inline unsigned int mulhi32(unsigned int a, unsigned int b) {
  return (unsigned int)(((unsigned long long)a * (unsigned long long)b) >> 32);
}

__device__ inline Philox philox4x32_10(Philox c, unsigned int k0, unsigned int k1) {
  for (int r = 0; r < 10; ++r) {
    unsigned int hi0 = mulhi32(0xD2511F53u, c.v[0]), lo0 = 0xD2511F53u * c.v[0];
    unsigned int hi1 = mulhi32(0xCD9E8D57u, c.v[2]), lo1 = 0xCD9E8D57u * c.v[2];
    Philox n;
    n.v[0] = hi1 ^ c.v[1] ^ k0;
    n.v[1] = lo1;
    n.v[2] = hi0 ^ c.v[3] ^ k1;
    n.v[3] = lo0;
    c = n;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return c;
}

// A uniform in (0, 1) from 64 random bits: the top 53 bits, offset by half a step.
template <typename T> __device__ T uniform_open(unsigned int hi, unsigned int lo) {
  unsigned long long bits = (((unsigned long long)hi << 32) | lo) >> 11;
  return T(((double)bits + 0.5) * 1.1102230246251565e-16); // 2^-53
}

// The two standard normals of pair `pair` of step `step` of the stream `key` (Box-Muller
// on one Philox block: counter (step, pair, 0, 0)).
template <typename T>
__device__ void normal_pair(unsigned long long key, unsigned int step, unsigned int pair,
                            T *z0, T *z1) {
  Philox c;
  c.v[0] = step;
  c.v[1] = pair;
  c.v[2] = 0;
  c.v[3] = 0;
  Philox r = philox4x32_10(c, (unsigned int)key, (unsigned int)(key >> 32));
  T u1 = uniform_open<T>(r.v[0], r.v[1]);
  T u2 = uniform_open<T>(r.v[2], r.v[3]);
  T radius = sqrt(T(-2) * log(u1));
  T angle = T(6.283185307179586476925286766559) * u2;
  *z0 = radius * cos(angle);
  *z1 = radius * sin(angle);
}

} // namespace gf

// ---- kernels. One thread per element unless said otherwise; grid-stride loops, so any
// launch size is correct.

#define GF_FOR(i, n)                                                                     \
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (long long)(n); \
       i += (long long)blockDim.x * gridDim.x)

// z[r][c] <- act(z[r][c] + bias[c]); deriv[r][c] <- act'(...) (deriv may be null).
template <typename T>
__device__ void bias_act(T *z, T *deriv, const T *bias, long long rows, int cols, int act) {
  GF_FOR(e, rows * cols) {
    T value, d;
    gf::activate(act, z[e] + bias[e % cols], &value, &d);
    z[e] = value;
    if (deriv) deriv[e] = d;
  }
}

// a[e] *= b[e].
template <typename T> __device__ void mul_elem(T *a, const T *b, long long n) {
  GF_FOR(e, n) { a[e] *= b[e]; }
}

// a[e] = v.
template <typename T> __device__ void fill(T *a, T v, long long n) {
  GF_FOR(e, n) { a[e] = v; }
}

// Item e of an n x ceil(d/2) launch: particle i = e / pairs draws the Box-Muller pair
// `pair` of step t from its Philox stream keys[i], and f(j, z) is called for each of the
// pair's coordinates j = i*d + 2*pair + k that exist (an odd d has a lone last one).
template <typename T, typename F>
__device__ void each_normal(long long e, int d, const unsigned long long *keys,
                            unsigned int t, F f) {
  int pairs = (d + 1) / 2;
  long long i = e / pairs;
  int pair = (int)(e % pairs);
  T z[2];
  gf::normal_pair<T>(keys[i], t, (unsigned int)pair, &z[0], &z[1]);
  for (int k = 0; k < 2 && 2 * pair + k < d; ++k) f(i * d + 2 * pair + k, z[k]);
}

// One unadjusted Langevin step x <- x - step*grad + noise*xi of n particles in d dimensions;
// particle i draws xi from Philox stream keys[i] at counter (t, pair). Sets *bad when a
// coordinate is not finite afterwards.
template <typename T>
__device__ void ula_update(T *x, const T *grad, long long n, int d, T step, T noise,
                           const unsigned long long *keys, unsigned int t, int *bad) {
  GF_FOR(e, n * ((d + 1) / 2)) {
    each_normal<T>(e, d, keys, t, [&](long long j, T z) {
      T v = x[j] - step * grad[j] + noise * z;
      x[j] = v;
      if (!(v - v == T(0))) atomicOr(bad, 1); // NaN or infinite
    });
  }
}

// The standard normals that ula_update draws, written out (n x d): for tests.
template <typename T>
__device__ void normals(T *out, long long n, int d, const unsigned long long *keys,
                        unsigned int t) {
  GF_FOR(e, n * ((d + 1) / 2)) {
    each_normal<T>(e, d, keys, t, [&](long long j, T z) { out[j] = z; });
  }
}

// One Adam step (gradflow::optim::Adam::step): c1 = 1 - beta1^t, c2 = 1 - beta2^t.
template <typename T>
__device__ void adam(T *p, const T *g, T *m, T *v, long long n, T lr, T beta1, T beta2,
                     T eps, T c1, T c2) {
  GF_FOR(e, n) {
    T ge = g[e];
    T me = beta1 * m[e] + (T(1) - beta1) * ge;
    T ve = beta2 * v[e] + (T(1) - beta2) * ge * ge;
    m[e] = me;
    v[e] = ve;
    p[e] -= lr * (me / c1) / (sqrt(ve / c2) + eps);
  }
}

// The soft-C-transform of the Sinkhorn engine (host/gradflow/src/sinkhorn/softmin.rs), online:
//   out[i] = -eps (log_w + log sum_j exp(u[j] - |x_i - y_j|^2 half_inv)),
// u[j] = pot[j]/eps, half_inv = 1/(2 eps), and when bary is not null the barycentric
// projection bary[i] = sum_j W_ij y_j with W_ij the normalised weights. One thread per row;
// the block's threads share tiles of `tile` columns (and their u) in shared memory
// (dynamic, tile*(d+1) values). The running maximum keeps every exponent <= 0. m >= 1.
template <typename T>
__device__ void softmin(const T *x, long long n, const T *y, long long m, int d, const T *u,
                        T half_inv, T log_w, T eps, int tile, T *out, T *bary) {
  extern __shared__ unsigned char gf_shared[];
  T *ty = (T *)gf_shared;
  T *tu = ty + (long long)tile * d;
  long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  bool live = i < n;
  const T *xi = x + (live ? i : 0) * d;
  T *bi = bary ? bary + (live ? i : 0) * d : 0;
  T top = T(0), sum = T(0);
  bool started = false;
  if (live && bi)
    for (int k = 0; k < d; ++k) bi[k] = T(0);
  for (long long j0 = 0; j0 < m; j0 += tile) {
    int width = (int)(m - j0 < tile ? m - j0 : tile);
    __syncthreads();
    for (int e = threadIdx.x; e < width * d; e += blockDim.x) ty[e] = y[j0 * d + e];
    for (int e = threadIdx.x; e < width; e += blockDim.x) tu[e] = u[j0 + e];
    __syncthreads();
    if (!live) continue;
    for (int j = 0; j < width; ++j) {
      T c = T(0);
      for (int k = 0; k < d; ++k) {
        T diff = xi[k] - ty[j * d + k];
        c += diff * diff;
      }
      T a = tu[j] - c * half_inv;
      if (!started || a > top) {
        T scale = started ? exp(top - a) : T(0);
        started = true;
        sum *= scale;
        if (bi)
          for (int k = 0; k < d; ++k) bi[k] *= scale;
        top = a;
      }
      T w = exp(a - top);
      sum += w;
      if (bi)
        for (int k = 0; k < d; ++k) bi[k] += w * ty[j * d + k];
    }
  }
  if (!live) return;
  out[i] = -eps * (log_w + top + log(sum));
  if (bi)
    for (int k = 0; k < d; ++k) bi[k] /= sum;
}

// ---- the instantiations NVRTC exports (extern "C": unmangled names).

#define GF_INSTANTIATE(T, SUFFIX)                                                          \
  extern "C" __global__ void bias_act_##SUFFIX(T *z, T *deriv, const T *bias,              \
                                               long long rows, int cols, int act) {        \
    bias_act<T>(z, deriv, bias, rows, cols, act);                                          \
  }                                                                                        \
  extern "C" __global__ void mul_elem_##SUFFIX(T *a, const T *b, long long n) {            \
    mul_elem<T>(a, b, n);                                                                  \
  }                                                                                        \
  extern "C" __global__ void fill_##SUFFIX(T *a, T v, long long n) { fill<T>(a, v, n); }   \
  extern "C" __global__ void ula_update_##SUFFIX(T *x, const T *grad, long long n, int d,  \
                                                 T step, T noise,                          \
                                                 const unsigned long long *keys,           \
                                                 unsigned int t, int *bad) {               \
    ula_update<T>(x, grad, n, d, step, noise, keys, t, bad);                               \
  }                                                                                        \
  extern "C" __global__ void normals_##SUFFIX(T *out, long long n, int d,                  \
                                              const unsigned long long *keys,              \
                                              unsigned int t) {                            \
    normals<T>(out, n, d, keys, t);                                                        \
  }                                                                                        \
  extern "C" __global__ void adam_##SUFFIX(T *p, const T *g, T *m, T *v, long long n,      \
                                           T lr, T beta1, T beta2, T eps, T c1, T c2) {    \
    adam<T>(p, g, m, v, n, lr, beta1, beta2, eps, c1, c2);                                 \
  }                                                                                        \
  extern "C" __global__ void softmin_##SUFFIX(const T *x, long long n, const T *y,         \
                                              long long m, int d, const T *u, T half_inv,  \
                                              T log_w, T eps, int tile, T *out, T *bary) { \
    softmin<T>(x, n, y, m, d, u, half_inv, log_w, eps, tile, out, bary);                   \
  }

GF_INSTANTIATE(float, f32)
GF_INSTANTIATE(double, f64)
