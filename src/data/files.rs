//! Which files a slice path means, and their digests.

use std::io::Read;
use std::path::{Path, PathBuf};

use polars::prelude::{PlRefPath, ScanSources};
use sha2::{Digest, Sha256};

use super::DataError;

#[derive(Debug, Clone, serde::Serialize)]
pub struct FileDigest {
    pub path: String,
    pub sha256: String,
}

/// The files a slice path means, hashed.
pub struct Resolved {
    pub files: Vec<FileDigest>,
}

/// The files a slice path means, not yet hashed: `load` hashes them while polars reads them.
pub struct Listed {
    slice: String,
    path: String,
    paths: Vec<PathBuf>,
}

fn io_error(slice: &str, path: &str, reason: String) -> DataError {
    DataError::Io {
        slice: slice.to_string(),
        path: path.to_string(),
        reason,
    }
}

/// Lists and hashes the files of a slice path.
pub fn resolve(slice: &str, path: &str) -> Result<Resolved, DataError> {
    list(slice, path)?.hash()
}

/// A file, a glob (`*`, `?`, `[`) or a folder (every `.parquet` below it, hive folders included).
pub fn list(slice: &str, path: &str) -> Result<Listed, DataError> {
    let io_error = |reason: String| io_error(slice, path, reason);
    let mut paths = if path.contains(['*', '?', '[']) {
        let pattern = glob::glob(path).map_err(|e| io_error(format!("invalid glob: {e}")))?;
        // An unreadable match is an error, not a smaller slice.
        let matched: Vec<PathBuf> = pattern
            .collect::<Result<_, _>>()
            .map_err(|e| io_error(e.to_string()))?;
        matched.into_iter().filter(|p| p.is_file()).collect()
    } else {
        let p = Path::new(path);
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found).map_err(|e| io_error(e.to_string()))?;
            found
        } else if p.is_file() {
            vec![p.to_path_buf()]
        } else {
            Vec::new()
        }
    };
    paths.sort();
    if paths.is_empty() {
        return Err(DataError::NoFiles {
            slice: slice.to_string(),
            path: path.to_string(),
        });
    }
    Ok(Listed {
        slice: slice.to_string(),
        path: path.to_string(),
        paths,
    })
}

/// Every `.parquet` file below `dir`, skipping what writers leave beside the data: hidden
/// files and `_`-prefixed ones (Spark's `_temporary/` of a job still running, `_SUCCESS`).
/// Symbolic links to folders are not followed, so a link loop cannot recurse forever.
fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with(['.', '_']) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            walk(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "parquet") {
            found.push(path);
        }
    }
    Ok(())
}

pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Listed {
    pub fn hash(&self) -> Result<Resolved, DataError> {
        let files = self
            .paths
            .iter()
            .map(|p| {
                Ok(FileDigest {
                    path: p.display().to_string(),
                    sha256: sha256_file(p).map_err(|e| {
                        io_error(&self.slice, &self.path, format!("{}: {e}", p.display()))
                    })?,
                })
            })
            .collect::<Result<_, DataError>>()?;
        Ok(Resolved { files })
    }

    pub fn sources(&self) -> ScanSources {
        let paths: Vec<PlRefPath> = self
            .paths
            .iter()
            .map(|p| PlRefPath::new(p.display().to_string()))
            .collect();
        ScanSources::Paths(paths.into_iter().collect())
    }
}

impl Resolved {
    pub fn combined_sha256(&self) -> String {
        let mut hasher = Sha256::new();
        for file in &self.files {
            hasher.update(file.sha256.as_bytes());
        }
        hex(&hasher.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_lists_its_parquet_files_without_writers_leftovers() {
        let root = std::env::temp_dir().join(format!("verdict-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for dir in ["day=1", "day=2", "_temporary/0", ".hidden"] {
            std::fs::create_dir_all(root.join(dir)).expect("create");
        }
        for file in [
            "day=1/a.parquet",
            "day=2/b.parquet",
            "day=2/.b.parquet.crc",
            "day=2/_SUCCESS",
            "_temporary/0/c.parquet",
            ".hidden/d.parquet",
            "notes.txt",
        ] {
            std::fs::write(root.join(file), b"x").expect("write");
        }
        let listed = list("s", &root.display().to_string()).expect("listed");
        let names: Vec<String> = listed
            .paths
            .iter()
            .map(|p| p.strip_prefix(&root).expect("below").display().to_string())
            .collect();
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(names, ["day=1/a.parquet", "day=2/b.parquet"]);
    }
}
