//! The Sinkhorn engine's soft-mins on a GPU (`SinkhornSettings::divergence_on` /
//! `velocity_on` with a CUDA device) against the CPU engine, and the device entry points on
//! the CPU (the same bits as `divergence` / `velocity`). The GPU tests print why they skip
//! and return on a machine without a usable GPU.
//!
//! Tolerances. Both engines run the same loop in f64 around soft-mins in the working
//! precision; they differ only in how each soft-min rounds: the CPU shifts the exponents by
//! a guess and finishes `−ε(log_w + shift + ln Σ)` in f64, the GPU keeps a running maximum
//! and returns the result rounded to `S`. One soft-min's outputs then differ by a few
//! units of `S`'s last place of `|potential|` (f32: ~1e-7 relative) and its barycentres by
//! as much of the coordinates; the annealed schedule here has about 8 updates and the
//! tolerance phase contracts, so after a solve the potentials agree to ~1e-6 relative and
//! the value (order 0.5 here, the clouds 1 apart) to ~1e-6. The f32 checks allow 1e-4
//! (100× that); the f64 ones 1e-10 annealed and 1e-8 converged (the two engines may stop
//! at different iterations within the tolerance 1e-10, potentials then agree to about
//! tol·ε·√n ≪ 1e-8).

use gradflow::engine::{Device, DeviceChoice};
use gradflow::sinkhorn::{Divergence, SinkhornScalar, SinkhornSettings, Stopping};
use gradflow_core::StreamRng;

#[path = "common/gpu.rs"]
mod gpu_check;

/// A GPU device, or `None` after printing why the test skips.
fn gpu(test: &str) -> Option<Device> {
    gpu_check::gpu_present(test).then(|| {
        Device::select(DeviceChoice::Cuda, 1)
            .expect("a GPU was found by the probe")
            .0
    })
}

/// `n` points in `d` dimensions: standard normals scaled by `scale`, plus `shift` on the
/// first coordinate (stream `stream` of seed 17).
fn cloud<S: SinkhornScalar>(n: usize, d: usize, stream: u64, scale: f64, shift: f64) -> Vec<S> {
    let mut rng = StreamRng::new(17, stream);
    (0..n * d)
        .map(|i| {
            let v = scale * rng.normal::<f64>() + if i % d == 0 { shift } else { 0.0 };
            S::from_f64(v)
        })
        .collect()
}

/// `max |got − want| / max |want|`.
fn rel_max_err<S: SinkhornScalar>(got: &[S], want: &[S]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.to_f64().abs()));
    got.iter()
        .zip(want)
        .fold(0.0f64, |m, (g, w)| m.max((g.to_f64() - w.to_f64()).abs()))
        / scale
}

/// The settings of the comparisons: blur 0.1, annealed or converged to `tol`.
fn settings(tol: Option<f64>) -> SinkhornSettings {
    SinkhornSettings {
        blur: 0.1,
        stopping: match tol {
            None => Stopping::Annealed,
            Some(tol) => Stopping::Tolerance {
                tol,
                max_iter: 20_000,
            },
        },
        ..SinkhornSettings::default()
    }
}

/// Checks the GPU's divergence and velocity against the CPU's at relative tolerance `rel`
/// (value, OT terms, the four potentials, the velocity), for d = 2 and 3, n = 500 against
/// m = 400 points.
fn check_against_cpu<S: SinkhornScalar>(gpu: &Device, tol: Option<f64>, rel: f64) {
    let s = settings(tol);
    for d in [2, 3] {
        let x = cloud::<S>(500, d, 2 * d as u64, 1.0, 0.0);
        let y = cloud::<S>(400, d, 2 * d as u64 + 1, 0.8, 1.0);
        let what = format!("{} d={d} {:?}", S::NAME, s.stopping);
        let cpu: Divergence<S> = s.divergence(&x, &y, d).unwrap();
        let got: Divergence<S> = s.divergence_on(gpu, &x, &y, d).unwrap();
        let value_err = (got.value - cpu.value).abs() / cpu.value.abs();
        println!(
            "{what}: S = {} (CPU {}), rel err {value_err:e}",
            got.value, cpu.value
        );
        assert!(cpu.value > 0.1, "{what}: the clouds are apart");
        assert!(
            value_err < rel,
            "{what}: value {} vs {}",
            got.value,
            cpu.value
        );
        let scale = cpu.ot_xy.abs().max(cpu.ot_xx.abs()).max(cpu.ot_yy.abs());
        for (name, a, b) in [
            ("OT xy", got.ot_xy, cpu.ot_xy),
            ("OT xx", got.ot_xx, cpu.ot_xx),
            ("OT yy", got.ot_yy, cpu.ot_yy),
        ] {
            assert!((a - b).abs() < rel * scale, "{what}: {name} {a} vs {b}");
        }
        for (name, a, b) in [
            ("f_xy", &got.f_xy, &cpu.f_xy),
            ("g_xy", &got.g_xy, &cpu.g_xy),
            ("p_xx", &got.p_xx, &cpu.p_xx),
            ("q_yy", &got.q_yy, &cpu.q_yy),
            ("velocity", &got.velocity_x, &cpu.velocity_x),
        ] {
            let err = rel_max_err(a, b);
            assert!(err < rel, "{what}: {name} rel err {err:e}");
        }
        if tol.is_none() {
            assert_eq!(got.report.schedule_len, cpu.report.schedule_len);
            assert_eq!(got.iterations(), cpu.iterations(), "{what}");
        }
        // The velocity alone: the xy and xx problems, the same numbers as the divergence's.
        let mut v = vec![S::default(); x.len()];
        s.velocity_on(gpu, &x, &y, d, &mut v).unwrap();
        let err = rel_max_err(&v, &cpu.velocity_x);
        assert!(err < rel, "{what}: velocity_on rel err {err:e}");
    }
}

#[test]
fn gpu_divergence_matches_the_cpu_in_f32() {
    let Some(gpu) = gpu("gpu_divergence_matches_the_cpu_in_f32") else {
        return;
    };
    check_against_cpu::<f32>(&gpu, None, 1e-4);
    check_against_cpu::<f32>(&gpu, Some(1e-4), 1e-4);
}

#[test]
fn gpu_divergence_matches_the_cpu_in_f64() {
    let Some(gpu) = gpu("gpu_divergence_matches_the_cpu_in_f64") else {
        return;
    };
    check_against_cpu::<f64>(&gpu, None, 1e-10);
    check_against_cpu::<f64>(&gpu, Some(1e-10), 1e-8);
}

/// Bad input is refused before anything reaches the GPU, with the CPU path's errors.
#[test]
fn gpu_entry_points_refuse_bad_input_like_the_cpu() {
    let Some(gpu) = gpu("gpu_entry_points_refuse_bad_input_like_the_cpu") else {
        return;
    };
    let s = SinkhornSettings::default();
    let x = [0.0f32, 0.0, 1.0, 1.0];
    let mut short = [0.0f32; 2];
    assert_eq!(
        s.velocity_on(&gpu, &x, &x, 2, &mut short).unwrap_err(),
        s.velocity(&x, &x, 2, &mut short).unwrap_err()
    );
    assert_eq!(
        s.divergence_on(&gpu, &x, &[f32::NAN, 0.0], 2).unwrap_err(),
        s.divergence(&x, &[f32::NAN, 0.0], 2).unwrap_err()
    );
}

/// On a CPU device the entry points are the CPU engine: the same bits, both precisions,
/// both stopping rules, a CPU device of any thread count.
#[test]
fn cpu_device_gives_the_same_bits_as_the_cpu_engine() {
    fn check<S: SinkhornScalar>(device: &Device, tol: f64) {
        for s in [settings(None), settings(Some(tol))] {
            let x = cloud::<S>(120, 2, 40, 1.0, 0.0);
            let y = cloud::<S>(90, 2, 41, 0.8, 1.0);
            let mut on = vec![S::default(); x.len()];
            let mut plain = vec![S::default(); x.len()];
            let r_on = s.velocity_on(device, &x, &y, 2, &mut on).unwrap();
            let r_plain = s.velocity(&x, &y, 2, &mut plain).unwrap();
            let bits = |v: &[S]| v.iter().map(|t| t.to_f64().to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&on), bits(&plain), "{} {:?}", S::NAME, s.stopping);
            assert_eq!(r_on, r_plain);
            assert_eq!(
                s.divergence_on(device, &x, &y, 2).unwrap(),
                s.divergence(&x, &y, 2).unwrap()
            );
        }
    }
    for device in [Device::cpu(1), Device::cpu(3)] {
        check::<f32>(&device, 1e-4);
        check::<f64>(&device, 1e-10);
    }
}
