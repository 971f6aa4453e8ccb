//! The plan of `platform_ebs_storage`: defaults, the documents it computes
//! (the key policy, the CSI driver's policy and the StorageClass) and the
//! computed values a plan can know.

use std::collections::BTreeMap;

use serde_json::json;
use tf_provider::value::Value;

use super::{
    EbsStorageState, CSI_ROLE_TAG, DEFAULT_CLASS, DEFAULT_FS_TYPE, DEFAULT_KEY_ROTATION, DEFAULT_RECLAIM,
    DEFAULT_STORAGE_CLASS, DEFAULT_VOLUME_TYPE, DEFAULT_WINDOW,
};
use crate::framework::plan::{
    default_from_config, known_str, known_string_map, known_string_set, planned_policy, to_value_map, ValueStringSet,
};
use crate::framework::tags;
use crate::services::kms::key::{self, KeyPlace};

const USE_ACTIONS: &[&str] = &[
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
];
const GRANT_ACTIONS: &[&str] = &["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"];

pub fn principals(set: &ValueStringSet) -> Option<Vec<String>> {
    known_string_set(set).map(|s| s.into_iter().collect())
}

/// The key policy for this storage.
pub fn key_policy(place: &KeyPlace, admins: &[String], users: &[String]) -> String {
    let via = format!("ec2.{}.amazonaws.com", place.region);
    let mut statements = vec![
        key::root_statement(&place.partition, &place.account),
        json!({
            "Sid": "AllowEBSUseForThisAccount",
            "Effect": "Allow",
            "Principal": { "AWS": "*" },
            "Action": USE_ACTIONS,
            "Resource": "*",
            "Condition": { "StringEquals": { "kms:ViaService": via, "kms:CallerAccount": place.account } },
        }),
        json!({
            "Sid": "AllowEBSGrantsForAWSResources",
            "Effect": "Allow",
            "Principal": { "AWS": "*" },
            "Action": "kms:CreateGrant",
            "Resource": "*",
            "Condition": {
                "StringEquals": { "kms:ViaService": via, "kms:CallerAccount": place.account },
                "Bool": { "kms:GrantIsForAWSResource": "true" },
            },
        }),
    ];
    if !admins.is_empty() {
        statements.push(json!({
            "Sid": "KeyAdministrators",
            "Effect": "Allow",
            "Principal": { "AWS": admins },
            "Action": key::ADMIN_ACTIONS,
            "Resource": "*",
        }));
    }
    if !users.is_empty() {
        statements.push(json!({
            "Sid": "KeyUsers",
            "Effect": "Allow",
            "Principal": { "AWS": users },
            "Action": USE_ACTIONS,
            "Resource": "*",
        }));
        statements.push(json!({
            "Sid": "KeyUsersGrantsForAWSResources",
            "Effect": "Allow",
            "Principal": { "AWS": users },
            "Action": GRANT_ACTIONS,
            "Resource": "*",
            "Condition": { "Bool": { "kms:GrantIsForAWSResource": "true" } },
        }));
    }
    json!({ "Version": "2012-10-17", "Statement": statements }).to_string()
}

/// The CSI driver's rights: keys are selected by alias through a condition,
/// never by naming the alias in `Resource`.
pub fn csi_policy(alias: &str) -> String {
    let by_alias = json!({ "kms:ResourceAliases": alias });
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "UseKeyThroughAlias",
                "Effect": "Allow",
                "Action": USE_ACTIONS,
                "Resource": "*",
                "Condition": { "ForAnyValue:StringEquals": by_alias },
            },
            {
                "Sid": "GrantsForAWSResourcesThroughAlias",
                "Effect": "Allow",
                "Action": GRANT_ACTIONS,
                "Resource": "*",
                "Condition": {
                    "ForAnyValue:StringEquals": by_alias,
                    "Bool": { "kms:GrantIsForAWSResource": "true" },
                },
            },
        ],
    })
    .to_string()
}

/// The inline policy's name on the driver's role, derived from the alias.
pub fn csi_policy_name(alias: &str) -> String {
    let name = alias.trim_start_matches("alias/").replace('/', "-");
    let mut full = format!("platform-ebs-kms-{name}");
    full.truncate(128);
    full
}

fn yaml_str(s: &str) -> String {
    // A JSON string is a valid YAML double-quoted scalar.
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The StorageClass, once everything it names is known.
pub fn manifest(s: &EbsStorageState) -> Option<String> {
    let alias_arn = known_str(&s.alias_arn)?;
    let name = known_str(&s.storage_class_name)?;
    let mut out = String::new();
    out.push_str("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n");
    out.push_str(&format!("  name: {}\n", yaml_str(name)));
    if *s.default_class.as_ref_option()? {
        out.push_str("  annotations:\n    storageclass.kubernetes.io/is-default-class: \"true\"\n");
    }
    out.push_str("provisioner: ebs.csi.aws.com\nvolumeBindingMode: WaitForFirstConsumer\nallowVolumeExpansion: true\n");
    out.push_str(&format!("reclaimPolicy: {}\n", yaml_str(known_str(&s.reclaim_policy)?)));
    out.push_str("parameters:\n");
    out.push_str(&format!("  type: {}\n", yaml_str(known_str(&s.volume_type)?)));
    out.push_str("  encrypted: \"true\"\n");
    out.push_str(&format!("  kmsKeyId: {}\n", yaml_str(alias_arn)));
    out.push_str(&format!(
        "  csi.storage.k8s.io/fstype: {}\n",
        yaml_str(known_str(&s.fs_type)?)
    ));
    match &s.iops {
        Value::Value(iops) => out.push_str(&format!("  iops: \"{iops}\"\n")),
        Value::Unknown => return None,
        Value::Null => {}
    }
    match &s.throughput {
        Value::Value(t) => out.push_str(&format!("  throughput: \"{t}\"\n")),
        Value::Unknown => return None,
        Value::Null => {}
    }
    Some(out)
}

/// `tags_all`: defaults, the resource's own tags, and the role tag.
pub fn planned_tags_all(
    s: &EbsStorageState,
    default_tags: &BTreeMap<String, String>,
) -> Option<BTreeMap<String, String>> {
    let mut all = tags::merge(default_tags, &known_string_map(&s.tags)?);
    all.insert(
        CSI_ROLE_TAG.to_string(),
        known_str(&s.csi_driver_role_name)?.to_string(),
    );
    Some(all)
}

/// Defaults for what the configuration leaves unset.
pub fn plan_defaults(s: &mut EbsStorageState, config: &EbsStorageState) {
    if config.description.is_null() {
        s.description = match known_str(&s.alias_name) {
            Some(alias) => Value::Value(format!("EBS volume encryption ({alias})")),
            None => Value::Unknown,
        };
    }
    default_from_config(
        &mut s.deletion_window_in_days,
        &config.deletion_window_in_days,
        DEFAULT_WINDOW,
    );
    default_from_config(
        &mut s.enable_key_rotation,
        &config.enable_key_rotation,
        DEFAULT_KEY_ROTATION,
    );
    default_from_config(
        &mut s.storage_class_name,
        &config.storage_class_name,
        DEFAULT_STORAGE_CLASS.to_string(),
    );
    default_from_config(&mut s.volume_type, &config.volume_type, DEFAULT_VOLUME_TYPE.to_string());
    default_from_config(&mut s.fs_type, &config.fs_type, DEFAULT_FS_TYPE.to_string());
    default_from_config(
        &mut s.reclaim_policy,
        &config.reclaim_policy,
        DEFAULT_RECLAIM.to_string(),
    );
    default_from_config(&mut s.default_class, &config.default_class, DEFAULT_CLASS);
}

/// Computed values the plan can know: derived from the configuration and,
/// once the key exists, from where it lives.
pub fn plan_computed(
    s: &mut EbsStorageState,
    prior: Option<&EbsStorageState>,
    place: Option<&KeyPlace>,
    default_tags: &BTreeMap<String, String>,
) {
    let alias = known_str(&s.alias_name).map(str::to_string);
    s.csi_policy_name = alias
        .as_deref()
        .map_or(Value::Unknown, |a| Value::Value(csi_policy_name(a)));
    s.iam_policy_json = planned_policy(prior.map(|p| &p.iam_policy_json), alias.as_deref().map(csi_policy));
    let desired_key_policy = match (place, principals(&s.key_administrators), principals(&s.key_users)) {
        (Some(place), Some(admins), Some(users)) => Some(key_policy(place, &admins, &users)),
        _ => None,
    };
    s.key_policy = planned_policy(prior.map(|p| &p.key_policy), desired_key_policy);
    s.alias_arn = match (place, alias.as_deref()) {
        (Some(place), Some(alias)) => Value::Value(place.alias_arn(alias)),
        _ => Value::Unknown,
    };
    s.alias_target_key_id = prior.map_or(Value::Unknown, |p| p.key_id.clone());
    s.tags_all = match planned_tags_all(s, default_tags) {
        Some(all) => match prior {
            Some(p) if p.tags_all == to_value_map(&all) => p.tags_all.clone(),
            _ => to_value_map(&all),
        },
        None => Value::Unknown,
    };
    s.storage_class_manifest = manifest(s).map_or(Value::Unknown, Value::Value);
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn csi_policy_selects_the_key_by_alias_condition_never_by_resource() {
        let doc: serde_json::Value = serde_json::from_str(&csi_policy("alias/ebs")).unwrap();
        for statement in doc["Statement"].as_array().unwrap() {
            assert_eq!(statement["Resource"], "*");
            assert_eq!(
                statement["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"],
                "alias/ebs"
            );
        }
        let grants = &doc["Statement"][1];
        assert_eq!(grants["Condition"]["Bool"]["kms:GrantIsForAWSResource"], "true");
        assert_eq!(grants["Action"], json!(GRANT_ACTIONS));
    }

    #[test]
    fn key_policy_limits_ebs_to_this_account_via_ec2() {
        let place = KeyPlace {
            partition: "aws".into(),
            region: "eu-west-1".into(),
            account: "123456789012".into(),
        };
        let doc: serde_json::Value =
            serde_json::from_str(&key_policy(&place, &[], &["arn:aws:iam::123456789012:role/u".into()])).unwrap();
        let statements = doc["Statement"].as_array().unwrap();
        assert_eq!(statements[0]["Principal"]["AWS"], "arn:aws:iam::123456789012:root");
        let ebs = &statements[1]["Condition"]["StringEquals"];
        assert_eq!(ebs["kms:ViaService"], "ec2.eu-west-1.amazonaws.com");
        assert_eq!(ebs["kms:CallerAccount"], "123456789012");
        assert_eq!(statements[2]["Condition"]["Bool"]["kms:GrantIsForAWSResource"], "true");
        assert!(statements.iter().any(|s| s["Sid"] == "KeyUsers"));
        assert!(!statements.iter().any(|s| s["Sid"] == "KeyAdministrators"));
    }

    /// A planned storage with the defaults, for the unit tests of this folder.
    pub(in crate::services::kms::ebs_storage) fn base() -> EbsStorageState {
        let mut s = EbsStorageState {
            alias_name: Value::Value("alias/ebs".into()),
            csi_driver_role_name: Value::Value("ebs-csi".into()),
            alias_arn: Value::Value("arn:aws:kms:eu-west-1:123456789012:alias/ebs".into()),
            ..Default::default()
        };
        plan_defaults(&mut s, &EbsStorageState::default());
        s
    }

    #[test]
    fn manifest_names_the_alias_arn() {
        let mut s = base();
        s.default_class = Value::Value(true);
        s.iops = Value::Value(4000);
        let m = manifest(&s).unwrap();
        assert!(
            m.contains("kmsKeyId: \"arn:aws:kms:eu-west-1:123456789012:alias/ebs\""),
            "{m}"
        );
        assert!(m.contains("storageclass.kubernetes.io/is-default-class: \"true\""));
        assert!(m.contains("iops: \"4000\"") && !m.contains("throughput"));
    }

    #[test]
    fn policy_names_follow_the_alias() {
        assert_eq!(csi_policy_name("alias/team/ebs"), "platform-ebs-kms-team-ebs");
        assert!(
            crate::framework::validate::iam_policy_name(&csi_policy_name(&format!("alias/{}", "x".repeat(250))))
                .is_ok()
        );
    }
}
