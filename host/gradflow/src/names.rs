//! The names of the library's choices (demo targets, samplers, metrics) as users type them,
//! so that a front end (the `gradflow` binary, a Python package) lists and parses them
//! without a copy of its own.

/// A choice among a fixed set of values, each with a lower-case name.
pub trait Named: Copy + Sized + Send + Sync + 'static {
    /// Every value, in the order they are listed.
    const ALL: &'static [Self];

    /// The value's name, e.g. `jko2`.
    fn name(self) -> &'static str;

    /// The value named `name`, if any.
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.name() == name)
    }
}

/// The samplers by the core's names (`ula`, `mala`, `baoab`, `jko`, `jko2`).
impl Named for gradflow_core::SamplerKind {
    const ALL: &'static [Self] = &Self::ALL;

    fn name(self) -> &'static str {
        gradflow_core::SamplerKind::name(self)
    }
}

/// Implements [`Named`], `FromStr` (an unknown name lists the known ones) and `Display`
/// (the name) for a fieldless enum.
macro_rules! named {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $crate::names::Named for $ty {
            const ALL: &'static [Self] = &[$(Self::$variant),+];

            fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name),+
                }
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = ::std::string::String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <Self as $crate::names::Named>::from_name(s).ok_or_else(|| {
                    let names: &[&str] = &[$($name),+];
                    format!("unknown {} {s:?} (one of {})", stringify!($ty), names.join(", "))
                })
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::names::Named::name(*self))
            }
        }
    };
}
pub(crate) use named;
