//! report.html in a real browser: Debian's headless Chromium opens each kind of report from a
//! `file://` URL with every host name unresolvable, logs nothing on the console and takes a
//! screenshot. Without `chromium` on PATH the test is skipped, unless VERDICT_REQUIRE_SERVICES=1
//! (scripts/test installs it). The canary tests open their rollback report the same way
//! (`assert_opens_cleanly`).
//!
//! Console errors are read from Chromium's own log (`--enable-logging=stderr`), where every
//! console message of the page is a `CONSOLE` line. The page has no scripts, so what could
//! reach the console is a refused load: report.html carries a Content-Security-Policy that
//! allows nothing but its inline styles, and Chromium logs each load it refuses. The last
//! test shows that such a refusal does reach the scan.
//!
//! `VERDICT_SCREENSHOTS=DIR` keeps the screenshots in DIR for a person to look at.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::html_report::{
    DRIFTED, POLICY, REGRESSED, SEGMENT_REGRESSED, SEGMENTS_POLICY, report_files,
};
use crate::support::TempDir;

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 2400;
/// A cold start of Chromium on a busy 2-core machine takes a few seconds; this is far above.
const TIMEOUT: Duration = Duration::from_secs(90);

/// `chromium` on PATH; without it the test is skipped, unless VERDICT_REQUIRE_SERVICES=1.
fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|path| path.is_file())
    });
    match found {
        Some(path) => Some(path),
        None if std::env::var("VERDICT_REQUIRE_SERVICES").as_deref() == Ok("1") => {
            panic!("`chromium` is not on PATH; scripts/test installs Debian's chromium package")
        }
        None => {
            eprintln!("skipped: no `chromium` on PATH (apt-get install chromium, or scripts/test)");
            None
        }
    }
}

/// What Chromium did with a page: its console lines and the screenshot it wrote.
struct Opened {
    console: Vec<String>,
    screenshot: PathBuf,
}

/// Opens `page` offline in headless Chromium and takes a screenshot of `WIDTH` × `HEIGHT`.
fn open(chromium: &Path, page: &Path, dir: &Path, name: &str) -> Opened {
    let screenshot = dir.join(format!("{name}.png"));
    let log_path = dir.join(format!("{name}.log"));
    let log = std::fs::File::create(&log_path).expect("create the browser log");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--disable-background-networking",
            // Any host name fails to resolve: a page that reached for the network would show it.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
            "--hide-scrollbars",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.join(format!("{name}-profile")).display()
        ))
        .arg(format!("--window-size={WIDTH},{HEIGHT}"))
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for chromium") {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium took more than {TIMEOUT:?} on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert!(
        status.success(),
        "chromium failed ({status}) on {name}:\n{log}"
    );
    let console = log
        .lines()
        .filter(|line| line.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    Opened {
        console,
        screenshot,
    }
}

/// The width and height in a PNG's header.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 24,
        "{} is not a PNG",
        path.display()
    );
    let number =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    (number(16), number(20))
}

/// Where screenshots go: VERDICT_SCREENSHOTS, or the test's temporary directory.
fn screenshot_dir(temp: &TempDir) -> PathBuf {
    match std::env::var_os("VERDICT_SCREENSHOTS") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir).expect("create VERDICT_SCREENSHOTS");
            dir
        }
        None => temp.0.clone(),
    }
}

/// Opens `html` offline in headless Chromium, asserts that nothing reached the console and that
/// a screenshot of `WIDTH` × `HEIGHT` was taken, and keeps it as `NAME.png` (see
/// `screenshot_dir`). Does nothing without Chromium, unless VERDICT_REQUIRE_SERVICES=1.
pub(crate) fn assert_opens_cleanly(html: &str, name: &str) {
    let Some(chromium) = chromium() else {
        return;
    };
    let temp = TempDir::new(&format!("html-browser-{name}"));
    let shots = screenshot_dir(&temp);
    let page = temp.0.join(format!("{name}.html"));
    std::fs::write(&page, html).expect("write the page");
    let opened = open(&chromium, &page, &temp.0, name);
    assert_eq!(
        opened.console,
        Vec::<String>::new(),
        "{name}: console messages"
    );
    let shot = shots.join(format!("{name}.png"));
    std::fs::rename(&opened.screenshot, &shot)
        .or_else(|_| std::fs::copy(&opened.screenshot, &shot).map(|_| ()))
        .expect("keep the screenshot");
    assert_eq!(png_size(&shot), (WIDTH, HEIGHT), "{name}");
    eprintln!("{name}: {}", shot.display());
}

#[test]
fn reports_open_offline_in_chromium_without_console_errors() {
    let reports: [(&str, Vec<&str>, i32); 4] = [
        ("pass", vec!["gate", POLICY, "--gate", "promote"], 0),
        (
            "blocked",
            vec![
                "gate",
                POLICY,
                "--gate",
                "promote",
                "--challenger",
                REGRESSED,
            ],
            1,
        ),
        (
            "segments",
            vec!["gate", SEGMENTS_POLICY, "--challenger", SEGMENT_REGRESSED],
            1,
        ),
        ("drift", vec!["drift", POLICY, "--current", DRIFTED], 1),
    ];
    for (name, args, code) in reports {
        let (_, html) = report_files(&format!("browser-{name}"), &args, code);
        assert_opens_cleanly(&html, name);
    }
}

#[test]
fn a_load_the_page_did_not_declare_reaches_the_console_scan() {
    let Some(chromium) = chromium() else {
        return;
    };
    let temp = TempDir::new("html-browser-refused");
    let (_, html) = report_files("browser-refused", &["gate", POLICY, "--gate", "promote"], 0);
    let tampered = html.replacen(
        "<body>",
        "<body><img alt=\"\" src=\"https://example.com/pixel.png\">",
        1,
    );
    let page = temp.0.join("tampered.html");
    std::fs::write(&page, tampered).expect("write the page");
    let opened = open(&chromium, &page, &temp.0, "tampered");
    assert!(
        opened
            .console
            .iter()
            .any(|line| line.contains("https://example.com/pixel.png")
                && line.contains("Content Security Policy")),
        "{:?}",
        opened.console
    );
}
