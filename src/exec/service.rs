//! The two services a rollout works with, as small traits: the model registry (aliases and
//! version tags) and the serving system (one InferenceService). The MLflow and KServe clients
//! implement them over HTTP; tests implement them in process to run the decision-plus-effects
//! path without servers. Takes and returns plain values; holds no policy.

use serde_json::Value;

use super::ExecError;
use super::kserve::{InferenceService, Kserve};
use super::mlflow::{Mlflow, ModelVersion};
use crate::transport::PlannedCall;

pub trait Registry {
    /// Writes are recorded, not sent: nothing reads them back.
    fn is_dry_run(&self) -> bool;
    /// The writes a dry run recorded, in order.
    fn planned(&self) -> Vec<PlannedCall>;
    /// The version an alias points at; `None` when it is not set.
    fn alias(&self, model: &str, alias: &str) -> Result<Option<String>, ExecError>;
    fn set_alias(&self, model: &str, alias: &str, version: &str) -> Result<(), ExecError>;
    /// Deleting an alias that is not set succeeds.
    fn delete_alias(&self, model: &str, alias: &str) -> Result<(), ExecError>;
    fn model_version(&self, model: &str, version: &str) -> Result<ModelVersion, ExecError>;
    fn set_version_tag(
        &self,
        model: &str,
        version: &str,
        key: &str,
        value: &str,
    ) -> Result<(), ExecError>;
    /// Where a version's artifacts are, for serving them.
    fn download_uri(&self, model: &str, version: &str) -> Result<String, ExecError>;
}

pub trait Serving {
    /// `namespace/name`.
    fn name(&self) -> String;
    /// The object's API path, for messages.
    fn endpoint(&self) -> String;
    /// The writes a dry run recorded, in order.
    fn planned(&self) -> Vec<PlannedCall>;
    fn get(&self) -> Result<InferenceService, ExecError>;
    /// `patch` guarded by the resourceVersion of `read`: a concurrent edit answers 409.
    /// `None` in a dry run.
    fn patch(
        &self,
        read: &InferenceService,
        patch: &Value,
    ) -> Result<Option<InferenceService>, ExecError>;
}

impl Registry for Mlflow {
    fn is_dry_run(&self) -> bool {
        Mlflow::is_dry_run(self)
    }
    fn planned(&self) -> Vec<PlannedCall> {
        Mlflow::planned(self)
    }
    fn alias(&self, model: &str, alias: &str) -> Result<Option<String>, ExecError> {
        Mlflow::alias(self, model, alias)
    }
    fn set_alias(&self, model: &str, alias: &str, version: &str) -> Result<(), ExecError> {
        Mlflow::set_alias(self, model, alias, version)
    }
    fn delete_alias(&self, model: &str, alias: &str) -> Result<(), ExecError> {
        Mlflow::delete_alias(self, model, alias)
    }
    fn model_version(&self, model: &str, version: &str) -> Result<ModelVersion, ExecError> {
        Mlflow::model_version(self, model, version)
    }
    fn set_version_tag(
        &self,
        model: &str,
        version: &str,
        key: &str,
        value: &str,
    ) -> Result<(), ExecError> {
        Mlflow::set_version_tag(self, model, version, key, value)
    }
    fn download_uri(&self, model: &str, version: &str) -> Result<String, ExecError> {
        Mlflow::download_uri(self, model, version)
    }
}

impl Serving for Kserve {
    fn name(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
    fn endpoint(&self) -> String {
        self.path()
    }
    fn planned(&self) -> Vec<PlannedCall> {
        Kserve::planned(self)
    }
    fn get(&self) -> Result<InferenceService, ExecError> {
        Kserve::get(self)
    }
    fn patch(
        &self,
        read: &InferenceService,
        patch: &Value,
    ) -> Result<Option<InferenceService>, ExecError> {
        Kserve::patch(self, read, patch)
    }
}
