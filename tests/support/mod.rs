//! Shared by the integration tests: a seeded generator (no test depends on chance) and helpers.
#![allow(dead_code)]

/// The seven seed schemes (SCHEMES.md), in the order the C API lists them first.
pub const SEEDS: [&str; 7] = ["apiauth", "poloniex", "mtgox-v1", "mtgox-v2", "mtgox-stream", "coinpayments", "viabtc"];

/// splitmix64: small, seedable, good enough to spread test inputs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }

    /// Text mixing ASCII (form-special characters included), Latin-1, CJK and astral characters.
    pub fn unicode(&mut self, chars: usize) -> String {
        (0..chars)
            .map(|_| {
                let ranges: [(u32, u32); 5] =
                    [(0x20, 0x7f), (0x0, 0x20), (0xa0, 0x250), (0x4e00, 0x9fff), (0x1f300, 0x1faff)];
                let (lo, hi) = ranges[self.below(ranges.len() as u64) as usize];
                char::from_u32(lo + self.below(u64::from(hi - lo)) as u32).unwrap_or('?')
            })
            .collect()
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs `python3 -c script`, feeding `input`, and returns its stdout.
pub fn python(script: &str, input: &str) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 is needed for the cross-checks");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "python3 failed");
    String::from_utf8(out.stdout).unwrap()
}
