//! The command-line flags of the library's settings: the library names a bad setting by
//! its field ([`SettingError`]); the user sees the flag that sets it.

use std::error::Error;

use gradflow::SettingError;

/// The flag that sets the library field `field` (a [`SettingError::field`]), if the
/// command line has one.
pub(crate) fn flag_for(field: &str) -> Option<&'static str> {
    Some(match field {
        // FlowSettings (`gradflow train METHOD`) and Flow::sample's step count
        // (`gradflow flow-sample`).
        "steps" => "--steps",
        "batch" => "--batch",
        "widths" => "--widths",
        "lr" => "--lr",
        "omega" => "--omega",
        "nsgf.steps" => "--nsgf-steps",
        "nsgf.eta" => "--eta",
        "nsgf.blur" => "--blur",
        "nsgf.scaling" => "--scaling",
        "nsgf.particles" => "--particles",
        "nsgf.pool" => "--pool",
        "nsgf.refill_every" => "--refill-every",
        // Flow::write's prefix.
        "prefix" => "--out",
        // Trajectories::read's frame count (`gradflow plot trajectories`).
        "frames" => "--frames",
        // EbmSettings (`gradflow train ebm`; also `batch`, `lr`).
        "particle_steps" => "--particle-steps",
        "buffer" => "--buffer",
        "reinit" => "--reinit",
        "beta1" => "--beta1",
        "penalty" => "--penalty",
        "updates" => "--steps",
        // LvebmSettings and LvebmTrainer::new (`gradflow train lvebm`; also `batch`, `lr`,
        // `beta1`, `updates`).
        "posterior_steps" => "--posterior-steps",
        "particles_per_datum" => "--latents-per-datum",
        "pool_steps" => "--pool-steps",
        "pool_size" => "--pool-size",
        "negative" => "--negative",
        // sample_conditional's arguments (`gradflow sample --model M --given X`).
        "given" => "--given",
        "chains" => "--chains",
        "init" => "--init",
        // Schedule (`gradflow sample --potential/--model`; also `init`).
        "burn_in" => "--burn-in",
        "thin" => "--thin",
        "frame_every" => "--frame-every",
        // FitSettings (`gradflow fit`; also `batch`, `lr`).
        "iters" => "--iters",
        "width" => "--width",
        "force_weight" => "--force-weight",
        "target" => "--potential",
        // The plots' options (`gradflow plot`): PlotOptions' `bounds` and `width`,
        // TileOptions' `range`, EnergyPlot's `grid` and `levels`, a potential's `scale`.
        "bounds" => "--range",
        "range" => "--value-range",
        "grid" => "--grid",
        "levels" => "--levels",
        "scale" => "--scale",
        _ => return None,
    })
}

/// A library error as the one line the user sees: its message, with the first
/// [`SettingError`] of its `source()` chain named by its flag (`--lr 0 must be ...` for
/// the library's `lr 0 must be ...`).
pub(crate) fn message(e: &(dyn Error + 'static)) -> String {
    let text = e.to_string();
    let mut next = Some(e);
    while let Some(err) = next {
        if let Some(s) = err.downcast_ref::<SettingError>() {
            // A wrapper writes the setting's message last, after its own context.
            return match (flag_for(s.field), text.strip_suffix(&s.to_string())) {
                (Some(flag), Some(context)) => format!("{context}{flag} {}", s.problem),
                _ => text,
            };
        }
        next = err.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradflow::flows::FlowError;

    #[test]
    fn a_setting_error_is_named_by_its_flag() {
        let e = FlowError::Settings(SettingError::new("nsgf.steps", "6 must be in 1..=5"));
        assert_eq!(e.to_string(), "nsgf.steps 6 must be in 1..=5");
        assert_eq!(message(&e), "--nsgf-steps 6 must be in 1..=5");
        // A field without a flag keeps the library's name.
        let e = FlowError::Settings(SettingError::new("net", "is not a velocity network"));
        assert_eq!(message(&e), "net is not a velocity network");
        // Settings of the EBM trainer, the fit and the plots, wrapped in their errors.
        let e =
            gradflow::ebm::EbmError::Setting(SettingError::new("updates", "must be at least 1"));
        assert_eq!(
            message(&e),
            "invalid EBM settings: --steps must be at least 1"
        );
        let e = gradflow::ebm::EbmError::Setting(SettingError::new(
            "particles_per_datum",
            "must be at least 1",
        ));
        assert_eq!(
            message(&e),
            "invalid EBM settings: --latents-per-datum must be at least 1"
        );
        let e = gradflow::fit::FitError::Settings(SettingError::new(
            "force_weight",
            "-1 must be finite and >= 0",
        ));
        assert_eq!(
            message(&e),
            "invalid fit settings: --force-weight -1 must be finite and >= 0"
        );
        let e = gradflow::plot::PlotError::Range(SettingError::new(
            "bounds",
            "x range [1, 0] is empty",
        ));
        assert_eq!(
            message(&e),
            "invalid range: --range x range [1, 0] is empty"
        );
        // Errors without a setting in their chain are unchanged.
        let e = FlowError::NonFinite("a sample");
        assert_eq!(message(&e), e.to_string());
    }
}
