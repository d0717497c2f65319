//! [`Trajectories`]: the positions of N particles in 2D over T frames, read from a 3-D
//! `.npy` of shape (T, N, 2) or from an n×2 file whose rows are the frames one after the
//! other.

use std::path::Path;

use npyz::{DType, NpyFile, Order, TypeChar};

use super::error::PlotError;
use crate::data::{DataError, FormatError, Samples};

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
                let (shape, flat) = decode_3d(file, bytes.len()).map_err(format)?;
                if let Some(t) = frames
                    && t != shape[0]
                {
                    return Err(PlotError::Settings(format!(
                        "{what}: --frames {t} disagrees with the file's {} frames",
                        shape[0]
                    )));
                }
                if shape[2] != 2 {
                    return Err(shape_err(&what, format!("{shape:?}"), "(T, N, 2)"));
                }
                Self::new(shape[0], shape[1], flat)
            }
            _ => Err(shape_err(
                &what,
                format!("{:?}", file.shape()),
                "(T, N, 2), or (T·N, 2) with --frames T",
            )),
        }
    }

    /// A (T·N)×2 matrix read from a file, which needs the number of frames.
    fn from_2d(samples: &Samples, frames: Option<usize>, what: &str) -> Result<Self, PlotError> {
        match frames {
            Some(t) => Self::from_stacked(samples, t, what),
            None => Err(shape_err(
                what,
                format!("{} × {}", samples.n, samples.d),
                "a (T, N, 2) .npy, or (T·N) × 2 rows with --frames T",
            )),
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

/// The shape and the C-order values of a 3-D f4/f8 `.npy`.
fn decode_3d(file: NpyFile<&[u8]>, n_bytes: usize) -> Result<([usize; 3], Vec<f64>), FormatError> {
    let raw = file.shape().to_vec();
    let too_large = || FormatError::NpyTooLarge(raw.clone());
    let mut shape = [0usize; 3];
    for (s, &r) in shape.iter_mut().zip(&raw) {
        *s = usize::try_from(r).map_err(|_| too_large())?;
    }
    let len = shape
        .iter()
        .try_fold(1usize, |acc, &s| acc.checked_mul(s))
        .ok_or_else(too_large)?;
    // Refuse a header that claims more values than the bytes could hold, before reading.
    if len > n_bytes {
        return Err(FormatError::Npy(format!(
            "the header claims {len} values but the file has {n_bytes} bytes"
        )));
    }
    let order = file.order();
    let dtype = file.dtype();
    let size = match &dtype {
        DType::Plain(t) if t.type_char() == TypeChar::Float => t.size_field(),
        _ => 0,
    };
    fn npy(e: impl std::fmt::Display) -> FormatError {
        FormatError::Npy(e.to_string())
    }
    let flat: Vec<f64> = match size {
        8 => file
            .data::<f64>()
            .map_err(npy)?
            .collect::<Result<_, _>>()
            .map_err(npy)?,
        4 => file
            .data::<f32>()
            .map_err(npy)?
            .map(|v| v.map(f64::from))
            .collect::<Result<_, _>>()
            .map_err(npy)?,
        _ => return Err(FormatError::NpyDtype(dtype.descr())),
    };
    if flat.len() != len {
        return Err(FormatError::Npy("the data is truncated".into()));
    }
    let data = match order {
        Order::C => flat,
        // Fortran order: element (a, b, c) is at a + A·(b + B·c).
        Order::Fortran => {
            let [a_n, b_n, c_n] = shape;
            let mut out = vec![0.0; len];
            for a in 0..a_n {
                for b in 0..b_n {
                    for c in 0..c_n {
                        out[(a * b_n + b) * c_n + c] = flat[a + a_n * (b + b_n * c)];
                    }
                }
            }
            out
        }
    };
    Ok((shape, data))
}
