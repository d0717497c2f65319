//! The Adam optimiser on flat parameter slices, with its state exported and imported
//! whole ([`AdamState`]) so that a checkpointed run resumes bit for bit.

/// Adam (Kingma & Ba 2015) with bias correction; its moments live here, the parameters in
/// the caller's slice.
#[derive(Clone, Debug)]
pub struct Adam {
    /// Learning rate α.
    pub lr: f64,
    /// First-moment decay β₁.
    pub beta1: f64,
    /// Second-moment decay β₂.
    pub beta2: f64,
    /// Denominator guard ε.
    pub eps: f64,
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl Adam {
    /// Adam for `n` parameters with learning rate `lr` and the usual β₁ = 0.9, β₂ = 0.999,
    /// ε = 1e-8.
    pub fn new(n: usize, lr: f64) -> Self {
        Self {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            m: vec![0.0; n],
            v: vec![0.0; n],
            t: 0,
        }
    }

    /// The number of parameters it was created for.
    pub fn len(&self) -> usize {
        self.m.len()
    }

    /// Whether it has no parameters.
    pub fn is_empty(&self) -> bool {
        self.m.is_empty()
    }

    /// A copy of its complete state: hyperparameters, moments and step count.
    pub fn state(&self) -> AdamState {
        AdamState {
            lr: self.lr,
            beta1: self.beta1,
            beta2: self.beta2,
            eps: self.eps,
            m: self.m.clone(),
            v: self.v.clone(),
            t: self.t as u64,
        }
    }

    /// The optimiser that continues from `state`: the next [`Adam::step`] is the one the
    /// optimiser that exported it would have taken.
    pub fn from_state(state: AdamState) -> Result<Self, AdamStateError> {
        if state.m.len() != state.v.len() {
            return Err(AdamStateError::LengthMismatch {
                m: state.m.len(),
                v: state.v.len(),
            });
        }
        let t = i32::try_from(state.t).map_err(|_| AdamStateError::StepOutOfRange(state.t))?;
        Ok(Self {
            lr: state.lr,
            beta1: state.beta1,
            beta2: state.beta2,
            eps: state.eps,
            m: state.m,
            v: state.v,
            t,
        })
    }

    /// One descent step on `params` with gradient `grad` (same length as at creation).
    pub fn step(&mut self, params: &mut [f64], grad: &[f64]) {
        assert_eq!(params.len(), self.m.len(), "Adam: parameter count changed");
        assert_eq!(grad.len(), self.m.len(), "Adam: gradient length mismatch");
        self.t += 1;
        let c1 = 1.0 - self.beta1.powi(self.t);
        let c2 = 1.0 - self.beta2.powi(self.t);
        for ((p, g), (m, v)) in params
            .iter_mut()
            .zip(grad)
            .zip(self.m.iter_mut().zip(self.v.iter_mut()))
        {
            *m = self.beta1 * *m + (1.0 - self.beta1) * g;
            *v = self.beta2 * *v + (1.0 - self.beta2) * g * g;
            *p -= self.lr * (*m / c1) / ((*v / c2).sqrt() + self.eps);
        }
    }
}

/// Everything [`Adam`] carries between steps; [`Adam::state`] exports it and
/// [`Adam::from_state`] resumes from it.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamState {
    /// Learning rate α.
    pub lr: f64,
    /// First-moment decay β₁.
    pub beta1: f64,
    /// Second-moment decay β₂.
    pub beta2: f64,
    /// Denominator guard ε.
    pub eps: f64,
    /// First moments, one per parameter.
    pub m: Vec<f64>,
    /// Second moments, one per parameter.
    pub v: Vec<f64>,
    /// Steps taken (the bias corrections depend on it).
    pub t: u64,
}

/// Why an [`AdamState`] cannot be resumed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AdamStateError {
    /// The two moment vectors differ in length.
    LengthMismatch {
        /// Length of the first moments.
        m: usize,
        /// Length of the second moments.
        v: usize,
    },
    /// The step count is beyond what the bias correction handles (2³¹ − 1).
    StepOutOfRange(u64),
}

impl std::fmt::Display for AdamStateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::LengthMismatch { m, v } => {
                write!(f, "Adam state: {m} first moments but {v} second moments")
            }
            Self::StepOutOfRange(t) => write!(f, "Adam state: step count {t} is out of range"),
        }
    }
}

impl std::error::Error for AdamStateError {}

#[cfg(test)]
mod tests {
    use super::{Adam, AdamStateError};

    /// Exporting the state mid-run and resuming from it gives the same parameters, bit for
    /// bit, as never stopping.
    #[test]
    fn state_round_trip_resumes_bit_for_bit() {
        let grad = |p: &[f64]| -> Vec<f64> { p.iter().map(|x| 3.0 * x - 1.0).collect() };
        let (mut a, mut pa) = (Adam::new(4, 0.01), vec![0.5, -1.0, 2.0, 0.0]);
        let mut pb = pa.clone();
        for _ in 0..10 {
            let g = grad(&pa);
            a.step(&mut pa, &g);
        }
        pb.copy_from_slice(&pa);
        let mut b = Adam::from_state(a.state()).unwrap();
        assert_eq!(b.state(), a.state());
        for _ in 0..10 {
            let (ga, gb) = (grad(&pa), grad(&pb));
            a.step(&mut pa, &ga);
            b.step(&mut pb, &gb);
        }
        let bits = |p: &[f64]| p.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&pa), bits(&pb));
    }

    #[test]
    fn inconsistent_states_are_refused() {
        let mut s = Adam::new(3, 0.1).state();
        s.v.pop();
        assert_eq!(
            Adam::from_state(s.clone()).unwrap_err(),
            AdamStateError::LengthMismatch { m: 3, v: 2 }
        );
        s.v.push(0.0);
        s.t = u64::MAX;
        assert!(matches!(
            Adam::from_state(s),
            Err(AdamStateError::StepOutOfRange(_))
        ));
    }

    /// On f(p) = ½Σ aᵢ(pᵢ − cᵢ)² Adam must reach the minimiser c.
    #[test]
    fn minimises_a_quadratic() {
        let (a, c) = ([1.0, 10.0, 0.1], [1.0, -2.0, 0.5]);
        let mut p = [0.0; 3];
        let mut adam = Adam::new(3, 0.05);
        for _ in 0..5000 {
            let g: Vec<f64> = (0..3).map(|i| a[i] * (p[i] - c[i])).collect();
            adam.step(&mut p, &g);
        }
        for i in 0..3 {
            assert!((p[i] - c[i]).abs() < 1e-3, "p[{i}] = {}", p[i]);
        }
    }
}
