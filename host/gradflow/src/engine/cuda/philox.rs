//! Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011) and the normals the CUDA Langevin
//! kernels draw from it, on the host: the same functions as `kernels.cu`, so that a test
//! can replay a GPU chain on the CPU, and so that the stream layout is documented once.
//!
//! Particle i of a [`super::CudaBackend`] Langevin call draws its noise from the key
//! `keys[i]` (one `u64` taken from its [`gradflow_core::StreamRng`] per call); step t's
//! coordinates 2p and 2p + 1 are the Box–Muller pair of the Philox block at counter
//! `(t, p, 0, 0)`.

use gradflow_core::Scalar;

/// Philox4x32-10 of `counter` under `key`.
pub fn philox4x32_10(mut c: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    const M0: u32 = 0xD251_1F53;
    const M1: u32 = 0xCD9E_8D57;
    const W0: u32 = 0x9E37_79B9;
    const W1: u32 = 0xBB67_AE85;
    let [mut k0, mut k1] = key;
    for _ in 0..10 {
        let p0 = u64::from(M0) * u64::from(c[0]);
        let p1 = u64::from(M1) * u64::from(c[2]);
        c = [
            (p1 >> 32) as u32 ^ c[1] ^ k0,
            p1 as u32,
            (p0 >> 32) as u32 ^ c[3] ^ k1,
            p0 as u32,
        ];
        k0 = k0.wrapping_add(W0);
        k1 = k1.wrapping_add(W1);
    }
    c
}

/// A uniform in (0, 1) from 64 random bits: the top 53 bits, offset by half a step.
fn uniform_open<S: Scalar>(hi: u32, lo: u32) -> S {
    let bits = ((u64::from(hi) << 32) | u64::from(lo)) >> 11;
    S::from_f64((bits as f64 + 0.5) * f64::EPSILON / 2.0)
}

/// The standard normals of coordinates 2·`pair` and 2·`pair` + 1 of step `step` of the
/// stream `key` (Box–Muller in `S`, as the kernel computes them).
pub fn normal_pair<S: Scalar>(key: u64, step: u32, pair: u32) -> [S; 2] {
    let r = philox4x32_10([step, pair, 0, 0], [key as u32, (key >> 32) as u32]);
    let u1: S = uniform_open(r[0], r[1]);
    let u2: S = uniform_open(r[2], r[3]);
    let radius = (S::from_f64(-2.0) * u1.ln()).sqrt();
    let angle = S::from_f64(core::f64::consts::TAU) * u2;
    [radius * cos(angle), radius * sin(angle)]
}

/// cos and sin in the precision of `S` (f32 or f64), as the kernel takes them.
fn cos<S: Scalar>(a: S) -> S {
    match size_of::<S>() {
        4 => S::from_f64(f64::from((a.to_f64() as f32).cos())),
        _ => S::from_f64(a.to_f64().cos()),
    }
}

fn sin<S: Scalar>(a: S) -> S {
    match size_of::<S>() {
        4 => S::from_f64(f64::from((a.to_f64() as f32).sin())),
        _ => S::from_f64(a.to_f64().sin()),
    }
}

/// The `d` normals of one particle at step `step`, written into `out` (length d).
pub fn normals<S: Scalar>(key: u64, step: u32, out: &mut [S]) {
    for (p, chunk) in out.chunks_mut(2).enumerate() {
        let z = normal_pair::<S>(key, step, p as u32);
        chunk.copy_from_slice(&z[..chunk.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random123's known-answer vectors (its tests/kat_vectors).
    #[test]
    fn random123_known_answers() {
        let cases = [
            (
                [0; 4],
                [0; 2],
                [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8],
            ),
            (
                [u32::MAX; 4],
                [u32::MAX; 2],
                [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd],
            ),
            (
                [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
                [0xa409_3822, 0x299f_31d0],
                [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1],
            ),
        ];
        for (counter, key, want) in cases {
            assert_eq!(philox4x32_10(counter, key), want);
        }
    }

    /// 200 000 normals (100 keys × 1000 steps × one pair): mean within 5 standard errors
    /// of 0 (se = 1/√n), variance within 5 of 1 (se = √(2/n)), and the fraction below
    /// −1.96 within 5 binomial standard errors of 0.025.
    #[test]
    fn normals_have_the_standard_law() {
        let mut z = Vec::new();
        for key in 0..100u64 {
            for step in 0..1000 {
                z.extend(normal_pair::<f64>(
                    key.wrapping_mul(0x9E37_79B9_7F4A_7C15),
                    step,
                    0,
                ));
            }
        }
        let n = z.len() as f64;
        let mean = z.iter().sum::<f64>() / n;
        let var = z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let tail = z.iter().filter(|&&v| v < -1.96).count() as f64 / n;
        assert!(mean.abs() < 5.0 / n.sqrt(), "mean {mean}");
        assert!((var - 1.0).abs() < 5.0 * (2.0 / n).sqrt(), "variance {var}");
        let p = 0.024_997_9;
        assert!(
            (tail - p).abs() < 5.0 * (p * (1.0 - p) / n).sqrt(),
            "tail {tail}"
        );
    }
}
