//! Command-line values for the library's [`Named`] choices: clap lists and parses their
//! names, and `--help` shows them.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use gradflow::names::Named;

/// The value parser of a `T` option.
pub(crate) fn named<T: Named + Clone>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::ALL.iter().map(|v| v.name()))
        .map(|name| T::from_name(&name).expect("clap admits only the listed names"))
}
