//! The argument checks every backend makes before it computes anything.

use gradflow_core::Scalar;

use super::error::expect_len;
use super::{EngineError, Network};

/// The batch size n of `x`, checking that `x` holds whole particles (n ≥ 1).
fn batch_len<S: Scalar>(net: &Network<S>, x: &[S]) -> Result<usize, EngineError> {
    let d = net.architecture().in_dim();
    if x.is_empty() || !x.len().is_multiple_of(d) {
        return Err(EngineError::Size {
            what: "positions (n × in_dim, n ≥ 1)",
            expected: d * (x.len() / d).max(1),
            found: x.len(),
        });
    }
    Ok(x.len() / d)
}

/// The batch size of a forward call (`out`: n × out_dim).
pub(crate) fn forward_args<S: Scalar>(
    net: &Network<S>,
    x: &[S],
    out: usize,
) -> Result<usize, EngineError> {
    let n = batch_len(net, x)?;
    expect_len(
        "outputs (n × out_dim)",
        n * net.architecture().out_dim(),
        out,
    )?;
    Ok(n)
}

/// The batch size of a value-and-gradient call (`value`: n, `grad`: n × in_dim), for an
/// energy.
pub(crate) fn value_grad_args<S: Scalar>(
    net: &Network<S>,
    x: &[S],
    value: usize,
    grad: usize,
) -> Result<usize, EngineError> {
    scalar_output(net)?;
    let n = batch_len(net, x)?;
    expect_len("values (n)", n, value)?;
    expect_len("gradients (n × in_dim)", x.len(), grad)?;
    Ok(n)
}

/// The batch size of a parameter-gradient call (`cot`: n × out_dim, `grad`: the
/// parameters' count).
pub(crate) fn param_grad_args<S: Scalar>(
    net: &Network<S>,
    x: &[S],
    cot: usize,
    grad: usize,
) -> Result<usize, EngineError> {
    let n = batch_len(net, x)?;
    let arch = net.architecture();
    expect_len("cotangents (n × out_dim)", n * arch.out_dim(), cot)?;
    expect_len("parameter gradient", arch.n_params(), grad)?;
    Ok(n)
}

/// The batch size of a forward-backward call, whose cotangent the backend sizes (`grad`:
/// the parameters' count).
pub(crate) fn forward_backward_args<S: Scalar>(
    net: &Network<S>,
    x: &[S],
    grad: usize,
) -> Result<usize, EngineError> {
    let n = batch_len(net, x)?;
    expect_len("parameter gradient", net.architecture().n_params(), grad)?;
    Ok(n)
}

/// `Unsupported` unless `net` is scalar-valued (an energy): input gradients need one output.
fn scalar_output<S: Scalar>(net: &Network<S>) -> Result<(), EngineError> {
    if net.architecture().out_dim() == 1 {
        Ok(())
    } else {
        Err(EngineError::Unsupported(
            "gradients of a vector-valued network (use param_grad)",
        ))
    }
}

/// The batch size n of a Langevin call, after checking its arguments: an energy, whole
/// particles, one RNG stream per particle, a finite positive step.
pub(crate) fn ula_args<S: Scalar>(
    net: &Network<S>,
    x: &[S],
    streams: usize,
    step: S,
) -> Result<usize, EngineError> {
    scalar_output(net)?;
    let n = batch_len(net, x)?;
    expect_len("RNG streams (n)", n, streams)?;
    if step.is_finite() && step > S::ZERO {
        Ok(n)
    } else {
        Err(EngineError::InvalidParameter(
            "ULA step must be finite and > 0",
        ))
    }
}

/// The error of a diverged Langevin chain.
pub(crate) fn diverged() -> EngineError {
    EngineError::Model(gradflow_core::Error::NonFinite {
        what: "Langevin state (diverged: step too large?)",
    })
}
