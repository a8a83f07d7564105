//! The limit on new rows per client IP: at most `limit` new (day, feature, agent) rows per
//! `window` from one IP, so that a client inventing agents cannot grow the table without end
//! (the extension's `insertRateLimits`, 30 per 60 s). Counts on existing rows never ask.
//!
//! A sliding window: each IP keeps the times of its last `limit` new rows. Memory is bounded
//! by the IPs seen within one window; IPs idle for a window are dropped as the map grows.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

#[derive(Debug)]
pub struct NewRowLimiter {
    limit: usize,
    window: Millis,
    recent: HashMap<IpAddr, VecDeque<Millis>>,
    /// The map size at which idle IPs are next swept out.
    sweep_at: usize,
}

impl NewRowLimiter {
    /// `limit` new rows per `window_ms` per IP; a limit of 0 refuses every new row from an
    /// IP (events without one are never limited).
    pub fn new(limit: usize, window_ms: Millis) -> NewRowLimiter {
        NewRowLimiter { limit, window: window_ms.max(1), recent: HashMap::new(), sweep_at: 1024 }
    }

    /// Whether `ip` may create a row at `now`; if so, the row is counted against it.
    pub fn allow(&mut self, ip: IpAddr, now: Millis) -> bool {
        if self.recent.len() >= self.sweep_at {
            let since = now - self.window;
            self.recent.retain(|_, times| times.back().is_some_and(|&t| t > since));
            self.sweep_at = (self.recent.len() * 2).max(1024);
        }
        let times = self.recent.entry(ip).or_default();
        while times.front().is_some_and(|&t| t <= now - self.window) {
            times.pop_front();
        }
        if times.len() >= self.limit {
            return false;
        }
        times.push_back(now);
        true
    }

    /// IPs currently tracked.
    pub fn tracked(&self) -> usize {
        self.recent.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ip_gets_its_limit_per_window_and_others_are_apart() {
        let mut limiter = NewRowLimiter::new(3, 60_000);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "2001:db8::1".parse().unwrap();
        assert!((0..3).all(|i| limiter.allow(a, 1_000 + i)));
        assert!(!limiter.allow(a, 2_000));
        assert!(limiter.allow(b, 2_000), "another IP has its own limit");
        // The window slides: the first new row leaves it 60 s after it was made.
        assert!(!limiter.allow(a, 60_999));
        assert!(limiter.allow(a, 61_000));
        assert!(!limiter.allow(a, 61_000));
        assert!(limiter.allow(a, 61_001), "the second leaves a millisecond later");
    }

    #[test]
    fn idle_ips_are_swept_as_the_map_grows() {
        let mut limiter = NewRowLimiter::new(30, 60_000);
        for i in 0..5_000u32 {
            limiter.allow(IpAddr::from(i.to_be_bytes()), i64::from(i) * 100);
        }
        // 5,000 IPs over 500 s: only those of the last window (600 of them) can be kept,
        // and sweeps happen only when the map doubles.
        assert!(limiter.tracked() < 2 * 1024 + 600, "{}", limiter.tracked());
    }

    #[test]
    fn a_limit_of_zero_refuses_every_new_row() {
        let mut limiter = NewRowLimiter::new(0, 60_000);
        assert!(!limiter.allow(IpAddr::from([192, 0, 2, 1]), 0));
    }
}
