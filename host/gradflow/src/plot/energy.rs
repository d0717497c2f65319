//! Energies to draw: built-in analytic potentials, and gradflow energy models read from
//! `.gfm` files.

use std::path::{Path, PathBuf};

use gradflow_core::model::ModelKind;
use gradflow_core::{DoubleWell, Energy, MullerBrown};

use super::bounds::Bounds;
use super::error::PlotError;
use crate::SettingError;
use crate::demo::Target;
use crate::fit::FitTarget;
use crate::modelio::{ModelBytes, kind_name};

/// A 2D energy as a function, shareable across threads.
pub type EnergyFn = Box<dyn Fn(&[f64; 2]) -> f64 + Send + Sync>;

/// E(x) of a planar energy at a point of the plane: a 2D point is the one input such an
/// energy takes, so its evaluation cannot fail.
fn planar<E: Energy<f64> + ?Sized>(e: &E, x: &[f64; 2]) -> f64 {
    e.energy(x)
        .expect("a planar energy evaluates any point of the plane")
}

/// A built-in 2D energy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Potential {
    /// Müller–Brown times `scale` (see [`gradflow_core::MullerBrown`]).
    MullerBrown {
        /// The scale (inverse temperature); 0.05 makes exp(−E) samplable.
        scale: f64,
    },
    /// The double well h(x₀² − 1)² + ½κx₁² (see [`gradflow_core::DoubleWell`]).
    DoubleWell {
        /// Barrier height h.
        barrier: f64,
        /// Transverse stiffness κ.
        stiffness: f64,
    },
    /// A target of `gradflow sample` (the Gaussian or the three-component mixture).
    Demo(Target),
}

impl Potential {
    /// The energy as a function, or an error for invalid parameters.
    pub fn energy_fn(&self) -> Result<EnergyFn, PlotError> {
        let settings = |source: gradflow_core::Error| PlotError::Potential {
            name: self.name(),
            source,
        };
        Ok(match *self {
            Self::MullerBrown { scale } => {
                if !scale.is_finite() || scale <= 0.0 {
                    return Err(PlotError::Settings(SettingError::new(
                        "scale",
                        format!("{scale} must be finite and > 0 (Müller–Brown)"),
                    )));
                }
                let e = MullerBrown { scale };
                Box::new(move |x| planar(&e, x))
            }
            Self::DoubleWell { barrier, stiffness } => {
                let e = DoubleWell::<f64, 2>::new(barrier, stiffness).map_err(settings)?;
                Box::new(move |x| planar(&e, x))
            }
            Self::Demo(target) => {
                let e = target.energy().map_err(settings)?;
                Box::new(move |x| planar(e.as_ref(), x))
            }
        })
    }

    /// The region where the potential's mass is: the fitting box of `gradflow fit` for
    /// Müller–Brown and the double well, ±3 standard deviations around the demo targets.
    pub fn domain(&self) -> Bounds {
        let (x, y) = match self {
            Self::MullerBrown { scale } => {
                let (lo, hi) = FitTarget::MullerBrown { scale: *scale }.domain();
                ([lo[0], hi[0]], [lo[1], hi[1]])
            }
            Self::DoubleWell { .. } => ([-2.0, 2.0], [-2.0, 2.0]),
            Self::Demo(Target::Gaussian) => ([-2.0, 4.0], [-5.0, 3.0]),
            Self::Demo(Target::Mixture) => ([-4.0, 4.0], [-2.5, 4.5]),
        };
        Bounds { x, y }
    }

    /// A name for titles and errors.
    pub fn name(&self) -> String {
        match self {
            Self::MullerBrown { scale } => format!("Müller–Brown (scale {scale})"),
            Self::DoubleWell { barrier, stiffness } => {
                format!("double well (barrier {barrier}, stiffness {stiffness})")
            }
            Self::Demo(Target::Gaussian) => "Gaussian (demo target)".into(),
            Self::Demo(Target::Mixture) => "3-component Gaussian mixture (demo target)".into(),
        }
    }
}

/// A gradflow energy model of 2D points, with its evaluation scratch.
#[derive(Clone, Debug)]
pub struct ModelEnergy {
    model: ModelBytes,
    scratch: Vec<f64>,
    path: PathBuf,
}

impl ModelEnergy {
    /// Reads a `.gfm` file; an error unless it is an energy model of 2D points.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, PlotError> {
        let path = path.as_ref();
        let model = ModelBytes::read(path).map_err(|source| PlotError::Model {
            path: path.into(),
            source,
        })?;
        Self::new(model, path)
    }

    /// Wraps a model held in memory; `path` names it in errors and titles.
    pub fn new(model: ModelBytes, path: impl AsRef<Path>) -> Result<Self, PlotError> {
        let path = path.as_ref().to_path_buf();
        let view = model.view();
        let a = *view.architecture();
        let is_2d_energy = a.kind == ModelKind::Energy && a.in_dim() == 2 && a.x_dim() == 2;
        if !is_2d_energy {
            return Err(PlotError::NotEnergy {
                path,
                found: format!("a {} model with {}-D input", kind_name(a.kind), a.in_dim()),
            });
        }
        let scratch = vec![0.0; view.scratch_len()];
        Ok(Self {
            model,
            scratch,
            path,
        })
    }

    /// The file the model came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// E(x) (NaN if the evaluation fails, which the constructor's checks rule out).
    pub fn energy(&mut self, x: &[f64; 2]) -> f64 {
        let mut g = [0.0; 2];
        self.model
            .view()
            .energy_grad(x, &mut g, &mut self.scratch)
            .unwrap_or(f64::NAN)
    }
}
