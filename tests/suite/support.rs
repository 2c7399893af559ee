//! Running the `verdict` binary the way a user or a pipeline step does.

use std::path::{Path, PathBuf};
use std::process::Command;

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
