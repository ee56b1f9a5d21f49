//! What the device process tests share: starting a device binary and running entry points.

use std::process::{ChildStdin, ChildStdout, Command};

use device::client::{DeviceClient, RunOutcome};

/// A client of a device process.
pub type Client = DeviceClient<ChildStdout, ChildStdin>;

/// Starts the device binary `exe` with `args`.
pub fn start(exe: &str, args: &[&str]) -> Client {
    let mut cmd = Command::new(exe);
    cmd.args(args);
    DeviceClient::spawn(cmd).expect("device starts")
}

/// The header of a release image of `architecture` code for the device of `client`, entered
/// at `entry`.
pub fn image_header(
    client: &Client,
    architecture: device::image::Architecture,
    entry: u32,
) -> device::image::Header {
    let map = client.info().map;
    device::image::Header {
        architecture,
        runtime_version: u32::from(device::protocol::VERSION),
        code_base: map.code_base,
        data_base: map.data_base,
        entry,
    }
}

/// The device's error when it is asked to boot an image with `header` but code of
/// `architecture` (and a few bytes of it).
pub fn refusal_of(
    client: &mut Client,
    header: device::image::Header,
    architecture: device::image::Architecture,
) -> String {
    let image = device::image::write::Writer::new(device::image::Header {
        architecture,
        ..header
    })
    .section(device::image::SECTION_CODE, header.code_base, vec![0; 4])
    .finish();
    client
        .boot(&image)
        .expect_err("an image of another architecture is refused")
        .to_string()
}

/// Runs `entry`, collecting output as (stream, text).
pub fn run(client: &mut Client, entry: u32) -> (RunOutcome, Vec<(u8, String)>) {
    let mut out = Vec::new();
    let outcome = client
        .run(entry, |stream, bytes| {
            out.push((stream, String::from_utf8_lossy(bytes).into_owned()))
        })
        .unwrap();
    (outcome, out)
}

/// Runs `strings` (a 4096-byte heap; the entry prints `hello + hello` to stdout and `hello` to
/// stderr) until the heap must have been collected, then checks the statistics, a collection
/// on request, GC stress and a reset.
pub fn strings_are_collected(client: &mut Client, strings: u32) {
    let (outcome, out) = run(client, strings);
    assert_eq!(outcome, RunOutcome::Completed);
    assert_eq!(out, vec![(1, "hellohello\n".into()), (2, "hello\n".into())]);
    let stats = client.heap_stats().unwrap();
    assert_eq!(
        (stats.heap_size, stats.live_objects, stats.in_use),
        (4096, 1, 20)
    );

    // 4096 bytes hold fewer than 300 such strings: without collection this would fail.
    for _ in 0..300 {
        assert_eq!(run(client, strings).0, RunOutcome::Completed);
    }
    let stats = client.heap_stats().unwrap();
    assert!(stats.collections > 0, "{stats:?}");
    assert!(stats.peak <= 4096);
    // No global holds the strings: a collection on request frees every one of them.
    let after = client.collect().unwrap();
    assert_eq!((after.live_objects, after.in_use, after.free), (0, 0, 4096));
    assert_eq!(
        (after.collections, after.peak),
        (stats.collections + 1, stats.peak)
    );

    client.set_gc_stress(true).unwrap();
    assert_eq!(run(client, strings).1[0], (1, "hellohello\n".into()));
    client.reset().unwrap();
    let stats = client.heap_stats().unwrap();
    assert_eq!((stats.live_objects, stats.in_use), (0, 0));
}
