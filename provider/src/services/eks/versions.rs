//! The Kubernetes versions EKS accepts, and what it allows between a cluster
//! and its managed node groups.
//!
//! The table below is EKS's release calendar as of [`TABLE_DATE`]. It decides
//! only what is certain: a version EKS had stopped accepting before the table
//! was written is an error, and so is anything that is not a Kubernetes 1.x
//! version. What the table cannot know is a warning, never an error: a version
//! newer than its newest row (EKS releases a minor version about every four
//! months, and using it must not wait for a provider release), and a row
//! whose end of extended support has passed since (EKS has moved such dates
//! before; if it refuses, CreateCluster says so).

use std::time::{SystemTime, UNIX_EPOCH};

use tf_provider::{AttributePath, Diagnostics};

use super::validate::parse_version;
use crate::framework::validate::Validator;

/// One Kubernetes minor version on EKS, with its dates (UTC, `YYYY-MM-DD`).
#[derive(Debug, Clone, Copy)]
pub struct EksVersion {
    pub minor: u32,
    pub released: &'static str,
    pub end_of_standard_support: &'static str,
    pub end_of_extended_support: &'static str,
}

/// When [`VERSIONS`] was last checked against EKS's calendar.
pub const TABLE_DATE: &str = "2026-11-25";

/// The calendar as a markdown table, for the limits guide.
pub fn calendar_markdown() -> String {
    let mut out = format!(
        "## EKS versions\n\nThe release calendar `platform_eks_cluster.version` and \
         `platform_eks_node_group.version` are checked against, as of {TABLE_DATE}. Source: {SOURCE}.\n\n\
         | Version | Released | End of standard support | End of extended support |\n|---|---|---|---|\n"
    );
    for v in VERSIONS {
        out.push_str(&format!(
            "| 1.{} | {} | {} | {} |\n",
            v.minor, v.released, v.end_of_standard_support, v.end_of_extended_support
        ));
    }
    out
}

/// Where the dates come from.
pub const SOURCE: &str = "EKS release calendar, https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar (awsdocs/amazon-eks-user-guide `latest/ug/versioning/kubernetes-versions.adoc`, commit 0138560) for 1.29 to 1.34; https://endoflife.date/amazon-eks for 1.35; checked 2026-11-25";

/// EKS's Kubernetes versions, oldest first. A new cluster may use any version
/// in standard or extended support ("You can create new Amazon EKS clusters
/// on any version offered in standard or extended support"); after the end of
/// extended support "you can no longer create new Amazon EKS clusters with
/// the unsupported version".
pub const VERSIONS: &[EksVersion] = &[
    EksVersion {
        minor: 29,
        released: "2024-01-23",
        end_of_standard_support: "2025-03-23",
        end_of_extended_support: "2026-03-23",
    },
    EksVersion {
        minor: 30,
        released: "2024-05-23",
        end_of_standard_support: "2025-07-23",
        end_of_extended_support: "2026-07-23",
    },
    EksVersion {
        minor: 31,
        released: "2024-09-26",
        end_of_standard_support: "2025-11-26",
        end_of_extended_support: "2026-11-26",
    },
    EksVersion {
        minor: 32,
        released: "2025-01-23",
        end_of_standard_support: "2026-03-23",
        end_of_extended_support: "2027-03-23",
    },
    EksVersion {
        minor: 33,
        released: "2025-05-29",
        end_of_standard_support: "2026-07-29",
        end_of_extended_support: "2027-07-29",
    },
    EksVersion {
        minor: 34,
        released: "2025-10-02",
        end_of_standard_support: "2026-12-02",
        end_of_extended_support: "2027-12-02",
    },
    EksVersion {
        minor: 35,
        released: "2026-01-28",
        end_of_standard_support: "2027-03-27",
        end_of_extended_support: "2028-03-27",
    },
];

/// How many minor versions a managed node group's kubelet may lag its
/// cluster ("Starting from Kubernetes version 1.28, kubelet may be up to three
/// minor versions older than kube-apiserver", EKS User Guide, Update existing
/// cluster to new Kubernetes version).
pub const NODE_SKEW: u32 = 3;

/// The oldest version EKS accepted for new clusters when the table was written.
pub fn oldest_accepted() -> &'static EksVersion {
    VERSIONS
        .iter()
        .find(|v| v.end_of_extended_support > TABLE_DATE)
        .unwrap_or(&VERSIONS[VERSIONS.len() - 1])
}

/// Today (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or_default() as i64;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The rule for a Kubernetes major version other than 1.
pub fn major_rule(major: u32, minor: u32) -> Result<(), String> {
    if major == 1 {
        Ok(())
    } else {
        Err(format!(
            "EKS runs Kubernetes 1.x (there is no Kubernetes {major}.x on EKS), got \"{major}.{minor}\""
        ))
    }
}

/// Checks a version a cluster is created with or upgraded to. `Err` is a
/// certain refusal; `Ok(Some(summary, detail))` is a warning.
pub fn cluster_version(major: u32, minor: u32, today: &str) -> Result<Option<(String, String)>, String> {
    major_rule(major, minor)?;
    let oldest = oldest_accepted();
    let newest = VERSIONS[VERSIONS.len() - 1].minor;
    let version = format!("1.{minor}");
    if let Some(row) = VERSIONS.iter().find(|v| v.minor == minor) {
        if row.end_of_extended_support <= TABLE_DATE {
            return Err(format!(
                "EKS no longer accepts {version}: its extended support ended on {}, and new clusters and upgrades need 1.{} or later (EKS release calendar, as of {TABLE_DATE})",
                row.end_of_extended_support, oldest.minor
            ));
        }
        if row.end_of_extended_support <= today {
            return Ok(Some((
                format!("EKS's extended support for {version} ended on {}", row.end_of_extended_support),
                format!(
                    "EKS's release calendar says that extended support for Kubernetes {version} ended on {}; EKS then refuses new clusters on it and upgrades existing ones on its own. Use a newer version; if EKS still accepts {version}, the apply goes ahead.",
                    row.end_of_extended_support
                ),
            )));
        }
        return Ok(None);
    }
    if minor < VERSIONS[0].minor {
        return Err(format!(
            "EKS no longer accepts {version}: new clusters and upgrades need 1.{} or later (EKS release calendar, as of {TABLE_DATE})",
            oldest.minor
        ));
    }
    debug_assert!(minor > newest);
    Ok(Some((
        format!("{version} is newer than the EKS versions this provider knows (up to 1.{newest})"),
        format!(
            "This provider's table of EKS versions was checked on {TABLE_DATE} and ends at 1.{newest}. If EKS offers {version} in this region, the apply goes ahead; if not, CreateCluster or UpdateClusterVersion refuses it with EKS's own message."
        ),
    )))
}

/// Plan-time check of the version a cluster is created with or upgraded to:
/// records an error or a warning on `version`; false after an error.
pub fn check_cluster_version(diags: &mut Diagnostics, version: Option<&str>) -> bool {
    let Some((major, minor)) = version.and_then(|v| parse_version(v).ok()) else {
        return true; // unknown, or already refused by validate
    };
    let path = AttributePath::new("version");
    let mut v = Validator::new(diags);
    match cluster_version(major, minor, &today()) {
        Ok(None) => true,
        Ok(Some((summary, detail))) => {
            v.warning(&path, summary, detail);
            true
        }
        Err(rule) => {
            v.error(&path, rule);
            false
        }
    }
}

/// What a node group's version change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeVersionChange {
    /// CreateNodegroup: EKS accepts only the cluster's version.
    Create,
    /// UpdateNodegroupVersion: to the cluster's version, never back.
    Upgrade { from: (u32, u32) },
    /// No version change: a lag is EKS's state, not this plan's doing.
    Unchanged,
}

/// Checks a node group's version `ng` against its cluster's `cluster`.
/// `cluster_may_step` is true at plan time, when the cluster may still be
/// upgraded one minor version in the same apply (so `ng` = cluster + 1 is
/// decided at apply). `Err` is a refusal; `Ok(Some(..))` a warning.
pub fn node_group_version(
    ng: (u32, u32),
    cluster: (u32, u32),
    change: NodeVersionChange,
    cluster_may_step: bool,
) -> Result<Option<String>, String> {
    let show = |v: (u32, u32)| format!("{}.{}", v.0, v.1);
    let (ngs, cs) = (show(ng), show(cluster));
    if let NodeVersionChange::Upgrade { from } = change {
        if ng < from {
            return Err(format!(
                "EKS cannot roll a node group back to an earlier Kubernetes version: {} to {ngs}",
                show(from)
            ));
        }
    }
    let next = (cluster.0, cluster.1 + 1);
    if ng > cluster && change != NodeVersionChange::Unchanged && !(cluster_may_step && ng == next) {
        let hint = if cluster_may_step {
            format!(
                "; EKS upgrades a cluster one minor version per apply, so the cluster cannot reach {ngs} in this apply"
            )
        } else {
            "; upgrade the cluster first".to_string()
        };
        return Err(format!(
            "must not be newer than its cluster's version ({cs}), got {ngs}{hint}"
        ));
    }
    if ng < cluster && change != NodeVersionChange::Unchanged {
        return Err(format!(
            "must be its cluster's version ({cs}), got {ngs}: EKS creates and upgrades a managed node group only to its cluster's Kubernetes version"
        ));
    }
    if change == NodeVersionChange::Unchanged && ng.0 == cluster.0 && ng.1 + NODE_SKEW < cluster.1 {
        return Ok(Some(format!(
            "{ngs} is {} minor versions behind its cluster ({cs}); EKS allows managed nodes to lag by at most {NODE_SKEW}: set `version = \"{cs}\"`",
            cluster.1 - ng.1
        )));
    }
    Ok(None)
}

/// The version of cluster `cluster`, if it exists and answers.
async fn cluster_version_of(eks: &aws_sdk_eks::Client, cluster: &str) -> Option<(u32, u32)> {
    match super::find::find_cluster(eks, cluster).await {
        Ok(found) => found.and_then(|c| c.version().and_then(|v| parse_version(v).ok())),
        Err(err) => {
            tracing::debug!(cluster, error = %err, "could not read the cluster's version; EKS decides");
            None
        }
    }
}

/// Checks a node group's `version` against its cluster's, read with
/// DescribeCluster: at plan time (`at_apply = false`) when the cluster exists
/// and both are known, and again at apply before anything is made or changed.
/// Records a diagnostic on `version`; false after an error.
pub async fn check_node_group_version(
    diags: &mut Diagnostics,
    eks: &aws_sdk_eks::Client,
    cluster: Option<&str>,
    version: Option<&str>,
    change: NodeVersionChange,
    at_apply: bool,
) -> bool {
    let Some(ng) = version.and_then(|v| parse_version(v).ok()) else {
        return true;
    };
    let path = AttributePath::new("version");
    let mut v = Validator::new(diags);
    // A node group is created or upgraded only to its cluster's version, so
    // the release calendar applies to it as to the cluster, whether or not
    // the cluster exists yet (checked once, at plan time).
    if change != NodeVersionChange::Unchanged && !at_apply {
        match cluster_version(ng.0, ng.1, &today()) {
            Err(rule) => {
                v.error(&path, rule);
                return false;
            }
            Ok(Some((summary, detail))) => v.warning(&path, summary, detail),
            Ok(None) => {}
        }
    }
    let Some(cluster) = cluster else {
        return true;
    };
    let Some(cluster_version) = cluster_version_of(eks, cluster).await else {
        return true; // a cluster made in this apply: checked at apply
    };
    match node_group_version(ng, cluster_version, change, !at_apply) {
        Ok(None) => true,
        Ok(Some(summary)) => {
            v.warning(
                &path,
                summary,
                "EKS's managed nodes may run a Kubernetes version up to 3 minor versions older than their cluster's. Upgrade the node group to the cluster's version.",
            );
            true
        }
        Err(rule) => {
            v.error(&path, format!("{rule} (cluster `{cluster}`)"));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_ordered_and_dated() {
        for pair in VERSIONS.windows(2) {
            assert_eq!(pair[0].minor + 1, pair[1].minor);
            assert!(pair[0].released < pair[1].released);
        }
        for v in VERSIONS {
            assert!(v.released < v.end_of_standard_support && v.end_of_standard_support < v.end_of_extended_support);
        }
        assert_eq!(oldest_accepted().minor, 31);
        assert_eq!(today().len(), 10);
    }

    #[test]
    fn cluster_versions() {
        let on = "2026-11-25";
        assert_eq!(cluster_version(1, 34, on), Ok(None));
        assert_eq!(cluster_version(1, 31, on), Ok(None));
        assert!(
            cluster_version(1, 31, "2026-12-01").unwrap().is_some(),
            "past its end: a warning"
        );
        assert!(cluster_version(1, 30, on)
            .unwrap_err()
            .contains("EKS no longer accepts 1.30"));
        assert!(cluster_version(1, 22, on)
            .unwrap_err()
            .contains("EKS no longer accepts 1.22"));
        assert!(cluster_version(2, 0, on)
            .unwrap_err()
            .contains("EKS runs Kubernetes 1.x"));
        let (summary, _) = cluster_version(1, 37, on).unwrap().unwrap();
        assert!(
            summary.contains("newer than the EKS versions this provider knows"),
            "{summary}"
        );
    }

    #[test]
    fn node_group_versions() {
        use NodeVersionChange::*;
        let c = (1, 33);
        assert_eq!(node_group_version((1, 33), c, Create, false), Ok(None));
        assert_eq!(
            node_group_version((1, 34), c, Create, true),
            Ok(None),
            "the cluster may step first"
        );
        assert!(node_group_version((1, 34), c, Create, false)
            .unwrap_err()
            .contains("newer than its cluster's"));
        assert!(node_group_version((1, 35), c, Create, true)
            .unwrap_err()
            .contains("cannot reach 1.35"));
        assert!(node_group_version((1, 32), c, Create, true)
            .unwrap_err()
            .contains("must be its cluster's version (1.33)"));
        assert!(node_group_version((1, 32), c, Upgrade { from: (1, 31) }, true).is_err());
        assert_eq!(
            node_group_version((1, 33), c, Upgrade { from: (1, 31) }, false),
            Ok(None)
        );
        assert!(node_group_version((1, 30), c, Upgrade { from: (1, 31) }, false)
            .unwrap_err()
            .contains("roll a node group back"));
        assert_eq!(
            node_group_version((1, 30), c, Unchanged, false),
            Ok(None),
            "a lag of 3 is allowed"
        );
        assert!(node_group_version((1, 29), c, Unchanged, false)
            .unwrap()
            .unwrap()
            .contains("at most 3"));
    }
}
