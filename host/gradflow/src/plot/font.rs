//! The embedded font: DejaVu Sans (from the `dejavu` crate) registered with plotters once,
//! so text renders the same everywhere without system font libraries.

use std::sync::OnceLock;

use plotters::style::{FontStyle, register_font};

use super::error::PlotError;

/// Registers DejaVu Sans as `sans-serif` (the family every plot uses; other styles fall
/// back to it), once per process.
pub(super) fn ensure_fonts() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(PlotError::Draw(
            "the embedded DejaVu font could not be loaded".into(),
        ))
    }
}
