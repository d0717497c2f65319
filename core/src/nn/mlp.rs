//! The fixed-size multilayer perceptron: const-generic parameters in memory, evaluated by
//! the one evaluator ([`Network`]) with its scratch on the stack.

use super::{Activation, Dense, Layers, Network};
use crate::error::{Error, fixed, fixed_mut};
use crate::{Energy, Scalar, StreamRng};

/// The parameters of an [`Mlp`], in the order of the flat layout (the model file payload):
///
/// | block | shape | scalars |
/// |---|---|---|
/// | `input.weight` | IN × WIDTH, row-major | IN·WIDTH |
/// | `input.bias` | WIDTH | WIDTH |
/// | `hidden[k].weight`, k = 0..DEPTH | WIDTH × WIDTH, row-major | WIDTH² |
/// | `hidden[k].bias` | WIDTH | WIDTH |
/// | `output.weight` | WIDTH × OUT, row-major | WIDTH·OUT |
/// | `output.bias` | OUT | OUT |
///
/// Weights are in the row-vector convention of [`Dense`] (`y = x·W + b`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct MlpParams<S, const IN: usize, const WIDTH: usize, const DEPTH: usize, const OUT: usize> {
    /// IN → WIDTH, followed by the activation.
    pub input: Dense<S, IN, WIDTH>,
    /// DEPTH layers WIDTH → WIDTH, each followed by the activation.
    pub hidden: [Dense<S, WIDTH, WIDTH>; DEPTH],
    /// WIDTH → OUT, linear.
    pub output: Dense<S, WIDTH, OUT>,
}

impl<S: Scalar, const IN: usize, const WIDTH: usize, const DEPTH: usize, const OUT: usize>
    MlpParams<S, IN, WIDTH, DEPTH, OUT>
{
    /// Number of scalars in the flat layout.
    pub const LEN: usize = IN * WIDTH + WIDTH + DEPTH * (WIDTH * WIDTH + WIDTH) + WIDTH * OUT + OUT;

    /// All zeros (also the starting point for accumulating gradients).
    pub fn zeroed() -> Self {
        Self {
            input: Dense::zeroed(),
            hidden: [Dense::zeroed(); DEPTH],
            output: Dense::zeroed(),
        }
    }

    /// The parameters as one flat slice, in the documented order.
    pub fn as_flat(&self) -> &[S] {
        const { assert!(size_of::<Self>() == Self::LEN * size_of::<S>()) };
        // SAFETY: `Self` is `repr(C)` and made only of arrays of `S` (through `Dense`, also
        // `repr(C)` arrays of `S`). Every field has the alignment of `S` and a size that is a
        // multiple of it, so there is no padding: the struct is exactly `LEN` consecutive,
        // initialised `S` values (the const assertion above checks the size). The borrow of
        // `self` covers the whole slice's lifetime.
        unsafe { core::slice::from_raw_parts((self as *const Self).cast::<S>(), Self::LEN) }
    }

    /// The parameters as one mutable flat slice, in the documented order.
    pub fn as_flat_mut(&mut self) -> &mut [S] {
        const { assert!(size_of::<Self>() == Self::LEN * size_of::<S>()) };
        // SAFETY: as in `as_flat`; the exclusive borrow of `self` makes the slice the only
        // access path for its lifetime, and any `S` bit pattern written through it is valid.
        unsafe { core::slice::from_raw_parts_mut((self as *mut Self).cast::<S>(), Self::LEN) }
    }

    /// Overwrites every weight with N(0, 1/fan_in) (LeCun normal) and every bias with 0,
    /// drawing from `rng` in flat-layout order.
    pub fn init_lecun_normal(&mut self, rng: &mut StreamRng) {
        fn fill<S: Scalar, const I: usize, const O: usize>(
            layer: &mut Dense<S, I, O>,
            rng: &mut StreamRng,
        ) {
            let scale = S::ONE / S::from_usize(I).sqrt();
            for w in layer.weight.iter_mut().flatten() {
                *w = scale * rng.normal::<S>();
            }
            layer.bias = [S::ZERO; O];
        }
        fill(&mut self.input, rng);
        for layer in self.hidden.iter_mut() {
            fill(layer, rng);
        }
        fill(&mut self.output, rng);
    }
}

/// A multilayer perceptron ℝ^IN → ℝ^OUT with DEPTH + 1 hidden layers of WIDTH units:
/// IN → WIDTH, then DEPTH times WIDTH → WIDTH, each followed by `activation`, then a linear
/// WIDTH → OUT layer. `Mlp<f32, 2, 64, 1, 1>` is the 2→64→64→1 energy of the benchmark.
///
/// Fixed size, no heap: the whole network lives inline (put large ones in a `static` or a
/// `Box`). With OUT = 1 it is an [`Energy`]; [`super::TimeMlp`] makes a velocity field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mlp<S, const IN: usize, const WIDTH: usize, const DEPTH: usize, const OUT: usize> {
    /// Weights and biases.
    pub params: MlpParams<S, IN, WIDTH, DEPTH, OUT>,
    /// The activation after every hidden layer.
    pub activation: Activation,
}

/// The scratch of [`Mlp::vjp`], on the stack: σ(z) and σ′(z) of every hidden layer (the
/// tape, in the [`Network`] layout: each layer's activations, then their derivatives),
/// then two work rows: 2·(DEPTH + 2)·WIDTH scalars.
#[repr(C)]
struct VjpScratch<S, const WIDTH: usize, const DEPTH: usize> {
    first: [[S; WIDTH]; 2],
    hidden: [[[S; WIDTH]; 2]; DEPTH],
    work: [[S; WIDTH]; 2],
}

impl<S: Scalar, const WIDTH: usize, const DEPTH: usize> VjpScratch<S, WIDTH, DEPTH> {
    const LEN: usize = 2 * (DEPTH + 2) * WIDTH;

    fn zeroed() -> Self {
        Self {
            first: [[S::ZERO; WIDTH]; 2],
            hidden: [[[S::ZERO; WIDTH]; 2]; DEPTH],
            work: [[S::ZERO; WIDTH]; 2],
        }
    }

    fn as_flat_mut(&mut self) -> &mut [S] {
        const { assert!(size_of::<Self>() == Self::LEN * size_of::<S>()) };
        // SAFETY: `Self` is `repr(C)` and made only of arrays of `S`, so it has no padding
        // (the const assertion checks the size): it is exactly `LEN` consecutive,
        // initialised `S` values. The exclusive borrow of `self` makes the slice the only
        // access path for its lifetime, and any `S` bit pattern written through it is valid.
        unsafe { core::slice::from_raw_parts_mut((self as *mut Self).cast::<S>(), Self::LEN) }
    }
}

/// The architecture of an [`Mlp`]: IN → WIDTH, DEPTH times WIDTH → WIDTH, WIDTH → OUT.
impl<S, const IN: usize, const WIDTH: usize, const DEPTH: usize, const OUT: usize> Layers
    for Mlp<S, IN, WIDTH, DEPTH, OUT>
{
    #[inline(always)]
    fn n_layers(&self) -> usize {
        DEPTH + 2
    }

    #[inline(always)]
    fn layer_dims(&self, k: usize) -> (usize, usize) {
        let i = if k == 0 { IN } else { WIDTH };
        let o = if k <= DEPTH { WIDTH } else { OUT };
        (i, o)
    }

    #[inline(always)]
    fn activation(&self) -> Activation {
        self.activation
    }
}

impl<S: Scalar, const IN: usize, const WIDTH: usize, const DEPTH: usize, const OUT: usize>
    Mlp<S, IN, WIDTH, DEPTH, OUT>
{
    /// A network with the given parameters.
    pub fn new(params: MlpParams<S, IN, WIDTH, DEPTH, OUT>, activation: Activation) -> Self {
        Self { params, activation }
    }

    /// A network with all parameters zero.
    pub fn zeroed(activation: Activation) -> Self {
        Self::new(MlpParams::zeroed(), activation)
    }

    /// The network as the one evaluator sees it: its architecture and its flat parameters.
    #[inline]
    pub fn network(&self) -> Network<'_, &Self, [S]> {
        Network::new(self, self.params.as_flat())
    }

    /// The network output y(x).
    pub fn forward(&self, x: &[S; IN]) -> [S; OUT] {
        let mut scratch = [[S::ZERO; WIDTH]; 2];
        let mut y = [S::ZERO; OUT];
        self.network()
            .forward_unchecked(x, &mut y, scratch.as_flattened_mut())
            .expect("the scratch fits the widest layer");
        y
    }

    /// Vector–Jacobian product: returns y(x), writes `grad_x = (∂y/∂x)ᵀ·c` and, when
    /// `grad_params` is given, *adds* `(∂y/∂θ)ᵀ·c` into it (so a batch accumulates into one
    /// buffer; start it from [`MlpParams::zeroed`]).
    ///
    /// With OUT = 1 and c = `[1]` this is the energy and its gradient (the force is its
    /// negative) and the parameter gradient ∇θE used by maximum-likelihood training.
    pub fn vjp(
        &self,
        x: &[S; IN],
        cotangent: &[S; OUT],
        grad_x: &mut [S; IN],
        grad_params: Option<&mut MlpParams<S, IN, WIDTH, DEPTH, OUT>>,
    ) -> [S; OUT] {
        let mut scratch = VjpScratch::<S, WIDTH, DEPTH>::zeroed();
        let mut y = [S::ZERO; OUT];
        self.network().vjp_unchecked(
            x,
            cotangent,
            &mut y,
            grad_x,
            grad_params.map(MlpParams::as_flat_mut),
            scratch.as_flat_mut(),
        );
        y
    }
}

impl<S: Scalar, const IN: usize, const WIDTH: usize, const DEPTH: usize> Energy<S>
    for Mlp<S, IN, WIDTH, DEPTH, 1>
{
    fn dim(&self) -> usize {
        IN
    }

    fn energy(&self, x: &[S]) -> Result<S, Error> {
        Ok(self.forward(fixed("point", x)?)[0])
    }

    fn energy_grad(&self, x: &[S], grad: &mut [S]) -> Result<S, Error> {
        let (x, g) = (fixed("point", x)?, fixed_mut("gradient", grad)?);
        Ok(self.vjp(x, &[S::ONE], g, None)[0])
    }
}
