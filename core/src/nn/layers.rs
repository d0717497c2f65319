//! The architecture the one evaluator ([`super::Network`]) runs: layer sizes and the
//! activation.

use super::Activation;

/// The architecture of an MLP: `n_layers` affine layers, the activation after every one
/// but the last. Layer k maps `layer_dims(k).0` inputs to `layer_dims(k).1` outputs, and
/// consecutive layers chain (`layer_dims(k).1 == layer_dims(k + 1).0`). There is at least
/// one hidden layer (`n_layers() >= 2`).
pub trait Layers {
    /// Number of affine layers: the hidden layers and the output layer.
    fn n_layers(&self) -> usize;

    /// Size of layer k's input and output (k < `n_layers()`).
    fn layer_dims(&self, k: usize) -> (usize, usize);

    /// The activation after every hidden layer.
    fn activation(&self) -> Activation;

    /// Units in all hidden layers together (an implementation may compute it faster).
    #[inline]
    fn hidden_units(&self) -> usize {
        (0..self.n_layers() - 1).map(|k| self.layer_dims(k).1).sum()
    }

    /// The widest hidden layer, at least 1 (an implementation may compute it faster).
    #[inline]
    fn widest_hidden(&self) -> usize {
        (0..self.n_layers() - 1)
            .map(|k| self.layer_dims(k).1)
            .fold(1, usize::max)
    }
}

impl<L: Layers + ?Sized> Layers for &L {
    #[inline(always)]
    fn n_layers(&self) -> usize {
        (**self).n_layers()
    }

    #[inline(always)]
    fn layer_dims(&self, k: usize) -> (usize, usize) {
        (**self).layer_dims(k)
    }

    #[inline(always)]
    fn activation(&self) -> Activation {
        (**self).activation()
    }

    #[inline(always)]
    fn hidden_units(&self) -> usize {
        (**self).hidden_units()
    }

    #[inline(always)]
    fn widest_hidden(&self) -> usize {
        (**self).widest_hidden()
    }
}
