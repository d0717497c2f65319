//! Writing model files into caller-owned bytes.

use super::crc32;
use super::format::Architecture;
use crate::error::{Error, check_finite, check_len, check_positive};

/// Bytes of the model file for `arch`: header, `4·n_params`, and the 4-byte checksum.
pub fn encoded_len(arch: &Architecture) -> usize {
    arch.header_len() + 4 * arch.n_params() + 4
}

/// Bytes of the model file for `arch` with a units block: [`encoded_len`] plus `8·x_dim`.
pub fn encoded_len_with_units(arch: &Architecture) -> usize {
    encoded_len(arch) + 8 * arch.x_dim()
}

/// Writes the model file for `arch` with weights `params` (in the flat layout of
/// [`crate::MlpParams`]) into `out`, which must be exactly [`encoded_len`] bytes
/// (format version 1). Non-finite weights are refused: a model file never holds NaN or
/// infinity.
pub fn encode(arch: &Architecture, params: &[f32], out: &mut [u8]) -> Result<(), Error> {
    encode_parts(arch, params, None, out)
}

/// [`encode`] with a units block (format version 2): the per-coordinate `mean` and
/// `scale` (x_dim each) of the standardisation the network was trained in, already folded
/// into `params`. `out` must be exactly [`encoded_len_with_units`] bytes. A non-finite
/// mean or a scale that is not finite and positive is refused.
pub fn encode_with_units(
    arch: &Architecture,
    params: &[f32],
    mean: &[f32],
    scale: &[f32],
    out: &mut [u8],
) -> Result<(), Error> {
    encode_parts(arch, params, Some((mean, scale)), out)
}

fn encode_parts(
    arch: &Architecture,
    params: &[f32],
    units: Option<(&[f32], &[f32])>,
    out: &mut [u8],
) -> Result<(), Error> {
    check_len("model parameters", arch.n_params(), params.len())?;
    let len = match units {
        Some(_) => encoded_len_with_units(arch),
        None => encoded_len(arch),
    };
    check_len("model file buffer", len, out.len())?;
    check_finite("model parameters", params)?;
    if let Some((mean, scale)) = units {
        check_len("unit means", arch.x_dim(), mean.len())?;
        check_len("unit scales", arch.x_dim(), scale.len())?;
        check_finite("unit means", mean)?;
        for &s in scale {
            check_positive("unit scales must be finite and positive", s)?;
        }
    }
    arch.write_header(out, units.is_some());
    let header = arch.header_len();
    let body = out.len() - 4;
    let values = params
        .iter()
        .chain(units.into_iter().flat_map(|(m, s)| m.iter().chain(s)));
    for (chunk, p) in out[header..body].chunks_exact_mut(4).zip(values) {
        chunk.copy_from_slice(&p.to_le_bytes());
    }
    let crc = crc32(&out[..body]);
    out[body..].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}
