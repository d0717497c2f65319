//! The Adam optimiser on flat parameter slices.

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

#[cfg(test)]
mod tests {
    use super::Adam;

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
