//! Where the Kubernetes API server is and how to authenticate to it: a kubeconfig file (the
//! policy's `kubeconfig`, else `KUBECONFIG`, else `~/.kube/config`; its current context or the
//! policy's `context`), or, with no kubeconfig at all, the pod's service account (in-cluster).
//!
//! Reads files only; never talks to the server. TLS is always verified: a context that asks to
//! skip verification is refused rather than honoured.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::ExecError;
use crate::transport::{Auth, Tls};

const SERVICE: &str = "Kubernetes";
const SERVICE_ACCOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// A resolved connection: everything the client needs, nothing it must look up.
pub struct Cluster {
    pub server: String,
    pub tls: Tls,
    pub auth: Auth,
    /// The context's namespace (or the service account's), used when the policy names none.
    pub namespace: Option<String>,
    /// Where the settings came from, for messages: a kubeconfig path and context, or in-cluster.
    pub source: String,
}

/// What the policy's `serving kserve` block says about the connection.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub kubeconfig: Option<String>,
    pub context: Option<String>,
}

#[derive(Deserialize)]
struct KubeConfig {
    #[serde(default)]
    clusters: Vec<NamedCluster>,
    #[serde(default)]
    users: Vec<NamedUser>,
    #[serde(default)]
    contexts: Vec<NamedContext>,
    #[serde(rename = "current-context")]
    current_context: Option<String>,
}

#[derive(Deserialize)]
struct NamedCluster {
    name: String,
    cluster: ClusterEntry,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ClusterEntry {
    server: String,
    certificate_authority_data: Option<String>,
    certificate_authority: Option<String>,
    #[serde(default)]
    insecure_skip_tls_verify: bool,
}

#[derive(Deserialize)]
struct NamedUser {
    name: String,
    #[serde(default)]
    user: UserEntry,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct UserEntry {
    token: Option<String>,
    #[serde(rename = "tokenFile")]
    token_file: Option<String>,
    client_certificate_data: Option<String>,
    client_certificate: Option<String>,
    client_key_data: Option<String>,
    client_key: Option<String>,
    username: Option<String>,
    password: Option<String>,
    exec: Option<yaml_serde::Value>,
    auth_provider: Option<yaml_serde::Value>,
}

#[derive(Deserialize)]
struct NamedContext {
    name: String,
    context: ContextEntry,
}

#[derive(Deserialize)]
struct ContextEntry {
    cluster: String,
    #[serde(default)]
    user: Option<String>,
    namespace: Option<String>,
}

fn config_error(message: String, help: Option<&str>) -> ExecError {
    ExecError::Config {
        service: SERVICE,
        message,
        help: help.map(str::to_string),
    }
}

/// Finds and reads the configuration.
pub fn load(selection: &Selection) -> Result<Cluster, ExecError> {
    match kubeconfig_path(selection)? {
        Some(path) => from_file(&path, selection.context.as_deref()),
        None => in_cluster(),
    }
}

/// The kubeconfig to read: the policy's, the first file of `KUBECONFIG` that exists, or
/// `~/.kube/config` when it exists; `None` means in-cluster.
fn kubeconfig_path(selection: &Selection) -> Result<Option<PathBuf>, ExecError> {
    if let Some(path) = &selection.kubeconfig {
        return Ok(Some(PathBuf::from(path)));
    }
    if let Ok(list) = std::env::var("KUBECONFIG")
        && !list.is_empty()
    {
        return std::env::split_paths(&list)
            .find(|p| p.is_file())
            .map(Some)
            .ok_or_else(|| {
                config_error(
                    format!("no file of KUBECONFIG=`{list}` exists"),
                    Some("point KUBECONFIG at a kubeconfig file"),
                )
            });
    }
    let home = std::env::var_os("HOME").map(|h| Path::new(&h).join(".kube/config"));
    Ok(home.filter(|p| p.is_file()))
}

fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, ExecError> {
    std::fs::read(path).map_err(|e| {
        config_error(
            format!("cannot read {what} `{}`: {e}", path.display()),
            None,
        )
    })
}

fn from_file(path: &Path, context: Option<&str>) -> Result<Cluster, ExecError> {
    let text = read_file(path, "the kubeconfig")?;
    let config: KubeConfig = yaml_serde::from_slice(&text).map_err(|e| {
        config_error(
            format!("the kubeconfig `{}` is not valid: {e}", path.display()),
            None,
        )
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = context
        .map(str::to_string)
        .or(config.current_context.clone())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            config_error(
                format!("the kubeconfig `{}` has no current-context", path.display()),
                Some("set `context = \"NAME\"` in the policy's serving block"),
            )
        })?;
    let source = format!("kubeconfig `{}`, context `{name}`", path.display());
    let missing = |what: &str, which: &str| {
        config_error(
            format!("{source}: no {what} named `{which}`"),
            Some("`kubectl config view` lists the names the file defines"),
        )
    };
    let ctx = &config
        .contexts
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| missing("context", &name))?
        .context;
    let cluster = &config
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)
        .ok_or_else(|| missing("cluster", &ctx.cluster))?
        .cluster;
    let user = match &ctx.user {
        Some(u) => Some(
            &config
                .users
                .iter()
                .find(|n| &n.name == u)
                .ok_or_else(|| missing("user", u))?
                .user,
        ),
        None => None,
    };
    if cluster.insecure_skip_tls_verify {
        return Err(config_error(
            format!("{source}: insecure-skip-tls-verify is set, and verdict always verifies TLS"),
            Some("give the cluster's certificate-authority-data instead"),
        ));
    }
    if !cluster.server.starts_with("https://") {
        return Err(config_error(
            format!("{source}: the server `{}` is not https", cluster.server),
            None,
        ));
    }
    let root_ca = material(
        cluster.certificate_authority_data.as_deref(),
        cluster.certificate_authority.as_deref(),
        dir,
        "certificate-authority",
        &source,
    )?;
    let (auth, identity) = match user {
        Some(user) => credentials(user, dir, &source)?,
        None => (Auth::None, None),
    };
    Ok(Cluster {
        server: cluster.server.trim_end_matches('/').to_string(),
        tls: Tls { root_ca, identity },
        auth,
        namespace: ctx.namespace.clone(),
        source,
    })
}

/// `X-data` (base64) wins over `X` (a file path, relative to the kubeconfig's folder).
fn material(
    data: Option<&str>,
    file: Option<&str>,
    dir: &Path,
    what: &str,
    source: &str,
) -> Result<Option<Vec<u8>>, ExecError> {
    if let Some(data) = data {
        return base64_decode(data)
            .map(Some)
            .ok_or_else(|| config_error(format!("{source}: {what}-data is not base64"), None));
    }
    file.map(|f| read_file(&dir.join(f), what)).transpose()
}

fn credentials(
    user: &UserEntry,
    dir: &Path,
    source: &str,
) -> Result<(Auth, Option<Vec<u8>>), ExecError> {
    if user.exec.is_some() || user.auth_provider.is_some() {
        return Err(config_error(
            format!("{source}: the user authenticates through an exec plugin or auth provider"),
            Some("verdict reads tokens and client certificates only; use a service-account token"),
        ));
    }
    let cert = material(
        user.client_certificate_data.as_deref(),
        user.client_certificate.as_deref(),
        dir,
        "client-certificate",
        source,
    )?;
    let key = material(
        user.client_key_data.as_deref(),
        user.client_key.as_deref(),
        dir,
        "client-key",
        source,
    )?;
    let identity = match (cert, key) {
        (Some(mut cert), Some(key)) => {
            cert.push(b'\n');
            cert.extend_from_slice(&key);
            Some(cert)
        }
        (None, None) => None,
        _ => {
            return Err(config_error(
                format!("{source}: a client certificate needs both the certificate and its key"),
                None,
            ));
        }
    };
    let token = match (&user.token, &user.token_file) {
        (Some(token), _) => Some(token.clone()),
        (None, Some(file)) => Some(
            String::from_utf8_lossy(&read_file(&dir.join(file), "the token file")?)
                .trim()
                .to_string(),
        ),
        (None, None) => None,
    };
    let auth = match (token, &user.username) {
        (Some(token), _) => Auth::Bearer(token),
        (None, Some(user_name)) => Auth::Basic {
            user: user_name.clone(),
            password: user.password.clone().unwrap_or_default(),
        },
        (None, None) => Auth::None,
    };
    Ok((auth, identity))
}

/// The pod's service account: its token and CA, and the API server from the environment
/// Kubernetes sets in every container.
fn in_cluster() -> Result<Cluster, ExecError> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(host), Some(port)) = (
        env("KUBERNETES_SERVICE_HOST"),
        env("KUBERNETES_SERVICE_PORT"),
    ) else {
        return Err(config_error(
            "no kubeconfig (KUBECONFIG, ~/.kube/config) and not running in a cluster".into(),
            Some("export KUBECONFIG=PATH, or set `kubeconfig = \"PATH\"` in the serving block"),
        ));
    };
    let dir = Path::new(SERVICE_ACCOUNT);
    let token =
        String::from_utf8_lossy(&read_file(&dir.join("token"), "the service-account token")?)
            .trim()
            .to_string();
    let root_ca = read_file(&dir.join("ca.crt"), "the service-account CA")?;
    let namespace = std::fs::read_to_string(dir.join("namespace"))
        .ok()
        .map(|n| n.trim().to_string());
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host
    };
    Ok(Cluster {
        server: format!("https://{host}:{port}"),
        tls: Tls {
            root_ca: Some(root_ca),
            identity: None,
        },
        auth: Auth::Bearer(token),
        namespace,
        source: "the in-cluster service account".into(),
    })
}

/// Standard base64 with padding, as kubeconfig `*-data` fields hold; `None` when malformed.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => continue,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64_decode("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(base64_decode("aGVs\nbG8h"), Some(b"hello!".to_vec()));
        assert_eq!(base64_decode("a*b"), None);
    }

    fn write(dir: &Path, text: &str) -> PathBuf {
        std::fs::create_dir_all(dir).ok();
        let path = dir.join("config");
        std::fs::write(&path, text).ok();
        path
    }

    const CONFIG: &str = "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: aGVsbG8=
users:
- name: u
  user:
    token: secret
contexts:
- name: x
  context:
    cluster: c
    user: u
    namespace: fraud
current-context: x
";

    #[test]
    fn reads_the_current_context() {
        let dir = std::env::temp_dir().join(format!("verdict-kubeconfig-{}", std::process::id()));
        let path = write(&dir, CONFIG);
        let cluster = from_file(&path, None).expect("valid kubeconfig");
        assert_eq!(cluster.server, "https://127.0.0.1:6443");
        assert_eq!(cluster.tls.root_ca.as_deref(), Some(&b"hello"[..]));
        assert!(matches!(cluster.auth, Auth::Bearer(ref t) if t == "secret"));
        assert_eq!(cluster.namespace.as_deref(), Some("fraud"));
        let missing = from_file(&path, Some("other")).err().map(|e| e.to_string());
        assert!(missing.is_some_and(|m| m.contains("no context named `other`")));
        let insecure = CONFIG.replace(
            "certificate-authority-data: aGVsbG8=",
            "insecure-skip-tls-verify: true",
        );
        let path = write(&dir, &insecure);
        let refused = from_file(&path, None).err().map(|e| e.to_string());
        assert!(refused.is_some_and(|m| m.contains("always verifies TLS")));
        std::fs::remove_dir_all(&dir).ok();
    }
}
