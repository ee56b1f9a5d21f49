//! Serving the protocol over `std` streams while programs run: a reader thread reads and checks
//! every frame; between runs it hands each request to the device's thread and waits until it is
//! served (so replies keep the order of requests), and while a program runs it serves the
//! requests itself through the board's [`RunControl`] ([`serve_during_run`]): `Interrupt` stops
//! the program, anything else is refused with an `Error` reply. Replies of both threads go out
//! whole frames at a time through one shared writer.
//!
//! A board whose programs run on the calling thread (the host port, a simulator) uses
//! [`serve`]; requests that become allowed during a run (loads, function-table swaps) are
//! added to [`RunControl`] and [`serve_during_run`], not here.

use std::io;
use std::sync::{Mutex, MutexGuard, mpsc};

use crate::device::{Device, Port, RunControl, ServeError, serve_during_run};
use crate::protocol::ProtocolError;
use crate::protocol::frame::{Frame, FrameReader};
use crate::protocol::message::HostMessage;
use crate::std_io::FromStd;

/// A received frame, owned, on its way to the device's thread (or why it could not be read).
type Request = Result<(u8, Vec<u8>), ProtocolError<io::Error>>;

/// Serves requests from `input` on `device` until `input` ends, replying on `output`;
/// `max_payload` is the largest request accepted. Programs run on the calling thread; a reader
/// thread keeps reading requests meanwhile and serves them through `control`. When the input
/// ends during a run, the program is interrupted so that the device can stop.
pub fn serve<P, C, R, W>(
    device: &mut Device<P>,
    control: &C,
    input: R,
    output: W,
    max_payload: usize,
) -> Result<(), ServeError<io::Error, io::Error>>
where
    P: Port,
    C: RunControl + Sync,
    R: io::Read + Send,
    W: io::Write + Send,
{
    let output = Mutex::new(output);
    let state = RunState {
        running: Mutex::new(false),
        control,
    };
    let (requests, received) = mpsc::channel::<Request>();
    let (served, done) = mpsc::channel::<()>();
    std::thread::scope(|s| {
        let reader = s.spawn(|| read_requests(input, &state, &output, max_payload, requests, done));
        let mut w = Replies::new(&output);
        let result = (|| {
            for request in received {
                match request {
                    Ok((kind, payload)) => {
                        let frame = Frame {
                            kind,
                            payload: &payload,
                        };
                        match HostMessage::decode(frame) {
                            Ok(HostMessage::Run { entry }) => {
                                state.begin();
                                // The reader now serves what arrives during the run.
                                let _ = served.send(());
                                device.run(entry, &mut w, || state.end())?;
                            }
                            request => {
                                device.serve_request(request, &mut w, max_payload as u32)?;
                                let _ = served.send(());
                            }
                        }
                    }
                    Err(e) => {
                        device.serve_request::<io::Error, _>(Err(e), &mut w, max_payload as u32)?;
                        let _ = served.send(());
                    }
                }
                embedded_io::Write::flush(&mut w)
                    .map_err(|e| ServeError::Write(ProtocolError::Io(e)))?;
            }
            Ok(())
        })();
        // A reply failed: stop the reader from waiting on this thread.
        drop(served);
        let read = reader.join().unwrap_or(Ok(()));
        result.and(read)
    })
}

/// Reads requests until the input ends: serves them during runs, otherwise sends each to the
/// device's thread and waits until it has been served.
fn read_requests<C: RunControl + Sync, R: io::Read, W: io::Write>(
    input: R,
    state: &RunState<'_, C>,
    output: &Mutex<W>,
    max_payload: usize,
    requests: mpsc::Sender<Request>,
    done: mpsc::Receiver<()>,
) -> Result<(), ServeError<io::Error, io::Error>> {
    let mut r = FromStd(io::BufReader::new(input));
    let mut reader = FrameReader::new(vec![0u8; max_payload]);
    let mut w = Replies::new(output);
    loop {
        let frame = match reader.read_frame(&mut r) {
            Err(e @ (ProtocolError::Eof | ProtocolError::Io(_))) => {
                // Nobody can interrupt an endless program any more: stop it.
                state.if_running(|control| control.interrupt());
                if let ProtocolError::Io(e) = e {
                    // The device's thread reports it once the run is over.
                    let _ = requests.send(Err(ProtocolError::Io(e)));
                }
                return Ok(());
            }
            frame => frame,
        };
        let mut reply = Ok(());
        let during_run = state.if_running(|control| {
            let request = match &frame {
                Ok(f) => HostMessage::decode::<()>(*f),
                Err(e) => Err(copy_error(e)),
            };
            reply = serve_during_run(control, request, &mut w)
                .and_then(|()| embedded_io::Write::flush(&mut w).map_err(ProtocolError::Io));
        });
        reply.map_err(ServeError::Write)?;
        if during_run {
            continue;
        }
        let request = frame.map(|f| (f.kind, f.payload.to_vec()));
        if requests.send(request).is_err() || done.recv().is_err() {
            // The device's thread stopped (it reports why).
            return Ok(());
        }
    }
}

/// A copy of a corrupt frame's error (the end of input and I/O failures end reading before
/// they get here).
fn copy_error<E>(e: &ProtocolError<io::Error>) -> ProtocolError<E> {
    match *e {
        ProtocolError::Io(_) | ProtocolError::Eof | ProtocolError::Truncated => {
            ProtocolError::Truncated
        }
        ProtocolError::Garbage { skipped } => ProtocolError::Garbage { skipped },
        ProtocolError::Oversize { len } => ProtocolError::Oversize { len },
        ProtocolError::BadCrc => ProtocolError::BadCrc,
        ProtocolError::BadVersion { version } => ProtocolError::BadVersion { version },
        ProtocolError::UnknownType { kind } => ProtocolError::UnknownType { kind },
        ProtocolError::Malformed { kind } => ProtocolError::Malformed { kind },
    }
}

/// Whether a program runs, and the board's control over it.
struct RunState<'c, C> {
    running: Mutex<bool>,
    control: &'c C,
}

impl<C: RunControl> RunState<'_, C> {
    fn lock(&self) -> MutexGuard<'_, bool> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A run starts: from now on the reader serves requests itself.
    fn begin(&self) {
        let mut running = self.lock();
        self.control.clear_interrupt();
        *running = true;
    }

    /// The run stopped (before its reply goes out): requests go to the device's thread again,
    /// and an interrupt that came too late is forgotten.
    fn end(&self) {
        let mut running = self.lock();
        *running = false;
        self.control.clear_interrupt();
    }

    /// Calls `f` if a program runs (the run cannot end meanwhile); whether it did.
    fn if_running(&self, f: impl FnOnce(&C)) -> bool {
        let running = self.lock();
        if *running {
            f(self.control);
        }
        *running
    }
}

/// One thread's replies: collected, then written whole to the shared output on `flush`, so that
/// the frames of two threads never interleave.
struct Replies<'o, W> {
    output: &'o Mutex<W>,
    pending: Vec<u8>,
}

impl<'o, W: io::Write> Replies<'o, W> {
    fn new(output: &'o Mutex<W>) -> Self {
        Replies {
            output,
            pending: Vec::new(),
        }
    }
}

impl<W> embedded_io::ErrorType for Replies<'_, W> {
    type Error = io::Error;
}

impl<W: io::Write> embedded_io::Write for Replies<'_, W> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, io::Error> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), io::Error> {
        let mut out = self.output.lock().unwrap_or_else(|e| e.into_inner());
        let result = out.write_all(&self.pending).and_then(|()| out.flush());
        self.pending.clear();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::ErrorKind;
    use crate::device::{Fault, LoadError, OutputSink};
    use crate::error::RuntimeError;
    use crate::memory::tests::{small_map, test_memory};
    use crate::protocol::message::DeviceMessage;
    use crate::runtime::Runtime;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// A board whose programs print `spinning` and then run until interrupted.
    struct SpinPort(Arc<AtomicBool>);

    impl Port for SpinPort {
        fn board_name(&self) -> &[u8] {
            b"spin"
        }
        fn function_slots(&self) -> u32 {
            1
        }
        fn architecture(&self) -> crate::image::Architecture {
            crate::image::Architecture::X86_64
        }
        fn load_code(&mut self, _addr: u32, _bytes: &[u8]) -> Result<(), LoadError> {
            Ok(())
        }
        fn set_slot(&mut self, _slot: u32, _addr: u32) -> Result<(), LoadError> {
            Ok(())
        }
        fn clear_slots(&mut self) {}
        fn run(&mut self, _: u32, _: &mut Runtime, out: &mut dyn OutputSink) -> Result<(), Fault> {
            out.output(1, b"spinning\n");
            while !self.0.load(Ordering::SeqCst) {
                std::thread::yield_now();
            }
            Err(Fault {
                error: RuntimeError::interrupted(),
                code_addr: 0,
            })
        }
    }

    /// The interrupt flag of [`SpinPort`].
    struct Flag(Arc<AtomicBool>);

    impl RunControl for Flag {
        fn interrupt(&self) {
            self.0.store(true, Ordering::SeqCst);
        }
        fn clear_interrupt(&self) {
            self.0.store(false, Ordering::SeqCst);
        }
        fn load(&self, _addr: u32, _bytes: &[u8]) -> Result<(), LoadError> {
            Err(LoadError::Unsupported("patches on the spinning test board"))
        }
        fn stage_slot(&self, _slot: u32, _addr: u32) -> Result<(), LoadError> {
            Err(LoadError::Unsupported("patches on the spinning test board"))
        }
        fn commit(&self, _count: u32) -> Result<(), LoadError> {
            Err(LoadError::Unsupported("patches on the spinning test board"))
        }
    }

    /// Serves `requests` (then the end of input) on a spinning board; returns the replies as
    /// text.
    fn serve_all(requests: &[HostMessage<'_>]) -> Vec<String> {
        let map = small_map(1024);
        let flag = Arc::new(AtomicBool::new(false));
        let mut device = Device::new(
            SpinPort(Arc::clone(&flag)),
            Runtime::new(test_memory(map)).unwrap(),
        );
        let mut input = Vec::new();
        for r in requests {
            r.write(&mut input).unwrap();
        }
        let mut output = Vec::new();
        serve(&mut device, &Flag(flag), &input[..], &mut output, 1024).unwrap();
        let mut reader = FrameReader::new(vec![0u8; 1024]);
        let mut rest = &output[..];
        let mut replies = Vec::new();
        while let Ok(frame) = reader.read_frame(&mut rest) {
            replies.push(match DeviceMessage::decode::<()>(frame).unwrap() {
                DeviceMessage::Output { bytes, .. } => {
                    format!("output {}", String::from_utf8_lossy(bytes))
                }
                DeviceMessage::Error { message } => {
                    format!("error {}", String::from_utf8_lossy(message))
                }
                DeviceMessage::RuntimeError { kind, .. } => format!("runtime error {kind:?}"),
                other => format!("{other:?}"),
            });
        }
        replies
    }

    #[test]
    fn requests_during_a_run_are_refused_until_an_interrupt_stops_it() {
        let entry = small_map(1024).code_base;
        let replies = serve_all(&[
            HostMessage::Interrupt,
            HostMessage::Run { entry },
            HostMessage::HeapStats,
            HostMessage::Interrupt,
        ]);
        assert_eq!(replies.len(), 3, "{replies:?}");
        // The refusal may come before or after the run's output; everything else is ordered.
        assert!(replies.contains(&"output spinning\n".to_string()));
        assert!(
            replies.contains(
                &"error `HeapStats` is not allowed while a program runs (only `Interrupt` and patches are)"
                    .to_string()
            )
        );
        // The interrupt between runs did nothing; the one during the run stopped it.
        assert_eq!(
            replies[2],
            format!("runtime error {:?}", ErrorKind::Interrupted)
        );
    }

    #[test]
    fn the_end_of_input_interrupts_a_run() {
        let entry = small_map(1024).code_base;
        let replies = serve_all(&[HostMessage::Run { entry }]);
        assert_eq!(
            replies,
            [
                "output spinning\n".to_string(),
                format!("runtime error {:?}", ErrorKind::Interrupted)
            ]
        );
    }
}
