//! CSV of numbers: decoding with an optional header, encoding in round-trip form.

use std::fmt::Write;

use super::error::FormatError;
use super::samples::Samples;

fn fields(line: &str) -> impl Iterator<Item = &str> {
    line.split(',').map(str::trim)
}

pub(super) fn decode(text: &str) -> Result<Samples, FormatError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(k, l)| (k + 1, l))
        .filter(|(_, l)| !l.trim().is_empty())
        .peekable();
    if let Some((_, first)) = lines.peek()
        && fields(first).any(|f| f.parse::<f64>().is_err())
    {
        lines.next();
    }
    let mut data = Vec::new();
    let mut d = None;
    let mut n = 0;
    for (line, text) in lines {
        let before = data.len();
        for (c, field) in fields(text).enumerate() {
            let value = field.parse::<f64>().map_err(|_| FormatError::CsvNumber {
                line,
                column: c + 1,
                text: field.to_owned(),
            })?;
            data.push(value);
        }
        let found = data.len() - before;
        match d {
            None => d = Some(found),
            Some(expected) if expected != found => {
                return Err(FormatError::CsvRagged {
                    line,
                    found,
                    expected,
                });
            }
            Some(_) => {}
        }
        n += 1;
    }
    Ok(Samples {
        n,
        d: d.unwrap_or(0),
        data,
    })
}

pub(super) fn encode(s: &Samples) -> String {
    let mut out = String::with_capacity(s.data.len() * 20);
    for row in s.rows() {
        for (j, v) in row.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            // Writing to a String cannot fail.
            let _ = write!(out, "{v:?}");
        }
        out.push('\n');
    }
    out
}
