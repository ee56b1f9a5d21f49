//! Patching a running program from another thread: a [`Patcher`] sends the messages of a patch
//! (`Load`, `StageSlot`, `Commit`) while the [`DeviceClient`](crate::client::DeviceClient)'s
//! run reads the stream; the run passes the device's replies to those messages back to the
//! patcher. A run that ends before every reply came makes the patch's fate unknown: the patcher
//! says so, and the replies still on their way are skipped by the client before it reads the
//! reply of its next request (the host then sends the whole patch again, which is harmless:
//! the same bytes go to the same addresses and the same swaps are committed).

use std::io;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::client::ClientError;
use crate::protocol::message::HostMessage;

/// A reply to a patch message, as the run passes it on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchReply {
    /// `Ack`.
    Ack,
    /// `Error` with its message.
    Refused(String),
    /// The run ended.
    RunEnded,
}

/// What a run and a patcher share.
#[derive(Debug, Default)]
pub struct Shared {
    /// Where the run passes replies to patch messages.
    sender: Option<Sender<PatchReply>>,
    /// Whether a program runs now.
    running: bool,
    /// Replies to patch messages sent during a run that ended first: the client skips them.
    stray: usize,
}

/// The run side of [`Shared`].
pub type RunReplies = Arc<Mutex<Shared>>;

/// Locks `shared` whatever a panicking holder left behind (every field stays meaningful).
pub(crate) fn lock(shared: &RunReplies) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

/// The run begins (`true`) or ends (`false`); an ending run tells the patcher.
pub(crate) fn set_running(shared: &RunReplies, running: bool) {
    let mut s = lock(shared);
    s.running = running;
    if !running && let Some(tx) = &s.sender {
        let _ = tx.send(PatchReply::RunEnded);
    }
}

/// Passes a reply that arrived during a run to the patcher; whether there was one to take it.
pub(crate) fn pass_on(shared: &RunReplies, reply: PatchReply) -> bool {
    match &lock(shared).sender {
        Some(tx) => tx.send(reply).is_ok(),
        None => false,
    }
}

/// How many replies to patch messages of a run that ended before answering them are next in
/// the stream (the client skips them); counts them as gone.
pub(crate) fn take_strays(shared: &RunReplies) -> usize {
    std::mem::take(&mut lock(shared).stray)
}

/// Sends patches to a device while it runs a program.
pub struct Patcher<W: io::Write> {
    pub(crate) writer: Arc<Mutex<io::BufWriter<W>>>,
    pub(crate) shared: RunReplies,
    pub(crate) replies: Receiver<PatchReply>,
}

/// How a patch sent during a run went.
#[derive(Debug)]
pub enum PatchOutcome {
    /// Every message was acknowledged: the device runs the new code.
    Applied,
    /// No program runs: send the patch the ordinary way.
    NotRunning,
    /// The run ended before every reply came: whether the patch took is unknown, so send it
    /// again the ordinary way.
    RunEnded,
}

impl<W: io::Write> Patcher<W> {
    /// A patcher over a client's writer and shared state (see [`crate::client::DeviceClient::patcher`]).
    pub(crate) fn new(writer: Arc<Mutex<io::BufWriter<W>>>, shared: RunReplies) -> Self {
        let (tx, rx) = mpsc::channel();
        lock(&shared).sender = Some(tx);
        Patcher {
            writer,
            shared,
            replies: rx,
        }
    }

    /// Sends `loads` (code and data where nothing refers yet), then stages `swaps` and commits
    /// them, while a program runs; waits for every reply.
    pub fn apply(
        &self,
        loads: &[(u32, &[u8])],
        swaps: &[(u32, u32)],
        max_payload: usize,
    ) -> Result<PatchOutcome, ClientError> {
        let mut messages: Vec<HostMessage<'_>> = Vec::new();
        let chunk = max_payload.saturating_sub(4).max(1);
        for &(addr, bytes) in loads {
            for (i, part) in bytes.chunks(chunk).enumerate() {
                let at = addr.wrapping_add((i * chunk) as u32);
                messages.push(HostMessage::Load {
                    addr: at,
                    bytes: part,
                });
            }
        }
        messages.extend(
            swaps
                .iter()
                .map(|&(slot, addr)| HostMessage::StageSlot { slot, addr }),
        );
        messages.push(HostMessage::Commit {
            count: swaps.len() as u32,
        });
        {
            let s = lock(&self.shared);
            if !s.running {
                return Ok(PatchOutcome::NotRunning);
            }
            // Replies and ends of earlier runs are over.
            while self.replies.try_recv().is_ok() {}
            for m in &messages {
                crate::client::send_on(&self.writer, *m)?;
            }
        }
        let mut refused = None;
        for (answered, _) in messages.iter().enumerate() {
            match self.replies.recv() {
                Ok(PatchReply::Ack) => {}
                Ok(PatchReply::Refused(e)) => {
                    refused.get_or_insert(e);
                }
                Ok(PatchReply::RunEnded) | Err(_) => {
                    lock(&self.shared).stray += messages.len() - answered;
                    return Ok(PatchOutcome::RunEnded);
                }
            }
        }
        match refused {
            None => Ok(PatchOutcome::Applied),
            Some(e) => Err(ClientError::Device(e)),
        }
    }
}

impl<W: io::Write> Drop for Patcher<W> {
    fn drop(&mut self) {
        lock(&self.shared).sender = None;
    }
}
