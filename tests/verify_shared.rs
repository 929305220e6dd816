//! Timestamp recipes with replay state shared by processes (`--state-dir`): real `restsign
//! verify` processes racing with one request, and processes killed while checking.

use restsign::{Request, SignedRequest, Signer};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_restsign");
const T: u64 = 1_700_000_000_000;

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("restsign-shared-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // State directories must not be writable by others.
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    TempDir(dir)
}

fn binance_order(quantity: &str) -> SignedRequest {
    let signer = Signer::new("binance", b"key-1", b"secret-1").unwrap();
    let mut request = Request::new("POST", "/api/v3/order");
    request.param("symbol", "BTCUSDT").param("quantity", quantity).time_ms(T);
    signer.sign_request(&request).unwrap()
}

fn verify(dir: &Path, sent: &SignedRequest) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(["verify", "--scheme", "binance", "--key", "key-1", "--secret", "secret-1", "--method", "POST"])
        .args(["--path", "/api/v3/order", "--now", &(T + 1000).to_string(), "--state-dir"])
        .arg(dir)
        .arg("--body")
        .arg(String::from_utf8(sent.body.clone()).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn verdict(dir: &Path, sent: &SignedRequest) -> String {
    let out = verify(dir, sent).output().unwrap();
    String::from_utf8(out.stdout).unwrap() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn of_eight_processes_racing_with_one_request_exactly_one_accepts_it() {
    let dir = temp_dir("race");
    let sent = binance_order("1");
    for round in 0..5 {
        let sent = if round == 0 { sent.clone() } else { binance_order(&format!("1.{round}")) };
        let children: Vec<_> = (0..8).map(|_| verify(&dir.0, &sent).spawn().unwrap()).collect();
        let outputs: Vec<String> =
            children.into_iter().map(|c| String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap()).collect();
        let valid = outputs.iter().filter(|o| o.starts_with("valid")).count();
        let replays = outputs.iter().filter(|o| o.contains("a replay")).count();
        assert_eq!((valid, replays), (1, 7), "round {round}: {outputs:#?}");
    }
}

#[test]
fn a_process_killed_while_checking_leaves_each_request_accepted_at_most_once() {
    let dir = temp_dir("killed");
    let requests: Vec<SignedRequest> = (0..24).map(|i| binance_order(&format!("2.{i}"))).collect();
    // Each request's first check is killed after 0 to ~35 ms: before, during or after its write.
    for (i, sent) in requests.iter().enumerate() {
        let mut child = verify(&dir.0, sent).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_micros(1500 * i as u64));
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let _ = child.wait();
    }
    // Whatever the killed process managed, one more check accepts a request at most once…
    let mut accepted_now = 0;
    for sent in &requests {
        let out = verdict(&dir.0, sent);
        assert!(out.starts_with("valid") || out.contains("a replay"), "{out}");
        accepted_now += usize::from(out.starts_with("valid"));
        // …and from then on it is a replay, in any process.
        let again = verdict(&dir.0, sent);
        assert!(again.contains("a replay"), "{again}");
    }
    println!("{accepted_now} of 24 were still new after their first process was killed");
}
