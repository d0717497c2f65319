//! Distances between two samples: exact W2, the debiased Sinkhorn divergence, MMD and the
//! energy distance.
//!
//! Every function takes point sets as row-major `&[f64]` slices of `n × d` coordinates with
//! the dimension `d` given explicitly, and weighs the points uniformly. Bad input (a zero
//! dimension, a length that is not a multiple of `d`, too few points, a NaN or infinite
//! coordinate, a non-positive parameter) gives a [`MetricsError`], never a panic.
//!
//! | metric | function | cost | memory |
//! | --- | --- | --- | --- |
//! | exact W2 (cost ‖x−y‖²) | [`wasserstein2`] | O(n²·d) certificate + sparse assignment | O(n·k) |
//! | debiased Sinkhorn divergence (GeomLoss conventions) | [`sinkhorn_divergence`], [`Sinkhorn`] | O(n·m·d) per iteration | O(n + m) |
//! | MMD² (RBF kernel, unbiased) | [`mmd2_rbf`], [`median_bandwidth`] | O((n + m)²·d) | O(n + m) |
//! | energy distance (U-statistic) | [`energy_distance`] | O((n + m)²·d) | O(n + m) |
//!
//! [`sample_metrics`] reports W2, MMD² and the energy distance, with the per-feature errors
//! of the means and standard deviations, for a model's samples against held-out data.
//!
//! **Threads and determinism.** Double sums and cost scans run on rayon's pool, split by
//! rows: each row is reduced sequentially, and the row results are combined in row order
//! by a fixed pairwise sum. The results are therefore bit-identical for any number of
//! threads.
//!
//! ```
//! use gradflow::metrics::{energy_distance, mmd2_rbf, sinkhorn_divergence, wasserstein2};
//! let x = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
//! let y = [0.5, 0.5, 1.5, 0.5, 0.5, 1.5];
//! let w2 = wasserstein2(&x, &y, 2)?;
//! assert!((w2.w2_squared - 0.5).abs() < 1e-15); // a translated copy: W2² = ‖shift‖²
//! let s = sinkhorn_divergence(&x, &y, 2, 0.1, 1e-10)?;
//! let mmd2 = mmd2_rbf(&x, &y, 2, 1.0)?;
//! let ed = energy_distance(&x, &y, 2)?;
//! assert!(s > 0.0 && mmd2.is_finite() && ed.is_finite());
//! # Ok::<(), gradflow::metrics::MetricsError>(())
//! ```

mod assignment;
mod compare;
mod energy_distance;
mod error;
mod mmd;
mod pair_sums;
mod points;
mod scan;
mod sinkhorn;
mod w2;

pub use compare::{SAMPLE_SINKHORN_BLUR, SampleMetrics, sample_metrics};
pub use energy_distance::energy_distance;
pub use error::MetricsError;
pub use mmd::{MEDIAN_MAX_POINTS, median_bandwidth, mmd2_rbf};
pub(crate) use points::pairwise_sum;
pub use sinkhorn::{Sinkhorn, SinkhornDivergence, sinkhorn_divergence};
pub use w2::{W2, W2Settings, wasserstein2, wasserstein2_with};
