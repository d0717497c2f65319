// Runs one kernel of host/gradflow/src/engine/cuda/kernels.cu on the CPU (see shim.h), for
// host/gradflow/tests/cuda_kernels_on_cpu.rs. Build: g++ -std=c++20 -pthread -I<kernel dir>
// driver.cpp. The shim comes first, then the kernel file as NVRTC compiles it (its
// GF_KERNEL_PRELUDE stays empty: a macro cannot expand to an #include).
//
// Protocol, native-endian binary. stdin: the launch
//   u32 name length, name bytes (e.g. "softmin_f64"), u32 grid, u32 block, u32 shared bytes,
//   u32 argument count, then per argument a tag byte and its value:
//     'b' buffer: u32 element size, u64 element count, the bytes
//     'n' null pointer;  'i' i32;  'l' i64;  'u' u32;  'f' f32;  'd' f64.
// stdout, after the launch: every buffer argument, in order, as u64 byte count and bytes.
// Exit 0 on success; otherwise a message on stderr and exit 1 (bad input, a kernel
// argument of the wrong type, threads that disagree on __syncthreads, shared memory written
// past the launch's size).

#include <barrier>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "shim.h"
// The kernels, unchanged: found on the -I path.
#include "kernels.cu"

thread_local gf_dim3 blockIdx, threadIdx, blockDim, gridDim;

namespace {

[[noreturn]] void fail(const std::string &why) {
  std::fprintf(stderr, "cuda_on_cpu driver: %s\n", why.c_str());
  std::exit(1);
}

// ---- the running block: its barrier, its shared memory, each thread's barrier count.

std::barrier<> *block_barrier = nullptr;
unsigned char *block_shared = nullptr;
thread_local unsigned syncs = 0;

} // namespace

void __syncthreads() {
  ++syncs;
  block_barrier->arrive_and_wait();
}

int atomicOr(int *address, int value) {
  return std::atomic_ref<int>(*address).fetch_or(value);
}

unsigned char (*gf_dynamic_shared())[] {
  return reinterpret_cast<unsigned char (*)[]>(block_shared);
}

namespace {

// ---- reading the launch.

struct Reader {
  std::vector<unsigned char> bytes;
  size_t at = 0;
  void take(void *out, size_t n) {
    if (bytes.size() - at < n) fail("launch description ends early");
    if (n > 0) std::memcpy(out, bytes.data() + at, n);
    at += n;
  }
  template <typename V> V get() {
    V v;
    take(&v, sizeof v);
    return v;
  }
};

struct Arg {
  char tag = 0;
  uint32_t elem = 0;                // buffers: element size
  std::vector<unsigned char> data;  // buffers: the values; scalars: their bytes
};

// The kernel's parameter `index` of type P from the launch's arguments.
template <typename P> P convert(std::vector<Arg> &args, size_t index) {
  Arg &a = args[index];
  auto scalar = [&](char tag, const char *what) {
    if (a.tag != tag) fail("argument " + std::to_string(index) + " must be " + what);
    P v;
    std::memcpy(&v, a.data.data(), sizeof v);
    return v;
  };
  if constexpr (std::is_pointer_v<P>) {
    using E = std::remove_cv_t<std::remove_pointer_t<P>>;
    if (a.tag == 'n') return nullptr;
    if (a.tag != 'b' || a.elem != sizeof(E))
      fail("argument " + std::to_string(index) + " must be a buffer of " +
           std::to_string(sizeof(E)) + "-byte values");
    return reinterpret_cast<P>(a.data.data());
  } else if constexpr (std::is_same_v<P, int>) {
    return scalar('i', "an int");
  } else if constexpr (std::is_same_v<P, long long>) {
    return scalar('l', "a long long");
  } else if constexpr (std::is_same_v<P, unsigned int>) {
    return scalar('u', "an unsigned int");
  } else if constexpr (std::is_same_v<P, float>) {
    return scalar('f', "a float");
  } else {
    static_assert(std::is_same_v<P, double>, "a parameter type the driver does not know");
    return scalar('d', "a double");
  }
}

using Body = std::function<void()>;

// The kernel `f` bound to the launch's arguments (checked against its parameter types).
template <typename... P> Body bind_kernel(void (*f)(P...), std::vector<Arg> &args) {
  if (args.size() != sizeof...(P))
    fail("the kernel takes " + std::to_string(sizeof...(P)) + " arguments, not " +
         std::to_string(args.size()));
  auto params = [&]<size_t... I>(std::index_sequence<I...>) {
    return std::tuple<P...>{convert<P>(args, I)...};
  }(std::index_sequence_for<P...>{});
  return [f, params] { std::apply(f, params); };
}

using Binder = std::function<Body(std::vector<Arg> &)>;

#define GF_KERNEL(name) {#name, [](std::vector<Arg> &a) { return bind_kernel(name, a); }}
#define GF_BOTH(name) GF_KERNEL(name##_f32), GF_KERNEL(name##_f64)

const std::map<std::string, Binder> kernels = {
    GF_BOTH(bias_act), GF_BOTH(mul_elem), GF_BOTH(fill),    GF_BOTH(ula_update),
    GF_BOTH(normals),  GF_BOTH(adam),     GF_BOTH(softmin),
};

// Slack after the launch's shared memory, which must still hold its fill afterwards.
constexpr size_t SHARED_GUARD = 4096;
constexpr unsigned char SHARED_FILL = 0xFF;

// Runs the grid, block after block.
void launch(const Body &body, unsigned grid, unsigned block, size_t shared) {
  std::vector<unsigned char> memory(shared + SHARED_GUARD);
  for (unsigned b = 0; b < grid; ++b) {
    std::fill(memory.begin(), memory.end(), SHARED_FILL);
    block_shared = memory.data();
    std::barrier<> barrier(block);
    block_barrier = &barrier;
    std::vector<unsigned> counts(block);
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < block; ++t)
      threads.emplace_back([&, t] {
        blockIdx.x = b;
        threadIdx.x = t;
        blockDim.x = block;
        gridDim.x = grid;
        blockIdx.y = blockIdx.z = threadIdx.y = threadIdx.z = 0;
        blockDim.y = blockDim.z = gridDim.y = gridDim.z = 1;
        syncs = 0;
        body();
        counts[t] = syncs;
        barrier.arrive_and_drop(); // a finished thread no longer holds the others back
      });
    for (auto &th : threads) th.join();
    for (unsigned t = 1; t < block; ++t)
      if (counts[t] != counts[0])
        fail("block " + std::to_string(b) + ": thread 0 passed " + std::to_string(counts[0]) +
             " __syncthreads, thread " + std::to_string(t) + " passed " +
             std::to_string(counts[t]));
    for (size_t e = shared; e < memory.size(); ++e)
      if (memory[e] != SHARED_FILL)
        fail("block " + std::to_string(b) + " wrote shared memory byte " + std::to_string(e) +
             ", past the launch's " + std::to_string(shared));
  }
}

} // namespace

int main() {
  Reader in;
  {
    unsigned char chunk[1 << 16];
    size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, stdin)) > 0)
      in.bytes.insert(in.bytes.end(), chunk, chunk + n);
  }
  std::string name(in.get<uint32_t>(), '\0');
  in.take(name.data(), name.size());
  auto grid = in.get<uint32_t>(), block = in.get<uint32_t>(), shared = in.get<uint32_t>();
  if (grid == 0 || block == 0 || block > 1024) fail("grid and block must be in 1..=1024 threads");
  std::vector<Arg> args(in.get<uint32_t>());
  for (Arg &a : args) {
    a.tag = in.get<char>();
    size_t size = 0;
    switch (a.tag) {
    case 'b': {
      a.elem = in.get<uint32_t>();
      size = a.elem * size_t(in.get<uint64_t>());
      break;
    }
    case 'n': break;
    case 'i': case 'u': case 'f': size = 4; break;
    case 'l': case 'd': size = 8; break;
    default: fail(std::string("unknown argument tag ") + a.tag);
    }
    a.data.resize(size);
    in.take(a.data.data(), size);
  }
  if (in.at != in.bytes.size()) fail("bytes left after the arguments");
  auto kernel = kernels.find(name);
  if (kernel == kernels.end()) fail("no kernel " + name);
  launch(kernel->second(args), grid, block, shared);
  for (const Arg &a : args) {
    if (a.tag != 'b') continue;
    uint64_t n = a.data.size();
    std::fwrite(&n, sizeof n, 1, stdout);
    std::fwrite(a.data.data(), 1, a.data.size(), stdout);
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}
