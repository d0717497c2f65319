//! `gradflow train --config run.toml`: any `train` option from a TOML file, the command
//! line overriding it. The file's keys are the long options without their dashes
//! (`eval-every` or `eval_every`); a value is a string, a number, a boolean (a flag: true
//! gives it, false leaves it out) or an array (joined by commas: `widths = [256, 256]`).
//! An option given on the command line replaces the file's (an alias counts as its
//! option: the command line's `--dataset` replaces the file's `data`).

use std::ffi::OsString;
use std::path::Path;

use clap::CommandFactory;

/// `args` (the whole command line, program name first) with the options of a
/// `train … --config FILE` spliced in after `train`; other command lines unchanged.
pub(crate) fn expand<C: CommandFactory>(args: Vec<OsString>) -> Result<Vec<OsString>, String> {
    if args.get(1).is_none_or(|a| a != "train") {
        return Ok(args);
    }
    let mut file = None;
    for (i, a) in args.iter().enumerate().skip(2) {
        let a = a.to_string_lossy();
        if a == "--config" {
            let path = args.get(i + 1).ok_or("--config needs a file")?;
            file = Some(Path::new(path).to_path_buf());
        } else if let Some(path) = a.strip_prefix("--config=") {
            file = Some(Path::new(path).to_path_buf());
        }
    }
    let Some(file) = file else {
        return Ok(args);
    };
    let known = train_options::<C>();
    let options = options_of(&file, &known, &given_options(&args, &known))
        .map_err(|e| format!("--config {}: {e}", file.display()))?;
    let mut out = args[..2].to_vec();
    out.extend(options.into_iter().map(OsString::from));
    out.extend(args[2..].iter().cloned());
    Ok(out)
}

/// The long options of `gradflow train` without dashes: (a name or an alias, the name).
fn train_options<C: CommandFactory>() -> Vec<(String, String)> {
    let Some(train) = C::command().find_subcommand("train").cloned() else {
        return Vec::new();
    };
    train
        .get_arguments()
        .filter_map(|a| {
            let long = a.get_long()?;
            let aliases = a.get_all_aliases().unwrap_or_default();
            Some(
                std::iter::once(long)
                    .chain(aliases)
                    .map(move |n| (n.to_owned(), long.to_owned())),
            )
        })
        .flatten()
        .collect()
}

/// The name of the option called `name` (itself or an alias) in `known`.
fn canonical<'a>(known: &'a [(String, String)], name: &str) -> Option<&'a str> {
    known
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, long)| long.as_str())
}

/// The long options given on the command line `args` (program and subcommand first), by
/// name.
fn given_options(args: &[OsString], known: &[(String, String)]) -> Vec<String> {
    args.iter()
        .skip(2)
        .filter_map(|a| a.to_str()?.strip_prefix("--"))
        .filter_map(|a| canonical(known, a.split('=').next().unwrap_or(a)))
        .map(str::to_owned)
        .collect()
}

/// The command-line options the TOML file at `path` stands for, checked against `known`,
/// less those in `given` (the command line's, which win).
fn options_of(
    path: &Path,
    known: &[(String, String)],
    given: &[String],
) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        // The TOML error spans several lines (the line, a caret); one is enough.
        e.message().to_owned()
    })?;
    let mut out = Vec::new();
    for (key, value) in &table {
        let name = key.replace('_', "-");
        if name == "config" || name == "method" {
            return Err(format!("`{key}` belongs on the command line"));
        }
        let Some(name) = canonical(known, &name) else {
            return Err(format!(
                "unknown option `{key}` (the keys are `gradflow train` options without their \
                 dashes)"
            ));
        };
        if given.iter().any(|g| g == name) {
            continue;
        }
        let flag = format!("--{name}");
        match value {
            toml::Value::Boolean(true) => out.push(flag),
            toml::Value::Boolean(false) => {}
            toml::Value::Array(items) => {
                let items: Result<Vec<String>, String> = items.iter().map(scalar).collect();
                out.extend([flag, items.map_err(|e| format!("`{key}`: {e}"))?.join(",")]);
            }
            v => out.extend([flag, scalar(v).map_err(|e| format!("`{key}`: {e}"))?]),
        }
    }
    Ok(out)
}

/// A string or number as its command-line text.
fn scalar(v: &toml::Value) -> Result<String, String> {
    match v {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        other => Err(format!(
            "a {} is not an option value (use a string, a number, a boolean or an array)",
            other.type_str()
        )),
    }
}
