//! Running the `verdict` binary the way a user or a pipeline step does.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use verdict::metrics::Undefined;

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `verdict ARGS...`, run from the repository root.
pub struct Verdict {
    args: Vec<String>,
    envs: Vec<(String, String)>,
    dir: PathBuf,
}

impl Verdict {
    pub fn new() -> Self {
        Verdict {
            args: Vec::new(),
            envs: Vec::new(),
            dir: root().to_path_buf(),
        }
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_string()));
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.envs.push((key.to_string(), value.to_string()));
        self
    }

    /// Fixed leading arguments followed by a list.
    pub fn arg_list<const N: usize>(self, leading: [&str; N], rest: &[String]) -> Self {
        self.args(leading).args(rest)
    }

    pub fn run(self) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_verdict"))
            .args(&self.args)
            .envs(self.envs)
            .current_dir(&self.dir)
            .output()
            .expect("the verdict binary runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit code {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("verdict-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("write temp file");
        path.display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Compares `actual` with the snapshot file, or rewrites it with `VERDICT_BLESS=1`.
pub fn assert_snapshot(path: &Path, actual: &str) {
    if std::env::var_os("VERDICT_BLESS").is_some() {
        std::fs::write(path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}; run with VERDICT_BLESS=1 to create it",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "snapshot {} differs\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

/// splitmix64 (Steele, Lea and Flood 2014): the generator named in quality.json and
/// delong.json, which the reference scripts use too; also drives the simulations.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A double in [0, 1) from the top 53 bits; both conversions are exact.
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1_u64 << 53) as f64)
    }

    /// A standard normal draw (Box-Muller, one of the pair).
    pub fn normal(&mut self) -> f64 {
        let u = 1.0 - self.unit();
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// The reason as the reference scripts write it: the variant and its numeric fields. Free-text
/// fields (`what`) are the Rust side's wording and are not part of the reference.
pub fn undefined_json(reason: &Undefined) -> Value {
    match reason {
        Undefined::Empty => json!({"kind": "Empty"}),
        Undefined::SingleClass { class } => json!({"kind": "SingleClass", "class": class}),
        Undefined::NoPositives => json!({"kind": "NoPositives"}),
        Undefined::NotFinite { count } => json!({"kind": "NotFinite", "count": count}),
        Undefined::ZeroDenominator { .. } => json!({"kind": "ZeroDenominator"}),
        Undefined::ConstantTarget => json!({"kind": "ConstantTarget"}),
        Undefined::OutOfRange { .. } => json!({"kind": "OutOfRange"}),
        Undefined::LengthMismatch { left, right } => {
            json!({"kind": "LengthMismatch", "left": left, "right": right})
        }
        Undefined::IncompatibleStates => json!({"kind": "IncompatibleStates"}),
    }
}

/// A JSON number, or one of the strings the script writes for values JSON cannot hold.
pub fn number(value: &Value) -> f64 {
    match value {
        Value::Number(n) => n.as_f64().expect("a JSON number fits an f64"),
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        other => panic!("expected a number, found {other}"),
    }
}
