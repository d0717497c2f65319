//! Builds `driver.cpp` (the kernels of `kernels.cu` on the CPU, see `shim.h`) once per test
//! run and launches kernels through it: the launch goes to the driver's stdin, the buffers
//! come back on its stdout (the protocol is described at the top of `driver.cpp`).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use gradflow_core::Scalar;

/// A precision of the kernels: its suffix and its bytes.
pub trait Real: Scalar + std::fmt::Debug {
    /// The kernels' suffix (`f32`, `f64`).
    const SUFFIX: &'static str;
    /// The kernel argument holding one value.
    fn arg(self) -> Arg;
    /// The native-endian bytes of `values`.
    fn encode(values: &[Self]) -> Vec<u8>;
    /// The values of native-endian `bytes`.
    fn decode(bytes: &[u8]) -> Vec<Self>;
    /// The machine epsilon as f64.
    fn eps() -> f64 {
        Self::EPSILON.to_f64()
    }
}

macro_rules! real {
    ($t:ty, $suffix:literal, $variant:ident) => {
        impl Real for $t {
            const SUFFIX: &'static str = $suffix;
            fn arg(self) -> Arg {
                Arg::$variant(self)
            }
            fn encode(values: &[Self]) -> Vec<u8> {
                values.iter().flat_map(|v| v.to_ne_bytes()).collect()
            }
            fn decode(bytes: &[u8]) -> Vec<Self> {
                bytes
                    .chunks_exact(size_of::<Self>())
                    .map(|b| <$t>::from_ne_bytes(b.try_into().unwrap()))
                    .collect()
            }
        }
    };
}

real!(f32, "f32", F32);
real!(f64, "f64", F64);

/// One kernel argument.
#[derive(Clone, Debug)]
pub enum Arg {
    /// A device buffer: element size and bytes. Comes back after the launch.
    Buf(u32, Vec<u8>),
    /// A null pointer.
    Null,
    /// `int`.
    I32(i32),
    /// `long long`.
    I64(i64),
    /// `unsigned int`.
    U32(u32),
    /// `float`.
    F32(f32),
    /// `double`.
    F64(f64),
}

impl Arg {
    /// The tag and the bytes that stand for it on the driver's stdin.
    fn wire(&self) -> (u8, Vec<u8>) {
        match self {
            Arg::Buf(elem, bytes) => {
                let count = bytes.len() as u64 / u64::from(*elem);
                let head = [elem.to_ne_bytes().as_slice(), &count.to_ne_bytes()].concat();
                (b'b', [head, bytes.clone()].concat())
            }
            Arg::Null => (b'n', Vec::new()),
            Arg::I32(v) => (b'i', v.to_ne_bytes().to_vec()),
            Arg::I64(v) => (b'l', v.to_ne_bytes().to_vec()),
            Arg::U32(v) => (b'u', v.to_ne_bytes().to_vec()),
            Arg::F32(v) => (b'f', v.to_ne_bytes().to_vec()),
            Arg::F64(v) => (b'd', v.to_ne_bytes().to_vec()),
        }
    }
}

/// A buffer of reals.
pub fn buf<S: Real>(values: &[S]) -> Arg {
    Arg::Buf(size_of::<S>() as u32, S::encode(values))
}

/// A buffer of plain values (`int`, `unsigned long long`).
pub fn buf_of<T: Copy>(values: &[T], bytes: impl Fn(T) -> Vec<u8>) -> Arg {
    Arg::Buf(
        size_of::<T>() as u32,
        values.iter().flat_map(|&v| bytes(v)).collect(),
    )
}

/// A kernel launch: name with suffix, grid and block size (x only), dynamic shared bytes.
#[derive(Clone, Copy, Debug)]
pub struct Launch<'a> {
    /// The kernel, e.g. `softmin_f64`.
    pub kernel: &'a str,
    /// Blocks.
    pub grid: u32,
    /// Threads per block.
    pub block: u32,
    /// Dynamic shared memory per block (bytes).
    pub shared: u32,
}

impl Launch<'_> {
    /// Runs the kernel with `args` on the CPU; the bytes of every buffer argument after it.
    pub fn run(self, driver: &Path, args: &[Arg]) -> Vec<Vec<u8>> {
        let mut input = Vec::new();
        let mut put = |b: &[u8]| input.extend_from_slice(b);
        put(&(self.kernel.len() as u32).to_ne_bytes());
        put(self.kernel.as_bytes());
        for v in [self.grid, self.block, self.shared, args.len() as u32] {
            put(&v.to_ne_bytes());
        }
        for a in args {
            let (tag, value) = a.wire();
            put(&[tag]);
            put(&value);
        }
        let mut child = Command::new(driver)
            .env("ASAN_OPTIONS", "detect_leaks=0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", driver.display()));
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{self:?} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let mut buffers = Vec::new();
        let mut rest = &out.stdout[..];
        while !rest.is_empty() {
            let (len, tail) = rest.split_at(8);
            let len = u64::from_ne_bytes(len.try_into().unwrap()) as usize;
            let (bytes, tail) = tail.split_at(len);
            buffers.push(bytes.to_vec());
            rest = tail;
        }
        buffers
    }
}

fn here() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cuda_on_cpu")
}

fn compiler() -> String {
    std::env::var("CXX").unwrap_or_else(|_| "g++".into())
}

/// Runs `cxx flags… -o out source`; its stderr on failure.
fn compile(source: &Path, out: &Path, flags: &[&str]) -> Result<(), String> {
    let result = Command::new(compiler())
        .args(flags)
        .arg("-o")
        .arg(out)
        .arg(source)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", compiler()))?;
    match result.status.success() {
        true => Ok(()),
        false => Err(String::from_utf8_lossy(&result.stderr).into_owned()),
    }
}

const BASE: [&str; 5] = [
    "-std=c++20",
    "-pthread",
    "-ffp-contract=off",
    "-Wall",
    "-Werror",
];
const SANITIZE: [&str; 3] = [
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-O0",
];
const PLAIN: [&str; 1] = ["-O2"];

/// Whether `flags` build and run a C++20 program with a `std::barrier` and a thread.
fn works(dir: &Path, flags: &[&str]) -> bool {
    let id = std::process::id();
    let (source, exe) = (
        dir.join(format!("probe-{id}.cpp")),
        dir.join(format!("probe-{id}")),
    );
    std::fs::write(
        &source,
        "#include <barrier>\n#include <thread>\nint main() { std::barrier<> b(1); \
         std::thread t([&] { b.arrive_and_wait(); }); t.join(); }\n",
    )
    .unwrap();
    let ok = compile(&source, &exe, flags).is_ok()
        && Command::new(&exe)
            .env("ASAN_OPTIONS", "detect_leaks=0")
            .status()
            .is_ok_and(|s| s.success());
    let _ = std::fs::remove_file(source);
    let _ = std::fs::remove_file(exe);
    ok
}

/// A name for the driver of these sources, flags and compiler: a driver built by an
/// earlier run is reused as long as none of them changed.
fn cache_name(version: &[u8], kernels: &Path) -> String {
    let mut h = DefaultHasher::new();
    version.hash(&mut h);
    (BASE, SANITIZE, PLAIN).hash(&mut h);
    for file in [
        here().join("driver.cpp"),
        here().join("shim.h"),
        kernels.join("kernels.cu"),
    ] {
        std::fs::read(file).unwrap().hash(&mut h);
    }
    format!("driver-{:016x}", h.finish())
}

/// Builds the driver: with AddressSanitizer and UBSan when the compiler has them (an
/// out-of-bounds access of a kernel then fails the launch), plainly otherwise. `Err`: why
/// the tests are skipped (no C++20 compiler). A driver that does not compile with a
/// working compiler panics: that is a broken kernel file.
fn build() -> Result<PathBuf, String> {
    let version = Command::new(compiler())
        .arg("--version")
        .output()
        .map_err(|e| format!("cannot run the C++ compiler {}: {e}", compiler()))?
        .stdout;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cuda_on_cpu");
    std::fs::create_dir_all(&dir).unwrap();
    let kernels = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine/cuda");
    let driver = dir.join(cache_name(&version, &kernels));
    if driver.exists() {
        println!("driver {} (built before)", driver.display());
        return Ok(driver);
    }
    let with = |extra: &[&'static str]| [&BASE[..], extra].concat();
    let flags = if works(&dir, &with(&SANITIZE)) {
        with(&SANITIZE)
    } else if works(&dir, &with(&PLAIN)) {
        println!(
            "note: {} has no working sanitizers; driver built without",
            compiler()
        );
        with(&PLAIN)
    } else {
        return Err(format!(
            "{} cannot build a C++20 program with std::barrier (-std=c++20 -pthread)",
            compiler()
        ));
    };
    let include = format!("-I{}", kernels.display());
    let mut all = flags.clone();
    all.push(&include);
    // Built under a name of its own, then renamed: concurrent test runs never see half a
    // binary.
    let partial = dir.join(format!("partial-{}", std::process::id()));
    if let Err(log) = compile(&here().join("driver.cpp"), &partial, &all) {
        panic!("the CPU driver of kernels.cu does not compile ({all:?}):\n{log}");
    }
    std::fs::rename(&partial, &driver).unwrap();
    println!("driver built with {} {flags:?}", compiler());
    Ok(driver)
}

/// The driver, built on first use; `None` (after printing why) when there is no C++20
/// compiler.
pub fn driver() -> Option<&'static Path> {
    static DRIVER: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match DRIVER.get_or_init(build) {
        Ok(path) => Some(path),
        Err(why) => {
            println!("SKIPPED: {why}");
            None
        }
    }
}
