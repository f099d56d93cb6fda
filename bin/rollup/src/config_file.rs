//! `--config FILE`: a service's options from a TOML file, under its environment variables and
//! flags.
//!
//! Every service subcommand takes `--config` (or `ROLLUP_CONFIG`). The file's keys are the long
//! flag names with `_` for `-` (`--block-time-ms` is `block_time_ms`); a key the subcommand
//! does not have is an error, so a misspelt option never goes unnoticed. A value from the file
//! applies only where neither a flag nor the option's environment variable gave one: flags
//! win over the environment, which wins over the file, which wins over the default. Values are
//! parsed exactly as the flag's are, so the file and the command line accept the same things.

use anyhow::{Context as _, bail};
use clap::{ArgAction, Parser, parser::ValueSource};
use std::{ffi::OsString, path::PathBuf};

/// The id of the `--config` option.
const CONFIG: &str = "config";

/// Parses the command line `args` as `C`, with the `--config` file of the chosen subcommand
/// merged in. Help, version and malformed flags exit as clap does.
pub(crate) fn parse<C: Parser>(mut args: Vec<OsString>) -> anyhow::Result<C> {
    let mut command = C::command();
    command.build();
    let matches = command.clone().get_matches_from(args.clone());
    let (mut command, mut matches) = (&command, &matches);
    while let Some((name, sub_matches)) = matches.subcommand() {
        command = command.find_subcommand(name).expect("clap matched this subcommand");
        matches = sub_matches;
    }
    if command.get_arguments().any(|arg| arg.get_id() == CONFIG)
        && let Some(path) = matches.get_one::<PathBuf>(CONFIG)
    {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let table: toml::Table = toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        for (key, value) in table {
            let Some(arg) = command.get_arguments().find(|arg| arg.get_id() == key.as_str() && key != CONFIG) else {
                bail!("unknown field `{key}` in {}: `{}` has no such option", path.display(), command.get_name());
            };
            let long = arg.get_long().expect("every option of a service has a long flag");
            // A flag or environment variable wins over the file: for its own option, and over
            // the options it conflicts with (a keystore given in the environment replaces the
            // file's key file).
            let explicit = |id: &str| {
                matches!(matches.value_source(id), Some(ValueSource::CommandLine | ValueSource::EnvVariable))
            };
            let conflicting = command.get_arg_conflicts_with(arg);
            if explicit(&key) || conflicting.iter().any(|other| explicit(other.get_id().as_str())) {
                continue;
            }
            let text = match (arg.get_action(), value) {
                (ArgAction::SetTrue, toml::Value::Boolean(set)) => {
                    if set {
                        args.push(format!("--{long}").into());
                    }
                    continue;
                }
                (_, toml::Value::String(text)) => text,
                (_, toml::Value::Integer(number)) => number.to_string(),
                (_, toml::Value::Float(number)) => number.to_string(),
                (_, toml::Value::Boolean(set)) => set.to_string(),
                (_, other) => {
                    bail!(
                        "`{key}` in {}: expected a string, number or boolean, not {}",
                        path.display(),
                        other.type_str()
                    )
                }
            };
            // `--flag=value`: a value starting with `-` is not taken for another flag.
            args.push(format!("--{long}={text}").into());
        }
    }
    Ok(C::parse_from(args))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cli;

    fn parse_with(file: &str, extra: &[&str]) -> anyhow::Result<Cli> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("service.toml");
        std::fs::write(&path, file).unwrap();
        let mut args: Vec<OsString> = vec!["rollup".into(), "batcher".into(), "--config".into(), path.into()];
        args.extend(extra.iter().map(OsString::from));
        parse(args)
    }

    #[test]
    fn file_values_apply_where_no_flag_is_given() {
        let cli = parse_with(
            "max_in_flight = 3\nconfirmations = 9\ndata_availability = \"blob\"\n",
            &["--confirmations", "5"],
        )
        .unwrap();
        let text = format!("{cli:?}");
        assert!(text.contains("max_in_flight: 3"), "{text}");
        assert!(text.contains("confirmations: 5"), "the flag wins: {text}");
        assert!(text.contains("data_availability: Blob"), "{text}");
    }

    #[test]
    fn a_flag_overrides_the_file_options_it_conflicts_with() {
        let cli = parse_with(
            "batcher_key_file = \"/etc/rollup/keys/batcher.key\"\n",
            &["--batcher-keystore", "/keys/batcher.json"],
        )
        .unwrap();
        let text = format!("{cli:?}");
        assert!(text.contains("batcher_key_file: None"), "{text}");
        assert!(text.contains("batcher_keystore: Some(\"/keys/batcher.json\")"), "{text}");
    }

    #[test]
    fn values_starting_with_a_dash_stay_values() {
        let err = parse_with("database_url = \"-not-a-flag\"\n", &[]);
        let text = format!("{:?}", err.unwrap());
        assert!(text.contains("database_url: \"-not-a-flag\""), "{text}");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let err = parse_with("max_in_flightt = 3\n", &[]).unwrap_err().to_string();
        assert!(err.contains("unknown field `max_in_flightt`"), "{err}");
        let err = parse_with("max_in_flight = [1, 2]\n", &[]).unwrap_err().to_string();
        assert!(err.contains("max_in_flight"), "{err}");
        let err = parse_with("config = \"other.toml\"\n", &[]).unwrap_err().to_string();
        assert!(err.contains("unknown field `config`"), "{err}");
    }

    /// Every config file of `deploy/config/` parses with its subcommand: every key is one of
    /// its options (unknown keys are errors) with a value its flag accepts.
    #[test]
    fn deploy_configs_parse() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/config");
        for service in ["sequencer", "batcher", "fraud-prover"] {
            let path = root.join(format!("{service}.toml"));
            let table: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            assert!(table.len() >= 5, "{} sets its options", path.display());
            let args = vec!["rollup".into(), service.into(), "--config".into(), path.clone().into_os_string()];
            let cli: Cli = parse(args).unwrap_or_else(|err| panic!("{}: {err:#}", path.display()));
            let defaults: Cli = parse(vec!["rollup".into(), service.into()]).unwrap();
            assert_ne!(format!("{cli:?}"), format!("{defaults:?}"), "{} changes options", path.display());
        }
    }
}
