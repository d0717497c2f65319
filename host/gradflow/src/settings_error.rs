//! [`SettingError`]: a setting out of its domain, named by its field.

use std::fmt;

/// A setting (a field of a settings struct, or a named argument) whose value is out of its
/// domain. `field` is the library's name for it, so that a front end can name the setting
/// its own way (a command-line flag, say). It displays as `"{field} {problem}"`, one line.
#[derive(Clone, Debug, PartialEq)]
pub struct SettingError {
    /// The setting's field name, with its path inside nested settings (`lr`, `widths`,
    /// `nsgf.steps`, `frames`).
    pub field: &'static str,
    /// What is wrong with its value, a phrase that follows the name
    /// (`"0 must be finite and > 0"`).
    pub problem: String,
}

impl SettingError {
    /// The setting `field` is out of its domain, for the reason `problem` (a phrase that
    /// follows the field's name).
    pub fn new(field: &'static str, problem: impl Into<String>) -> Self {
        Self {
            field,
            problem: problem.into(),
        }
    }
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.problem)
    }
}

impl std::error::Error for SettingError {}

#[cfg(test)]
mod tests {
    use super::SettingError;

    #[test]
    fn displays_the_field_then_the_problem() {
        let e = SettingError::new("lr", "0 must be finite and > 0");
        assert_eq!(e.to_string(), "lr 0 must be finite and > 0");
        assert_eq!(e.field, "lr");
    }
}
