// CUDA on the CPU, just enough of it for host/gradflow/src/engine/cuda/kernels.cu: the driver
// (driver.cpp) includes this header and then the unchanged kernel file (as `-include
// shim.h` would; GF_KERNEL_PRELUDE cannot carry an #include), and launches a kernel block
// after block, each block as blockDim.x real std::threads that meet at a std::barrier in
// __syncthreads(). C++20 (g++ -std=c++20 -pthread).
//
// What it models: blockIdx/threadIdx/blockDim/gridDim (per thread), __syncthreads (a
// barrier of the block; a thread that returns leaves it, as on the hardware, and the
// driver reports threads that passed different numbers of barriers: that is undefined
// behaviour in CUDA), atomicOr, dynamic shared memory (`extern __shared__ unsigned char
// gf_shared[]`, the launch's shared_mem_bytes, fresh and filled with 0xFF bytes, i.e.
// NaNs, for every block, so that reading a value no thread stored shows in the results),
// and the float and double overloads of the maths the kernels call.
//
// What it does not: static `__shared__` variables. `__shared__` expands to nothing, because
// the one shared declaration of the kernels is `extern __shared__`, and `extern static` is
// not C++; a kernel that declares a static `__shared__` array would get one per thread.
#pragma once

#include <cmath>

using std::cos;
using std::exp;
using std::expm1;
using std::fabs;
using std::fmax;
using std::log;
using std::log1p;
using std::sin;
using std::sqrt;
using std::tanh;

#define __global__
#define __device__
#define __shared__

/// blockIdx and friends: three unsigned coordinates.
struct gf_dim3 {
  unsigned int x = 0, y = 0, z = 0;
};

extern thread_local gf_dim3 blockIdx, threadIdx, blockDim, gridDim;

/// Waits for every thread of the block (driver.cpp).
void __syncthreads();

/// *address |= value, atomically; returns the old value.
int atomicOr(int *address, int value);

/// The dynamic shared memory of the running block (driver.cpp). The kernels declare it as
/// `extern __shared__ unsigned char gf_shared[];`; the macro turns that line into the
/// declaration of this function (returning a pointer to an array of unknown bound) and
/// every use of `gf_shared` into the block's array.
unsigned char (*gf_dynamic_shared())[];
#define gf_shared (*gf_dynamic_shared())
