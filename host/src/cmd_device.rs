//! `--device cpu|cuda|auto`: opening the engine's device for a command.

use gradflow_host::engine::{Device, DeviceChoice};

/// The device `choice` names, with `threads` CPU threads; `auto`'s fallback to the CPU is
/// said on stderr.
pub(crate) fn open_device(choice: DeviceChoice, threads: usize) -> Result<Device, String> {
    let (device, note) =
        Device::select(choice, threads).map_err(|e| format!("--device {choice}: {e}"))?;
    if let Some(note) = note {
        eprintln!("{note}");
    }
    Ok(device)
}
