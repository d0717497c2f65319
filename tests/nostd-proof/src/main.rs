//! # gradflow-nostd-proof
//!
//! Proof that `gradflow-core` needs neither `std` nor an allocator. This is a freestanding
//! `#![no_std] #![no_main]` x86_64 Linux binary with its own panic handler: if the core, or
//! anything it depends on, links `std`, the build fails with a duplicate `panic_impl` lang
//! item (std brings a panic handler of its own). No embedded rustc target can be installed
//! on the build machines, so this binary stands in for a microcontroller.
//!
//! It does real work with stack buffers only: MALA chains on N(0, I/4) in 2D, each started
//! far from the mode; it checks the variance of the first coordinate of the final states
//! against the exact 1/4 and prints one line. Exit status: 0 pass, 1 variance out of
//! tolerance, 2 sampler error, 101 panic.
//!
//! Pieces that replace the usual runtime: `_start` (entry point, no crt1.o), raw `write` and
//! `exit_group` syscalls (no libc initialisation needed), `#[panic_handler]` and a stub
//! `rust_eh_personality`. Link flags are in build.rs.

#![no_std]
#![no_main]
#![deny(unsafe_op_in_unsafe_fn)]

use core::arch::{asm, global_asm};
use core::fmt::{self, Write};
use core::panic::PanicInfo;

use gradflow_core::{BatchReport, Error, Gaussian, Kernel, Mala, Scalar, StreamRng};

/// Dimension of the target.
const DIM: usize = 2;
/// Precision p of the isotropic target N(0, I/p); the exact variance is 1/p.
const PRECISION: f64 = 4.0;
/// Exact marginal variance of the target.
const EXACT_VARIANCE: f64 = 1.0 / PRECISION;
/// MALA step size τ (acceptance about 3/4 on this target).
const STEP: f64 = 0.2;
/// Independent chains (chain k draws from stream k); one sample, the final state, is taken
/// from each.
const CHAINS: usize = 1 << 16;
/// Steps per chain. The proposal mean contracts by 1 − τp = 0.2 per accepted step, so the
/// start below is forgotten after a few dozen steps; 200 leaves no measurable bias.
const STEPS: u64 = 200;
/// Where every chain starts: 6 standard deviations from the mode in each coordinate.
const START: [f64; DIM] = [3.0, -3.0];
/// Seed of the random streams.
const SEED: u64 = 0x6772_6164_666c_6f77;

// Entry point, in place of the C runtime's crt1.o (linked out by `-nostartfiles`). The
// kernel enters with rsp pointing at argc; we clear rbp (marks the outermost frame for
// debuggers), align rsp to 16 bytes so that after `call` pushes the return address the
// callee sees the alignment the System V ABI promises, and never return (`ud2` traps if
// `proof_main` somehow did).
global_asm!(
    ".globl _start",
    ".type _start, @function",
    "_start:",
    "xor ebp, ebp",
    "and rsp, -16",
    "call {main}",
    "ud2",
    main = sym proof_main,
);

/// The Rust entry point called by `_start`.
extern "C" fn proof_main() -> ! {
    let code = match sample() {
        Ok(outcome) => check(&outcome),
        Err(e) => {
            print(2, format_args!("nostd-proof: sampler error: {e}\n"));
            2
        }
    };
    exit(code)
}

/// What the sampler produced.
struct Outcome {
    /// Unbiased sample variance of the first coordinate of the final states.
    variance: f64,
    /// Fraction of accepted MALA proposals over all chains and steps.
    acceptance: f64,
}

/// Runs every chain from `START` for `STEPS` MALA steps and summarises the final states.
fn sample() -> Result<Outcome, Error> {
    let target = Gaussian::<f64, DIM>::isotropic([0.0; DIM], PRECISION)?;
    let mala = Mala { step: STEP };
    let mut scratch = [0.0; 3 * DIM]; // Kernel::scratch_len(&mala, DIM)
    let mut report = BatchReport::default();
    let mut moments = Moments::default();
    for chain in 0..CHAINS as u64 {
        let mut rng = StreamRng::new(SEED, chain);
        let mut x = START;
        mala.run(&target, &mut x, &mut rng, STEPS, &mut scratch, &mut report)?;
        moments.push(x[0]);
    }
    Ok(Outcome {
        variance: moments.variance(),
        acceptance: report.acceptance_rate(),
    })
}

/// Prints the result line and returns the exit status: 0 within tolerance, 1 otherwise.
///
/// Tolerance: the chains are independent and each contributes one (final) state, so the n
/// values are i.i.d. draws from N(0, σ²) with σ² = 1/4, and no autocorrelation enters. The
/// unbiased sample variance s² then satisfies (n − 1)s²/σ² ~ χ²(n − 1), so
/// Var(s²) = 2σ⁴/(n − 1) and its standard error is σ²·√(2/(n − 1)) ≈ 0.0014 for n = 65536.
/// We allow 5 standard errors (≈ 0.0069): a correct sampler fails with probability below
/// 10⁻⁶, while a wrong stationary law (e.g. ULA's biased law at this step,
/// variance 2/(2p − τp²) ≈ 0.417) fails.
fn check(outcome: &Outcome) -> i32 {
    let n = CHAINS as f64;
    let tolerance = 5.0 * EXACT_VARIANCE * (2.0 / (n - 1.0)).sqrt();
    let pass = (outcome.variance - EXACT_VARIANCE).abs() <= tolerance;
    print(
        1,
        format_args!(
            "nostd-proof: mala variance {:.4} (exact {:.4}, tolerance {:.4}), acceptance {:.2}, \
             {CHAINS} chains x {STEPS} steps: {}\n",
            outcome.variance,
            EXACT_VARIANCE,
            tolerance,
            outcome.acceptance,
            if pass { "ok" } else { "FAIL" },
        ),
    );
    if pass { 0 } else { 1 }
}

/// Running mean and variance (Welford), stable and allocation-free.
#[derive(Default)]
struct Moments {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Moments {
    /// Adds one value.
    fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Unbiased sample variance (NaN for fewer than two values).
    fn variance(&self) -> f64 {
        if self.n < 2 {
            f64::NAN
        } else {
            self.m2 / (self.n - 1) as f64
        }
    }
}

/// A fixed-size stack buffer that `core::fmt` can write into; text past its end is dropped.
struct StackBuf {
    bytes: [u8; 256],
    len: usize,
}

impl Write for StackBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.bytes.len() - self.len;
        let take = s.len().min(room);
        self.bytes[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        if take == s.len() {
            Ok(())
        } else {
            Err(fmt::Error)
        }
    }
}

/// Formats `args` on the stack and writes the text to file descriptor `fd` (truncated to
/// 256 bytes, which every message here fits in).
fn print(fd: i32, args: fmt::Arguments<'_>) {
    let mut buf = StackBuf {
        bytes: [0; 256],
        len: 0,
    };
    // A formatting error only means the text was truncated: print what fits.
    let _ = buf.write_fmt(args);
    let mut rest = &buf.bytes[..buf.len];
    while !rest.is_empty() {
        match write(fd, rest) {
            n if n > 0 => rest = &rest[n as usize..],
            EINTR => {}
            _ => return, // nowhere to report a failed write
        }
    }
}

/// `-EINTR` as returned by a raw syscall.
const EINTR: isize = -4;

/// Raw `write(2)` (syscall 1): bytes written, or a negative errno.
fn write(fd: i32, bytes: &[u8]) -> isize {
    let ret: isize;
    // SAFETY: `write` only reads `bytes.len()` bytes starting at `bytes.as_ptr()`, which is a
    // live slice; it writes no memory of ours (hence `readonly`) and uses no user stack. The
    // `syscall` instruction clobbers rcx and r11 and returns in rax, all declared.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") 1isize => ret,
            in("rdi") fd as isize,
            in("rsi") bytes.as_ptr(),
            in("rdx") bytes.len(),
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack, readonly),
        );
    }
    ret
}

/// Raw `exit_group(2)` (syscall 231): ends the process with status `code`. Used instead of
/// libc's `exit`, which would expect the C runtime to have been initialised.
fn exit(code: i32) -> ! {
    // SAFETY: `exit_group` terminates every thread of the process and never returns, so no
    // Rust state is observed afterwards; it touches no memory and no user stack.
    unsafe {
        asm!(
            "syscall",
            in("rax") 231isize,
            in("rdi") code as isize,
            options(noreturn, nostack),
        );
    }
}

/// Our panic handler. It is this definition that collides with std's (duplicate lang item
/// `panic_impl`) if anything drags std into the link. Prints the message and exits with 101.
#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    print(2, format_args!("nostd-proof: {info}\n"));
    exit(101)
}

/// Never called: with `panic = "abort"` nothing unwinds, but the precompiled `core` was built
/// for unwinding and still references the personality routine, so the link needs a
/// definition.
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}
