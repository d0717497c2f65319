//! `--device cpu|cuda|auto`: opening the engine's device for a command.

use gradflow_host::engine::{Device, DeviceChoice, EngineError};

/// The device `choice` names, with `threads` CPU threads; `auto`'s fallback to the CPU is
/// said on stderr.
pub(crate) fn open_device(choice: DeviceChoice, threads: usize) -> Result<Device, String> {
    let (device, note) = Device::select(choice, threads).map_err(|e| match e {
        EngineError::Device(why) => format!("--device {choice}: {why}"),
        other => format!("--device {choice}: {other}"),
    })?;
    if let Some(note) = note {
        eprintln!("{note}");
    }
    Ok(device)
}
