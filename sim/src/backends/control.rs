//! The test's handle on a simulated backend: what the server does with the next connection.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// How a backend treats connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendMode {
    /// Listening and answering.
    Serving,
    /// Not listening: connects are refused.
    Stopped,
    /// Listening but never accepting or answering: probes time out.
    Hung,
}

#[derive(Debug)]
struct State {
    mode: BackendMode,
    status: u16,
    body: Vec<u8>,
    delay: Duration,
    requests: u64,
}

/// Shared, cloneable control of one backend (test code and host software hold clones).
#[derive(Debug, Clone)]
pub struct BackendControl(Rc<RefCell<State>>);

impl Default for BackendControl {
    fn default() -> Self {
        Self::new()
    }
}

impl BackendControl {
    /// A serving backend answering `200` with body `ok\n` at once.
    pub fn new() -> Self {
        BackendControl(Rc::new(RefCell::new(State {
            mode: BackendMode::Serving,
            status: 200,
            body: b"ok\n".to_vec(),
            delay: Duration::ZERO,
            requests: 0,
        })))
    }

    /// Stops listening (connects are refused).
    pub fn stop(&self) {
        self.0.borrow_mut().mode = BackendMode::Stopped;
    }

    /// Listens and answers again.
    pub fn start(&self) {
        self.0.borrow_mut().mode = BackendMode::Serving;
    }

    /// Keeps listening but never accepts or answers.
    pub fn hang(&self) {
        self.0.borrow_mut().mode = BackendMode::Hung;
    }

    /// Delays every accept (TCP) or answer (HTTP) by `delay`.
    pub fn slow(&self, delay: Duration) {
        self.0.borrow_mut().delay = delay;
    }

    /// Answers HTTP requests with `status`.
    pub fn answer(&self, status: u16) {
        self.0.borrow_mut().status = status;
    }

    /// Answers HTTP requests with `body`.
    pub fn set_body(&self, body: &[u8]) {
        self.0.borrow_mut().body = body.to_vec();
    }

    /// Current mode.
    pub fn mode(&self) -> BackendMode {
        self.0.borrow().mode
    }

    /// Current delay.
    pub fn delay(&self) -> Duration {
        self.0.borrow().delay
    }

    /// The HTTP response to send now: status and body.
    pub fn response(&self) -> (u16, Vec<u8>) {
        let state = self.0.borrow();
        (state.status, state.body.clone())
    }

    /// Requests (HTTP) or connections (TCP) served so far.
    pub fn requests(&self) -> u64 {
        self.0.borrow().requests
    }

    pub(crate) fn count_request(&self) {
        self.0.borrow_mut().requests += 1;
    }
}
