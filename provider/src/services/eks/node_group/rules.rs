//! EKS's rules for a node group's AMI release (`release_version`) and
//! launch template (`launch_template`), as checks of single values: the
//! plan applies them with the attribute paths.

/// The kind of AMI a node group runs, which decides what its release
/// versions look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmiFamily {
    /// `AL2_*`, `AL2023_*`, and an unset `ami_type` (EKS picks Amazon Linux):
    /// releases `<Kubernetes version>.<patch>-<YYYYMMDD>`, e.g. `1.33.0-20250704`.
    AmazonLinux,
    /// `BOTTLEROCKET_*`: releases of Bottlerocket itself, e.g. `1.47.0-6154605b`.
    Bottlerocket,
    /// `WINDOWS_*`: the format is not checked.
    Windows,
    /// `CUSTOM`: the launch template's AMI; EKS refuses a release version.
    Custom,
}

impl AmiFamily {
    pub fn of(ami_type: Option<&str>) -> Self {
        match ami_type {
            Some(t) if t.starts_with("BOTTLEROCKET") => Self::Bottlerocket,
            Some(t) if t.starts_with("WINDOWS") => Self::Windows,
            Some("CUSTOM") => Self::Custom,
            _ => Self::AmazonLinux,
        }
    }
}

/// An Amazon Linux AMI release: the Kubernetes version it is for, then the
/// patch and the build date, which order releases of one Kubernetes version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AmazonLinuxRelease {
    pub kubernetes: (u32, u32),
    pub patch: u32,
    pub date: u32,
}

fn digits(s: &str) -> Option<u32> {
    (!s.is_empty() && s.len() <= 9 && s.chars().all(|c| c.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parses `1.33.0-20250704`.
pub fn amazon_linux_release(value: &str) -> Option<AmazonLinuxRelease> {
    let (version, date) = value.split_once('-')?;
    let mut parts = version.split('.');
    let (major, minor, patch) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || date.len() != 8 {
        return None;
    }
    Some(AmazonLinuxRelease {
        kubernetes: (digits(major)?, digits(minor)?),
        patch: digits(patch)?,
        date: digits(date)?,
    })
}

/// A release version as EKS accepts it for `family`; for Amazon Linux, the
/// release parsed.
pub fn release_version(value: &str, family: AmiFamily) -> Result<Option<AmazonLinuxRelease>, String> {
    match family {
        AmiFamily::AmazonLinux => amazon_linux_release(value).map(Some).ok_or_else(|| {
            format!(
                "must be an EKS AMI release such as \"1.33.0-20250704\" (<Kubernetes version>.<patch>-<YYYYMMDD>, \
                 the value of the SSM parameter /aws/service/eks/optimized-ami/<version>/amazon-linux-2023/x86_64/standard/recommended/release_version), got {value:?}"
            )
        }),
        AmiFamily::Bottlerocket => {
            let ok = value.split_once('-').is_some_and(|(version, commit)| {
                let parts: Vec<&str> = version.split('.').collect();
                parts.len() == 3
                    && parts.iter().all(|p| digits(p).is_some())
                    && commit.len() == 8
                    && commit.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
            });
            if ok {
                Ok(None)
            } else {
                Err(format!(
                    "must be a Bottlerocket release such as \"1.47.0-6154605b\" (<Bottlerocket version>-<commit>), got {value:?}"
                ))
            }
        }
        AmiFamily::Windows => {
            if !value.is_empty() && value.len() <= 64 && value.chars().all(|c| c.is_ascii_alphanumeric() || ".-".contains(c)) {
                Ok(None)
            } else {
                Err(format!("must be an EKS Windows AMI release (letters, digits, '.' and '-'), got {value:?}"))
            }
        }
        AmiFamily::Custom => Err(
            "EKS refuses a release version with `ami_type = \"CUSTOM\"`: the launch template's AMI decides; remove `release_version`"
                .to_string(),
        ),
    }
}

/// A release must be for the node group's Kubernetes version.
pub fn release_matches_version(release: &AmazonLinuxRelease, version: (u32, u32)) -> Result<(), String> {
    if release.kubernetes == version {
        Ok(())
    } else {
        let (rm, rn) = release.kubernetes;
        Err(format!(
            "is a release for Kubernetes {rm}.{rn}, but the node group's version is {}.{}: EKS installs only releases of the node group's Kubernetes version; use a {}.{} release (or change `version` too)",
            version.0, version.1, version.0, version.1
        ))
    }
}

/// EKS never moves a node group to an older AMI release.
pub fn release_not_older(
    from: &AmazonLinuxRelease,
    to: &AmazonLinuxRelease,
    shown: (&str, &str),
) -> Result<(), String> {
    if to.kubernetes == from.kubernetes && to < from {
        Err(format!(
            "EKS cannot roll a node group back to an earlier AMI release: {} to {}",
            shown.0, shown.1
        ))
    } else {
        Ok(())
    }
}

/// An EC2 launch template id: `lt-` and 17 lowercase hex digits.
pub fn launch_template_id(value: &str) -> Result<(), String> {
    let ok = value
        .strip_prefix("lt-")
        .is_some_and(|hex| hex.len() == 17 && hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be a launch template id such as \"lt-0123456789abcdef0\" (\"lt-\" and 17 lowercase hex digits), got {value:?}"
        ))
    }
}

/// An EC2 launch template name: 3 to 128 letters, digits and `( ) . - / _`.
pub fn launch_template_name(value: &str) -> Result<(), String> {
    let ok = (3..=128).contains(&value.chars().count())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || "()./-_".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be a launch template name: 3 to 128 letters, digits and '(', ')', '.', '-', '/', '_', got {value:?}"
        ))
    }
}

/// A launch template version: a version number. `$Latest` and `$Default`
/// are refused: EKS resolves them to a number once, at the create or update,
/// so the configuration would never say which version the nodes run, and a
/// new template version would never reach them.
pub fn launch_template_version(value: &str) -> Result<(), String> {
    match value {
        "$Latest" | "$Default" => Err(format!(
            "EKS resolves {value:?} to a version number once and reports the number, so the nodes would not follow the template: \
             give the number, e.g. `version = aws_launch_template.nodes.latest_version`"
        )),
        v if digits(v).is_some_and(|n| n >= 1) => Ok(()),
        v => Err(format!("must be a launch template version number such as \"3\", got {v:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amazon_linux_releases_parse_and_order() {
        let r = amazon_linux_release("1.33.0-20250704").unwrap();
        assert_eq!((r.kubernetes, r.patch, r.date), ((1, 33), 0, 20250704));
        for bad in [
            "1.33-20250704",
            "1.33.0",
            "1.33.0-2025070",
            "v1.33.0-20250704",
            "1.33.0-2025o704",
            "",
            "1.33.0.1-20250704",
        ] {
            assert!(amazon_linux_release(bad).is_none(), "{bad}");
        }
        let older = amazon_linux_release("1.33.0-20250101").unwrap();
        assert!(release_not_older(&r, &older, ("a", "b")).is_err());
        assert!(release_not_older(&older, &r, ("a", "b")).is_ok());
        assert!(release_matches_version(&r, (1, 33)).is_ok());
        assert!(release_matches_version(&r, (1, 32))
            .unwrap_err()
            .contains("release for Kubernetes 1.33"));
    }

    #[test]
    fn release_formats_by_ami_family() {
        assert_eq!(AmiFamily::of(None), AmiFamily::AmazonLinux);
        assert_eq!(AmiFamily::of(Some("BOTTLEROCKET_ARM_64")), AmiFamily::Bottlerocket);
        assert!(release_version("1.47.0-6154605b", AmiFamily::Bottlerocket).is_ok());
        assert!(release_version("1.47.0-zz54605b", AmiFamily::Bottlerocket).is_err());
        assert!(release_version("1.47.0-6154605b", AmiFamily::AmazonLinux).is_err());
        assert!(release_version("1.33.0-20250704", AmiFamily::Custom).is_err());
        assert!(release_version("1.33-2025.07.10", AmiFamily::Windows).is_ok());
    }

    #[test]
    fn launch_templates() {
        assert!(launch_template_id("lt-0123456789abcdef0").is_ok());
        assert!(launch_template_id("lt-0123").is_err());
        assert!(launch_template_name("nodes/v1_(a)").is_ok());
        assert!(launch_template_name("ab").is_err());
        assert!(launch_template_name("a b c").is_err());
        assert!(launch_template_version("3").is_ok());
        assert!(launch_template_version("0").is_err());
        assert!(launch_template_version("$Latest")
            .unwrap_err()
            .contains("give the number"));
    }
}
