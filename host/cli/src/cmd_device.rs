//! `--device cpu|cuda|auto`: opening the engine's device for a command.

use gradflow::engine::cuda::{arch_for, devices, nvrtc_present};
use gradflow::engine::{Device, DeviceChoice};

/// The device `choice` names, with `threads` CPU threads; `auto`'s fallback to the CPU is
/// said on stderr.
pub(crate) fn open_device(choice: DeviceChoice, threads: usize) -> Result<Device, String> {
    let (device, note) =
        Device::select(choice, threads).map_err(|e| format!("--device {choice}: {e}"))?;
    if let Some(note) = note {
        eprintln!("--device {choice}: {note}");
    }
    Ok(device)
}

/// `gradflow devices`: the CUDA devices `--device cuda` can use, or why there are none.
pub(crate) fn list_devices() -> Result<(), String> {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("cpu: {cpus} threads ({})", Device::cpu(0).name());
    match devices() {
        Ok(found) => {
            for d in found {
                let (major, minor) = d.compute_capability;
                println!(
                    "cuda:{}: {}, compute capability {major}.{minor}, {:.1} GiB; kernels compiled \
                     for {} by NVRTC",
                    d.ordinal,
                    d.name,
                    d.total_memory as f64 / (1u64 << 30) as f64,
                    arch_for(major, minor),
                );
            }
        }
        Err(why) => {
            println!("cuda: none ({why})");
            if !nvrtc_present() {
                println!("nvrtc: not found (needed to compile the CUDA kernels at run time)");
            }
        }
    }
    Ok(())
}
