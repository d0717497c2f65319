//! [`Trajectory`]: the positions of N chains (or particles) at T times, in `.npy` or `.csv`.

use std::fmt::Write;
use std::path::Path;

use super::error::{DataError, FormatError};
use super::npy;
use super::samples::{Format, NpyDtype, Samples, format_of, read_by_extension, write_atomic};

/// Frames of N points in dimension d: `data[(t·n + i)·d + k]` is coordinate `k` of point
/// `i` at frame `t` (C order of a `(frames, n, d)` array).
///
/// On disk (chosen by extension):
/// - **`.npy`**: a 3-D `float64` array of shape `(frames, n, d)`, C order. NumPy reads it
///   with `np.load`; frame `t` is `a[t]`.
/// - **`.csv`**: a header line `frame,point,x0,x1,...`, then one line per point per frame,
///   frame by frame (`frames·n` lines), each `t,i,` followed by the `d` coordinates.
///
/// ```
/// use gradflow::data::Trajectory;
/// // Two frames of three 2D points.
/// let t = Trajectory::new(2, 3, 2, (0..12).map(f64::from).collect())?;
/// assert_eq!(t.frame(1), &[6.0, 7.0, 8.0, 9.0, 10.0, 11.0]);
/// let back = Trajectory::from_npy_bytes(&t.to_npy_bytes())?;
/// assert_eq!(back, t);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    /// Number of frames T.
    pub frames: usize,
    /// Points per frame N.
    pub n: usize,
    /// Dimension d.
    pub d: usize,
    /// The values, `frames × n × d` of them, frame after frame, each frame row-major.
    pub data: Vec<f64>,
}

fn trajectory_err(what: impl Into<String>) -> FormatError {
    FormatError::Trajectory(what.into())
}

impl Trajectory {
    /// A trajectory from its values in `(frames, n, d)` C order; an error unless
    /// `data.len() == frames·n·d`.
    pub fn new(frames: usize, n: usize, d: usize, data: Vec<f64>) -> Result<Self, DataError> {
        let len = frames.checked_mul(n).and_then(|fn_| fn_.checked_mul(d));
        if len != Some(data.len()) {
            return Err(DataError::Shape {
                n: frames.saturating_mul(n),
                d,
                len: data.len(),
            });
        }
        Ok(Self { frames, n, d, data })
    }

    /// Frame `t` as `n × d` row-major values (panics when `t ≥ frames`, like slice indexing).
    pub fn frame(&self, t: usize) -> &[f64] {
        let size = self.n * self.d;
        &self.data[t * size..(t + 1) * size]
    }

    /// Frame `t` as [`Samples`] (panics when `t ≥ frames`).
    pub fn frame_samples(&self, t: usize) -> Samples {
        Samples {
            n: self.n,
            d: self.d,
            data: self.frame(t).to_vec(),
        }
    }

    /// Reads a `.npy` (3-D, `float32` or `float64`) or `.csv` (the layout above) file.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, DataError> {
        read_by_extension(path.as_ref(), Self::from_npy_bytes, Self::from_csv_bytes)
    }

    /// Writes a `.npy` (`float64`, shape `(frames, n, d)`) or `.csv` file, chosen by
    /// extension, atomically (a temporary file renamed over `path`).
    pub fn write(&self, path: impl AsRef<Path>) -> Result<(), DataError> {
        let path = path.as_ref();
        let bytes = match format_of(path)? {
            Format::Npy => self.to_npy_bytes(),
            Format::Csv => self.to_csv_string().into_bytes(),
        };
        write_atomic(path, &bytes)
    }

    /// The bytes of a C-order `float64` `.npy` file of shape `(frames, n, d)`.
    pub fn to_npy_bytes(&self) -> Vec<u8> {
        npy::encode_nd(&[self.frames, self.n, self.d], &self.data, NpyDtype::F64)
    }

    /// Parses a 3-D `.npy` file (`float32` or `float64`, C or Fortran order).
    pub fn from_npy_bytes(bytes: &[u8]) -> Result<Self, FormatError> {
        let (shape, data) = npy::decode_nd(bytes)?;
        let [frames, n, d] = shape[..] else {
            return Err(trajectory_err(format!(
                ".npy array has shape {shape:?}: expected 3 dimensions (frames, points, d)"
            )));
        };
        Ok(Self { frames, n, d, data })
    }

    /// The CSV text: the header `frame,point,x0,...`, then `t,i,` and the coordinates of
    /// point `i` at frame `t`, frame by frame; values in Rust's round-trip form.
    pub fn to_csv_string(&self) -> String {
        let mut out = String::with_capacity(32 + self.data.len() * 20);
        out.push_str("frame,point");
        for k in 0..self.d {
            // Writing to a String cannot fail.
            let _ = write!(out, ",x{k}");
        }
        out.push('\n');
        for (row, values) in self.data.chunks_exact(self.d.max(1)).enumerate() {
            let (t, i) = (row / self.n.max(1), row % self.n.max(1));
            let _ = write!(out, "{t},{i}");
            for v in values {
                let _ = write!(out, ",{v:?}");
            }
            out.push('\n');
        }
        out
    }

    /// Parses the CSV layout written by [`Trajectory::to_csv_string`]: every frame must list
    /// its points `0..n` in order, and the frames must come in order `0..frames`.
    pub fn from_csv_bytes(bytes: &[u8]) -> Result<Self, FormatError> {
        let table = Samples::from_csv_bytes(bytes)?;
        if table.n == 0 {
            return Ok(Self {
                frames: 0,
                n: 0,
                d: 0,
                data: Vec::new(),
            });
        }
        if table.d < 3 {
            return Err(trajectory_err(format!(
                "CSV has {} columns: expected frame, point and at least one coordinate",
                table.d
            )));
        }
        let d = table.d - 2;
        // Points per frame: the number of leading rows of frame 0.
        let n = table.rows().take_while(|r| r[0] == 0.0).count();
        if !table.n.is_multiple_of(n) {
            return Err(trajectory_err(format!(
                "{} rows are not a whole number of frames of {n} points",
                table.n
            )));
        }
        let mut data = Vec::with_capacity(table.n * d);
        for (row, values) in table.rows().enumerate() {
            let (t, i) = (row / n, row % n);
            if values[0] != t as f64 || values[1] != i as f64 {
                return Err(trajectory_err(format!(
                    "data row {} is frame {}, point {}: expected frame {t}, point {i}",
                    row + 1,
                    values[0],
                    values[1]
                )));
            }
            data.extend_from_slice(&values[2..]);
        }
        Ok(Self {
            frames: table.n / n,
            n,
            d,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use npyz::{Order, WriteOptions, WriterBuilder};

    /// A Fortran-order (2, 3, 4) array (first index fastest) reads back in C order.
    #[test]
    fn fortran_order_npy_is_reordered() {
        let (t_n, n, d) = (2usize, 3usize, 4usize);
        let value = |t: usize, i: usize, k: usize| (100 * t + 10 * i + k) as f64;
        let mut fortran = Vec::new();
        for k in 0..d {
            for i in 0..n {
                for t in 0..t_n {
                    fortran.push(value(t, i, k));
                }
            }
        }
        let mut bytes = Vec::new();
        let mut w = WriteOptions::<f64>::new()
            .default_dtype()
            .order(Order::Fortran)
            .shape(&[t_n as u64, n as u64, d as u64])
            .writer(&mut bytes)
            .begin_nd()
            .unwrap();
        w.extend(fortran).unwrap();
        w.finish().unwrap();
        let traj = Trajectory::from_npy_bytes(&bytes).unwrap();
        assert_eq!((traj.frames, traj.n, traj.d), (t_n, n, d));
        for t in 0..t_n {
            for i in 0..n {
                for k in 0..d {
                    assert_eq!(traj.frame(t)[i * d + k], value(t, i, k));
                }
            }
        }
    }

    #[test]
    fn csv_round_trip_and_bad_layouts() {
        let t = Trajectory::new(3, 2, 1, vec![0.5, -1.0, 2.0, 3.25, 1e-300, 7.0]).unwrap();
        let text = t.to_csv_string();
        assert!(
            text.starts_with("frame,point,x0\n0,0,0.5\n0,1,-1.0\n1,0,"),
            "{text}"
        );
        assert_eq!(Trajectory::from_csv_bytes(text.as_bytes()).unwrap(), t);
        let swapped = "frame,point,x0\n0,0,1\n0,1,2\n1,1,3\n1,0,4\n";
        assert!(matches!(
            Trajectory::from_csv_bytes(swapped.as_bytes()),
            Err(FormatError::Trajectory(_))
        ));
        let two_d = Samples::new(2, 2, vec![0.0; 4])
            .unwrap()
            .to_npy_bytes(NpyDtype::F64);
        assert!(matches!(
            Trajectory::from_npy_bytes(&two_d),
            Err(FormatError::Trajectory(_))
        ));
        assert!(Trajectory::new(2, 2, 2, vec![0.0; 7]).is_err());
    }
}
