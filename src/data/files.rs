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
        pattern
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect()
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

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
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
