//! Where a request's time comes from.
//!
//! [`PatchRequest::run`](crate::PatchRequest::run) reads its [`Clock`] once
//! and stamps every `managedFields` entry the request writes with that one
//! instant; ownership tracking ([`managed`](crate::managed)) takes the time as
//! a value and never reads a clock itself.
//!
//! ```
//! use kubepatch::{Clock, FixedClock, PatchParams, PatchRequest};
//!
//! let clock = FixedClock("2030-01-01T00:00:00Z".parse().unwrap());
//! let body = br#"{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"a","labels":{"x":"1"}}}"#;
//! let out = PatchRequest::new("application/apply-patch+yaml", body)
//!     .params(PatchParams::apply("ctrl"))
//!     .clock(&clock)
//!     .run()
//!     .unwrap();
//! assert_eq!(out.object["metadata"]["managedFields"][0]["time"], "2030-01-01T00:00:00Z");
//! ```

/// The time source for `managedFields` timestamps.
///
/// ```
/// use kubepatch::{Clock, FixedClock};
/// let clock = FixedClock("2030-01-01T00:00:00Z".parse().unwrap());
/// assert_eq!(clock.now().to_string(), "2030-01-01T00:00:00Z");
/// ```
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> jiff::Timestamp;
}

/// The system clock.
///
/// ```
/// use kubepatch::{Clock, SystemClock};
/// let before = jiff::Timestamp::now();
/// assert!(SystemClock.now() >= before);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::now()
    }
}

/// A clock stopped at one instant, for reproducible output.
///
/// ```
/// use kubepatch::{Clock, FixedClock};
/// let clock = FixedClock(jiff::Timestamp::UNIX_EPOCH);
/// assert_eq!(clock.now(), clock.now());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub jiff::Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> jiff::Timestamp {
        self.0
    }
}
