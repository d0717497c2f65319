//! How far the engine's f32 results lie from its f64 results on two sample files: the
//! value, the potentials and the velocity, annealed (GeomLoss's schedule).
//!
//! ```text
//! cargo run --release -p gradflow --example sinkhorn_precision -- X.npy Y.npy [BLUR] [SCALING]
//! ```

use std::time::Instant;

use gradflow::data::Samples;
use gradflow::sinkhorn::{SinkhornScalar, SinkhornSettings};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        return Err("usage: sinkhorn_precision X.npy Y.npy [BLUR] [SCALING]".into());
    }
    let (x, y) = (Samples::read(&args[0])?, Samples::read(&args[1])?);
    let mut settings = SinkhornSettings::default();
    if let Some(b) = args.get(2) {
        settings.blur = b.parse()?;
    }
    if let Some(s) = args.get(3) {
        settings.scaling = s.parse()?;
    }
    let t = Instant::now();
    let wide = settings.divergence(&x.data, &y.data, x.d)?;
    let t64 = t.elapsed().as_secs_f64();
    let narrow = |v: &[f64]| v.iter().map(|&t| t as f32).collect::<Vec<f32>>();
    let t = Instant::now();
    let single = settings.divergence(&narrow(&x.data), &narrow(&y.data), x.d)?;
    let t32 = t.elapsed().as_secs_f64();
    println!(
        "{} × {} points in {}D, blur {}, scaling {}: f64 {t64:.3} s, f32 {t32:.3} s",
        x.n, y.n, x.d, settings.blur, settings.scaling
    );
    println!(
        "value f64 {:.12e}, f32 {:.12e}, relative difference {:.2e}",
        wide.value,
        single.value,
        (single.value - wide.value).abs() / wide.value.abs()
    );
    for (name, a, b) in [
        ("f_xy", &single.f_xy, &wide.f_xy),
        ("g_xy", &single.g_xy, &wide.g_xy),
        ("p_xx", &single.p_xx, &wide.p_xx),
        ("q_yy", &single.q_yy, &wide.q_yy),
        ("velocity_x", &single.velocity_x, &wide.velocity_x),
    ] {
        println!(
            "{name}: max |f32 − f64| / max |f64| = {:.2e}",
            rel_max(a, b)
        );
    }
    Ok(())
}

/// `max |a − b| / max |b|`.
fn rel_max<S: SinkhornScalar>(a: &[S], b: &[f64]) -> f64 {
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (p, q)| m.max((p.to_f64() - q).abs()))
        / scale
}
