//! Writing model files into caller-owned bytes.

use super::crc32;
use super::format::Architecture;
use crate::error::{Error, check_finite, check_len};

/// Bytes of the model file for `arch`: header, `4·n_params`, and the 4-byte checksum.
pub fn encoded_len(arch: &Architecture) -> usize {
    arch.header_len() + 4 * arch.n_params() + 4
}

/// Writes the model file for `arch` with weights `params` (in the flat layout of
/// [`crate::MlpParams`]) into `out`, which must be exactly [`encoded_len`] bytes.
/// Non-finite weights are refused: a model file never holds NaN or infinity.
pub fn encode(arch: &Architecture, params: &[f32], out: &mut [u8]) -> Result<(), Error> {
    check_len("model parameters", arch.n_params(), params.len())?;
    check_len("model file buffer", encoded_len(arch), out.len())?;
    check_finite("model parameters", params)?;
    arch.write_header(out);
    let header = arch.header_len();
    let body = out.len() - 4;
    for (chunk, p) in out[header..body].chunks_exact_mut(4).zip(params) {
        chunk.copy_from_slice(&p.to_le_bytes());
    }
    let crc = crc32(&out[..body]);
    out[body..].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}
