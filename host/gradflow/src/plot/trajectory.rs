//! [`Trajectories`]: the positions of N particles in 2D over T frames, read from a 3-D
//! `.npy` of shape (T, N, 2) or from an n×2 file whose rows are the frames one after the
//! other.

use std::path::Path;

use npyz::NpyFile;

use super::error::PlotError;
use crate::SettingError;
use crate::data::{DataError, FormatError, Samples, Trajectory};

/// T frames of N particles in 2D: `data[(t·N + i)·2 + k]` is coordinate k of particle i
/// at frame t.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectories {
    /// Number of frames T.
    pub frames: usize,
    /// Number of particles N.
    pub particles: usize,
    /// The positions, T × N × 2, frame-major.
    pub data: Vec<f64>,
}

fn shape_err(what: &str, found: String, expected: &str) -> PlotError {
    PlotError::Shape {
        what: what.into(),
        found,
        expected: expected.into(),
    }
}

impl Trajectories {
    /// Checks `data.len() == frames · particles · 2` and that there is a point.
    pub fn new(frames: usize, particles: usize, data: Vec<f64>) -> Result<Self, PlotError> {
        let what = "trajectories";
        if frames == 0 || particles == 0 {
            return Err(PlotError::Empty { what: what.into() });
        }
        if frames.checked_mul(particles).and_then(|v| v.checked_mul(2)) != Some(data.len()) {
            return Err(shape_err(
                what,
                format!("{} values", data.len()),
                &format!("{frames} × {particles} × 2 values"),
            ));
        }
        Ok(Self {
            frames,
            particles,
            data,
        })
    }

    /// Frames given one by one, each an N×2 matrix with the same N.
    pub fn from_frames(frames: &[Samples]) -> Result<Self, PlotError> {
        let Some(first) = frames.first() else {
            return Err(PlotError::Empty {
                what: "trajectories".into(),
            });
        };
        let mut data = Vec::with_capacity(frames.len() * first.n * 2);
        for (t, f) in frames.iter().enumerate() {
            if f.d != 2 || f.n != first.n {
                return Err(shape_err(
                    &format!("frame {t}"),
                    format!("{} × {}", f.n, f.d),
                    &format!("{} × 2 (as frame 0)", first.n),
                ));
            }
            data.extend_from_slice(&f.data);
        }
        Self::new(frames.len(), first.n, data)
    }

    /// A (T·N)×2 matrix whose rows t·N .. (t+1)·N are frame t; `what` names it in errors.
    pub fn from_stacked(samples: &Samples, frames: usize, what: &str) -> Result<Self, PlotError> {
        if samples.n == 0 {
            return Err(PlotError::Empty { what: what.into() });
        }
        if samples.d != 2 || frames == 0 || !samples.n.is_multiple_of(frames) {
            return Err(shape_err(
                what,
                format!("{} × {}", samples.n, samples.d),
                &format!("(T·N) × 2 with T = {frames} frames dividing the rows"),
            ));
        }
        Self::new(frames, samples.n / frames, samples.data.clone())
    }

    /// Reads a `.npy` of shape (T, N, 2), or a 2-D `.npy`/`.csv` of shape (T·N, 2) when
    /// `frames` gives T. `float32` or `float64`, C or Fortran order.
    pub fn read(path: impl AsRef<Path>, frames: Option<usize>) -> Result<Self, PlotError> {
        let path = path.as_ref();
        let what = path.display().to_string();
        let is_npy = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
        if !is_npy {
            return Self::from_2d(&Samples::read(path)?, frames, &what);
        }
        let bytes = std::fs::read(path).map_err(|source| DataError::Io {
            path: path.into(),
            source,
        })?;
        let format = |kind| {
            PlotError::Read(DataError::Format {
                path: path.into(),
                kind,
            })
        };
        let file = NpyFile::new(&bytes[..]).map_err(|e| format(FormatError::Npy(e.to_string())))?;
        match file.shape().len() {
            2 => {
                let samples = Samples::from_npy_bytes(&bytes).map_err(format)?;
                Self::from_2d(&samples, frames, &what)
            }
            3 => {
                let t = Trajectory::from_npy_bytes(&bytes).map_err(format)?;
                if let Some(asked) = frames
                    && asked != t.frames
                {
                    return Err(PlotError::Argument(SettingError::new(
                        "frames",
                        format!("{asked} disagrees with the {} frames of {what}", t.frames),
                    )));
                }
                if t.d != 2 {
                    let shape = format!("[{}, {}, {}]", t.frames, t.n, t.d);
                    return Err(shape_err(&what, shape, "(T, N, 2)"));
                }
                Self::new(t.frames, t.n, t.data)
            }
            _ => Err(shape_err(
                &what,
                format!("{:?}", file.shape()),
                "(T, N, 2), or (T·N, 2) with the frame count T given",
            )),
        }
    }

    /// A (T·N)×2 matrix read from a file, which needs the number of frames.
    fn from_2d(samples: &Samples, frames: Option<usize>, what: &str) -> Result<Self, PlotError> {
        match frames {
            Some(t) => Self::from_stacked(samples, t, what),
            None => Err(PlotError::Argument(SettingError::new(
                "frames",
                format!(
                    "is needed to read {what} ({} × {}) as T frames of N points; a \
                     (T, N, 2) .npy needs none",
                    samples.n, samples.d
                ),
            ))),
        }
    }

    /// The position of particle `i` at frame `t` (panics when out of range).
    pub fn point(&self, t: usize, i: usize) -> [f64; 2] {
        let j = 2 * (t * self.particles + i);
        [self.data[j], self.data[j + 1]]
    }

    /// The path of particle `i`, frame by frame.
    pub fn path(&self, i: usize) -> Vec<[f64; 2]> {
        (0..self.frames).map(|t| self.point(t, i)).collect()
    }
}
