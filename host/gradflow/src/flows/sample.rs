//! Batched Euler integration of a velocity network `v(x, t)` (time appended to the
//! input), step for step the arithmetic of the core's [`gradflow_core::OdeSolver::Euler`]
//! as `gf_integrate_*` runs it on one particle: `h = (t₁ − t₀)/K`, `t_s = t₀ + h·s`,
//! `x ← x + h·v(x, t_s)`, all in the scalar type S. On the same f64 weights the two agree
//! to rounding (the engine sums the matrix products in another order).

use gradflow_core::Scalar;

use super::error::FlowError;
use crate::SettingError;
use crate::engine::{Backend, GemmScalar, Network};

/// The velocity network's input rows `[x_i, t_i]` for the particles `rows` of `x`.
fn inputs<S: Scalar>(x: &[S], d: usize, rows: &[usize], t: impl Fn(usize) -> S) -> Vec<S> {
    let mut input = Vec::with_capacity(rows.len() * (d + 1));
    for &i in rows {
        input.extend_from_slice(&x[i * d..(i + 1) * d]);
        input.push(t(i));
    }
    input
}

/// The step count and time step of the core's Euler loop on [t0, t1].
fn step_size<S: Scalar>(t0: S, t1: S, steps: u32) -> S {
    (t1 - t0) / S::from_f64(f64::from(steps))
}

/// Integrates every particle of `x` (n × d, in place) from `t0` to `t1` in `steps` Euler
/// steps of `net`. With `frames`, the state before the first step and after each step is
/// appended to it (steps + 1 frames of n × d).
pub fn euler<S: GemmScalar>(
    backend: &impl Backend<S>,
    net: &Network<S>,
    x: &mut [S],
    t0: f64,
    t1: f64,
    steps: u32,
    mut frames: Option<&mut Vec<S>>,
) -> Result<(), FlowError> {
    let d = net.architecture().x_dim();
    check(net, x, steps)?;
    let n = x.len() / d;
    let (t0, t1) = (S::from_f64(t0), S::from_f64(t1));
    let h = step_size(t0, t1, steps);
    let all: Vec<usize> = (0..n).collect();
    let mut v = vec![S::ZERO; n * d];
    if let Some(f) = frames.as_deref_mut() {
        f.extend_from_slice(x);
    }
    for s in 0..steps {
        let t = t0 + h * S::from_f64(f64::from(s));
        backend.forward(net, &inputs(x, d, &all, |_| t), &mut v)?;
        for (xi, vi) in x.iter_mut().zip(&v) {
            *xi += h * *vi;
        }
        if let Some(f) = frames.as_deref_mut() {
            f.extend_from_slice(x);
        }
    }
    finite(x)
}

/// Integrates particle i of `x` (n × d, in place) from `t0[i]` to `t1` in `steps[i]`
/// Euler steps of `net` (none when `steps[i]` is 0): what `gf_integrate_*` does when
/// called on each particle with its own start time and step count.
pub fn euler_per_particle<S: GemmScalar>(
    backend: &impl Backend<S>,
    net: &Network<S>,
    x: &mut [S],
    t0: &[S],
    steps: &[u32],
    t1: f64,
) -> Result<(), FlowError> {
    let d = net.architecture().x_dim();
    check(net, x, 1)?;
    let n = x.len() / d;
    if t0.len() != n || steps.len() != n {
        let (field, len) = if t0.len() != n {
            ("t0", t0.len())
        } else {
            ("steps", steps.len())
        };
        return Err(FlowError::Settings(SettingError::new(
            field,
            format!("has {len} values for {n} particles"),
        )));
    }
    let t1 = S::from_f64(t1);
    let h: Vec<S> = (0..n)
        .map(|i| step_size(t0[i], t1, steps[i].max(1)))
        .collect();
    let most = steps.iter().copied().max().unwrap_or(0);
    for s in 0..most {
        let active: Vec<usize> = (0..n).filter(|&i| s < steps[i]).collect();
        let sf = S::from_f64(f64::from(s));
        let input = inputs(x, d, &active, |i| t0[i] + h[i] * sf);
        let mut v = vec![S::ZERO; active.len() * d];
        backend.forward(net, &input, &mut v)?;
        for (k, &i) in active.iter().enumerate() {
            for j in 0..d {
                x[i * d + j] += h[i] * v[k * d + j];
            }
        }
    }
    finite(x)
}

/// Checks that `net` is a velocity field with time input for the particles `x`.
fn check<S: Scalar>(net: &Network<S>, x: &[S], steps: u32) -> Result<(), FlowError> {
    let a = net.architecture();
    let d = a.x_dim();
    if a.in_dim() != d + 1 || a.out_dim() != d {
        return Err(FlowError::Settings(SettingError::new(
            "net",
            "is not a velocity network with the time as its last input",
        )));
    }
    if x.is_empty() || !x.len().is_multiple_of(d) {
        return Err(FlowError::Settings(SettingError::new(
            "x",
            format!(
                "has {} coordinates, not a positive number of points of dimension {d}",
                x.len()
            ),
        )));
    }
    if steps == 0 {
        return Err(FlowError::Settings(SettingError::new(
            "steps",
            "(the Euler step count) must be at least 1",
        )));
    }
    finite(x)
}

fn finite<S: Scalar>(x: &[S]) -> Result<(), FlowError> {
    if x.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(FlowError::NonFinite("a particle"))
    }
}
