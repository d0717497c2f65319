//! Opening a model from caller-owned bytes.

use super::{GfStatus, c_mut, c_slice, guard};
use gradflow_core::model::ModelView;

/// The value of [`GfModel::opened`] after a successful [`gf_model_open`].
pub const GF_MODEL_OPENED: u32 = 0x4746_4D31;

/// A model opened from caller-owned bytes (which must outlive it). Fixed size, no
/// allocation: put it on the stack or in static memory. Read-only for C: every call
/// re-checks the header, so a corrupted `GfModel` gives an error, not undefined behaviour.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct GfModel {
    /// The model file's bytes (borrowed).
    pub bytes: *const u8,
    /// Their length.
    pub len: usize,
    /// [`GF_MODEL_OPENED`] once opened.
    pub opened: u32,
    /// Model kind: 1 energy, 2 velocity field, 3 time predictor, 4 latent energy.
    pub kind: u32,
    /// Data dimension d.
    pub x_dim: u32,
    /// Latent dimension (latent energies), else 0.
    pub z_dim: u32,
    /// Output dimension.
    pub out_dim: u32,
    /// Number of `f32` weights.
    pub n_params: u32,
}

// SAFETY: `bytes` is only ever read through, and the C caller keeps the bytes alive and
// unchanged while the model is used (the documented contract of `gf_model_open`).
unsafe impl Sync for GfModel {}

impl GfModel {
    /// Checks model bytes (magic, version, architecture, length, CRC-32) and describes
    /// them. The model borrows `bytes` through a raw pointer: keep them alive and unchanged
    /// while it is used.
    pub fn open(bytes: &[u8]) -> Result<Self, GfStatus> {
        let view = ModelView::parse(bytes)?;
        let a = view.architecture();
        Ok(GfModel {
            bytes: bytes.as_ptr(),
            len: bytes.len(),
            opened: GF_MODEL_OPENED,
            kind: a.kind as u32,
            x_dim: a.x_dim() as u32,
            z_dim: a.z_dim() as u32,
            out_dim: a.out_dim() as u32,
            n_params: a.n_params() as u32,
        })
    }

    /// The model's view (header re-checked, checksum not re-computed).
    pub fn view(&self) -> Result<ModelView<'_>, GfStatus> {
        if self.opened != GF_MODEL_OPENED {
            return Err(GfStatus::ModelNotOpen);
        }
        // SAFETY: `bytes`/`len` were given to `gf_model_open`, whose contract makes them
        // valid and unchanged for the model's lifetime; `c_slice` checks NULL and size.
        let bytes = unsafe { c_slice(self.bytes, self.len) }?;
        Ok(ModelView::parse_structure(bytes)?)
    }
}

/// Checks model bytes (magic, version, architecture, length, CRC-32) and fills `out`.
/// The bytes are not copied: keep them alive and unchanged while `out` is used.
///
/// # Safety
/// `bytes` must be NULL or point to `len` readable bytes; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_model_open(
    bytes: *const u8,
    len: usize,
    out: *mut GfModel,
) -> GfStatus {
    guard(|| {
        // SAFETY: the caller's contract above.
        let (data, out) = unsafe { (c_slice(bytes, len)?, c_mut(out)?) };
        *out = GfModel::open(data)?;
        Ok(())
    })
}
