//! Model files: one trained network, read zero-copy and without allocation.
//!
//! A model file holds one MLP (an energy, a velocity field, a time predictor or a
//! latent-variable energy) with its architecture and little-endian `f32` weights, behind a
//! magic number, a format version and a CRC-32. [`ModelView::parse`] checks all of it and
//! borrows the bytes; the view then evaluates the network for any architecture within
//! [the bounds](format#bounds), in `f32` or `f64`, with caller-owned scratch only (an array
//! on the stack, a `static`, or a heap buffer: [`ModelView::scratch_len`] scalars). On the
//! same weights it returns the same bits as the const-generic [`crate::Mlp`].
//!
//! The byte layout is specified in [`format`].
//!
//! ```
//! use gradflow_core::model::{Architecture, ModelKind, ModelView, encode, encoded_len};
//! use gradflow_core::{Activation, Mlp, MlpParams, StreamRng};
//!
//! // A 2→16→16→1 SiLU energy, written into a caller buffer and read back.
//! let mut params = MlpParams::<f32, 2, 16, 1, 1>::zeroed();
//! params.init_lecun_normal(&mut StreamRng::new(1, 0));
//! let arch = Architecture::mlp(ModelKind::Energy, Activation::Silu, 2, &[16, 16], 1)?;
//! let mut bytes = [0u8; 2048];
//! let len = encoded_len(&arch);
//! encode(&arch, params.as_flat(), &mut bytes[..len])?;
//!
//! let view = ModelView::parse(&bytes[..len])?;
//! let mut scratch = [0.0f32; 128]; // at least view.scratch_len()
//! let mut grad = [0.0f32; 2];
//! let e = view.energy_grad(&[0.3, -0.2], &mut grad, &mut scratch)?;
//! let mlp = Mlp::new(params, Activation::Silu);
//! let mut g2 = [0.0f32; 2];
//! assert_eq!(e, mlp.vjp(&[0.3, -0.2], &[1.0], &mut g2, None)[0]);
//! assert_eq!(grad, g2);
//! # Ok::<(), gradflow_core::Error>(())
//! ```

mod adapters;
mod crc;
pub mod format;
mod view;
mod write;

pub use adapters::ModelEval;
pub use crc::crc32;
pub use format::{Architecture, ModelError, ModelKind, TimeInput};
pub use view::{ModelView, Units};
pub use write::{encode, encode_with_units, encoded_len, encoded_len_with_units};
