//! Plan-time validators.
//!
//! Each validator checks one known value and returns `Err(rule)` where `rule`
//! says what a valid value looks like. [`Validator::check`] turns that into a
//! diagnostic naming the attribute path, e.g.
//! "`service_accounts[1].namespace`: must be a DNS-1123 label ...".
//! Null and unknown values are never validated: they are checked again once known.

use tf_provider::{AttributePath, Diagnostics};

use super::policy;

mod aws;
pub use aws::*;

/// Collects validation errors against attribute paths.
pub struct Validator<'d> {
    diags: &'d mut Diagnostics,
}

impl<'d> Validator<'d> {
    /// A validator that adds its errors to `diags`.
    pub fn new(diags: &'d mut Diagnostics) -> Self {
        Self { diags }
    }

    /// Records an error for `path` with the message "`path`: rule".
    pub fn error(&mut self, path: &AttributePath, rule: impl std::fmt::Display) {
        let shown = display_path(path);
        self.diags.error(
            format!("`{shown}`: {rule}"),
            format!("The value of `{shown}` is not valid: {rule}."),
            path.clone(),
        );
    }

    /// Records a warning for `path`: the value is accepted, but worth a second look.
    pub fn warning(&mut self, path: &AttributePath, summary: impl std::fmt::Display, detail: impl Into<String>) {
        let shown = display_path(path);
        self.diags
            .warning(format!("`{shown}`: {summary}"), detail.into(), path.clone());
    }

    /// Runs `check` on a known value and records its error, if any.
    pub fn check<T: ?Sized>(
        &mut self,
        path: &AttributePath,
        value: Option<&T>,
        check: impl FnOnce(&T) -> Result<(), String>,
    ) {
        if let Some(value) = value {
            if let Err(rule) = check(value) {
                self.error(path, rule);
            }
        }
    }
}

impl Validator<'_> {
    /// Runs `check` on every known element of a set of strings.
    pub fn check_each(
        &mut self,
        path: &AttributePath,
        set: &crate::framework::plan::ValueStringSet,
        check: impl Fn(&String) -> Result<(), String>,
    ) {
        if let tf_provider::value::Value::Value(items) = set {
            for item in items.iter().filter_map(|i| i.as_ref_option()) {
                self.check(path, Some(item), &check);
            }
        }
    }
}

/// `service_accounts[1].namespace`, the way HCL users write paths.
pub fn display_path(path: &AttributePath) -> String {
    use tf_provider::AttributePathStep as Step;
    let mut out = String::new();
    for step in &path.steps {
        match step {
            Step::Attribute(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            Step::Key(key) => out.push_str(&format!("[{key:?}]")),
            Step::Index(idx) => out.push_str(&format!("[{idx}]")),
        }
    }
    out
}

/// A DNS-1123 label, as Kubernetes requires for namespaces.
pub fn dns1123_label(value: &str) -> Result<(), String> {
    dns1123_label_inner(value, false)
}

/// A DNS-1123 label in which `*` wildcards are allowed (IAM `StringLike`).
pub fn dns1123_label_pattern(value: &str) -> Result<(), String> {
    dns1123_label_inner(value, true)
}

fn dns1123_label_inner(value: &str, wildcard: bool) -> Result<(), String> {
    const RULE: &str = "must be a DNS-1123 label: at most 63 characters, lowercase letters, digits and '-', starting and ending with a letter or digit";
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || (wildcard && c == '*');
    let ok = !value.is_empty()
        && value.len() <= 63
        && value.chars().all(|c| alnum(c) || c == '-')
        && value.chars().next().is_some_and(alnum)
        && value.chars().last().is_some_and(alnum);
    if ok {
        Ok(())
    } else if wildcard {
        Err(format!("{RULE} ('*' allowed as a wildcard), got {value:?}"))
    } else {
        Err(format!("{RULE}, got {value:?}"))
    }
}

/// A DNS-1123 subdomain, as Kubernetes requires for service-account names;
/// `*` is accepted as a wildcard when `wildcard` is set.
pub fn dns1123_subdomain_pattern(value: &str) -> Result<(), String> {
    const RULE: &str = "must be a DNS-1123 subdomain: at most 253 characters, lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit ('*' allowed as a wildcard)";
    let ok =
        !value.is_empty() && value.len() <= 253 && value.split('.').all(|part| dns1123_label_pattern(part).is_ok());
    if ok {
        Ok(())
    } else {
        Err(format!("{RULE}, got {value:?}"))
    }
}

/// One of a fixed set of values.
pub fn one_of(allowed: &'static [&'static str]) -> impl Fn(&String) -> Result<(), String> {
    move |value| {
        if allowed.contains(&value.as_str()) {
            Ok(())
        } else {
            Err(format!(
                "must be one of {}, got {value:?}",
                allowed.iter().map(|a| format!("{a:?}")).collect::<Vec<_>>().join(", ")
            ))
        }
    }
}

/// A JSON policy document; a syntax error names its line and column.
pub fn policy_document(value: &str) -> Result<(), String> {
    policy::parse(value).map(|_| ()).map_err(|err| match err {
        policy::PolicyError::Json { line, column, source } => format!(
            "must be a valid JSON policy document: syntax error at line {line}, column {column}: {}",
            strip_position(&source.to_string())
        ),
        other => format!("must be a valid JSON policy document: {other}"),
    })
}

/// A policy document of `kind`: its syntax (line and column), then IAM's
/// grammar ([`policy::grammar_errors`]). Every error found, in order.
pub fn policy_errors(value: &str, kind: policy::PolicyKind) -> Vec<String> {
    match policy::parse(value) {
        Ok(doc) => policy::grammar_errors(value, &doc, kind),
        Err(_) => policy_document(value).err().into_iter().collect(),
    }
}

/// serde_json appends " at line L column C"; the message already says where.
fn strip_position(msg: &str) -> &str {
    msg.rfind(" at line ").map_or(msg, |idx| &msg[..idx])
}

/// An integer within an inclusive range.
pub fn int_between(min: i64, max: i64) -> impl Fn(&i64) -> Result<(), String> {
    move |value| {
        if (min..=max).contains(value) {
            Ok(())
        } else {
            Err(format!("must be between {min} and {max}, got {value}"))
        }
    }
}

/// The most tags AWS allows on one resource (IAM roles and OIDC providers,
/// KMS keys, EKS clusters and node groups).
pub const MAX_TAGS: usize = 50;
/// The most tags of its own (`platform:*`) this provider puts on one object;
/// provider `default_tags` must leave room for them.
pub const MAX_PROVIDER_TAGS: usize = 3;

/// The characters AWS accepts in tag keys and values: letters, digits and
/// spaces in any script, and `_ . : / = + - @`.
fn tag_char(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(c)
}

const TAG_CHARS: &str = "letters, digits, spaces and `_ . : / = + - @`";

/// A tag key (1–128 characters) and value (0–256 characters), each from
/// [`TAG_CHARS`]; keys starting with `aws:` or `platform:` are reserved.
pub fn tag(key: &str, value: &str) -> Result<(), String> {
    if key.is_empty() || key.chars().count() > 128 {
        return Err(format!(
            "tag keys must be 1 to 128 characters, got {key:?} ({} characters)",
            key.chars().count()
        ));
    }
    if let Some(bad) = key.chars().find(|c| !tag_char(*c)) {
        return Err(format!("tag keys may contain only {TAG_CHARS}, got {bad:?} in {key:?}"));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(format!("tag keys must not start with \"aws:\", got {key:?}"));
    }
    if key.to_ascii_lowercase().starts_with("platform:") {
        return Err(format!(
            "tag keys must not start with \"platform:\", which this provider reserves for its own tags \
             (owner markers, links between resources), got {key:?}"
        ));
    }
    if value.chars().count() > 256 {
        return Err(format!(
            "tag values must be at most 256 characters, got {} (key {key:?})",
            value.chars().count()
        ));
    }
    if let Some(bad) = value.chars().find(|c| !tag_char(*c)) {
        return Err(format!(
            "tag values may contain only {TAG_CHARS}, got {bad:?} (key {key:?})"
        ));
    }
    Ok(())
}

/// [`tags_map`] on a resource's top-level `tags` attribute, for a resource
/// whose other checks do not already hold a [`Validator`].
pub fn tags_attribute(
    diags: &mut Diagnostics,
    tags: &crate::framework::plan::ValueStringMap,
    provider_tags: usize,
    default_tags: Option<&std::collections::BTreeMap<String, String>>,
) {
    tags_map(
        &mut Validator::new(diags),
        &AttributePath::new("tags"),
        tags,
        provider_tags,
        default_tags,
    );
}

/// Checks a `tags` map: every key and value ([`tag`]), and the count. AWS
/// allows [`MAX_TAGS`] tags per object; the objects a resource makes also
/// carry `provider_tags` tags of this provider's own and the provider's
/// `default_tags` (when known) that `tags` does not override, so the user's
/// limit is what those leave.
pub fn tags_map(
    v: &mut Validator,
    path: &AttributePath,
    tags: &crate::framework::plan::ValueStringMap,
    provider_tags: usize,
    default_tags: Option<&std::collections::BTreeMap<String, String>>,
) {
    let tf_provider::value::Value::Value(tags) = tags else {
        return;
    };
    for (key, value) in tags {
        let item = path.clone().key(key.clone());
        match value.as_ref_option() {
            Some(value) => v.check(&item, Some(value), |val: &String| tag(key, val)),
            // The value is checked once known; the key is known now.
            None => v.check(&item, Some(key), |k: &String| tag(k, "")),
        }
    }
    // IAM compares tag keys case-insensitively ("Duplicate tag keys found"):
    // two keys that differ only in case are one key. Refused for every
    // resource, IAM objects or not, so a configuration means the same
    // wherever its tags land.
    let mut by_folded: std::collections::BTreeMap<String, Vec<&String>> = std::collections::BTreeMap::new();
    for key in tags.keys() {
        by_folded.entry(key.to_lowercase()).or_default().push(key);
    }
    for keys in by_folded.values().filter(|keys| keys.len() > 1) {
        let names = keys.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(" and ");
        v.error(
            &path.clone().key(keys[0].clone()),
            format!(
                "tag keys are case-insensitive in IAM, so {names} are the same key (IAM refuses them as duplicates): keep one of them"
            ),
        );
    }
    if let Some(defaults) = default_tags {
        for key in tags.keys() {
            let folded = key.to_lowercase();
            if let Some(default) = defaults.keys().find(|d| *d != key && d.to_lowercase() == folded) {
                v.error(
                    &path.clone().key(key.clone()),
                    format!(
                        "differs only in case from the provider's `default_tags` key {default:?}, and IAM tag keys are case-insensitive, \
                         so the object would get both and IAM refuses them as duplicates: write it {default:?} to override the default, or rename it"
                    ),
                );
            }
        }
    }
    let inherited = default_tags.map_or(0, |d| d.keys().filter(|k| !tags.contains_key(*k)).count());
    let allowed = MAX_TAGS.saturating_sub(provider_tags + inherited);
    if tags.len() > allowed {
        let mut why = format!("{provider_tags} of this provider's own `platform:` tags");
        if inherited > 0 {
            why.push_str(&format!(" and {inherited} of the provider's `default_tags`"));
        }
        v.error(
            path,
            format!(
                "must have at most {allowed} tags, got {}: AWS allows 50 tags per resource, and {why} take the rest",
                tags.len()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_tag_prefixes() {
        assert!(tag("team", "x").is_ok());
        assert!(tag("platform:owner", "x").unwrap_err().contains("reserves"));
        assert!(tag("Platform:eks-cluster", "x").is_err());
        assert!(tag("aws:x", "x").is_err());
    }

    #[test]
    fn only_real_partitions() {
        for good in PARTITIONS {
            let arn = format!("arn:{good}:iam::123456789012:role/x");
            assert!(iam_role_arn(&arn).is_ok(), "{arn}");
        }
        for bad in ["aws-", "aws-xyz", "AWS", "awscn", ""] {
            let arn = format!("arn:{bad}:iam::123456789012:role/x");
            assert!(
                iam_role_arn(&arn).unwrap_err().contains("which does not exist"),
                "{arn}"
            );
            assert!(parse_arn(&arn).is_none(), "{arn}");
        }
    }

    #[test]
    fn cidrs() {
        assert_eq!(ipv4_cidr("10.0.0.0/16"), Ok((0x0a00_0000, 16)));
        assert!(ipv4_cidr("0.0.0.0/0").is_ok());
        for bad in [
            "10.0.0.0",
            "10.0.0/16",
            "10.0.0.0/33",
            "10.0.0.0/-1",
            "x/16",
            "10.0.0.0/1a",
        ] {
            assert!(ipv4_cidr(bad).is_err(), "{bad}");
        }
        assert!(ipv4_cidr("10.0.0.1/16")
            .unwrap_err()
            .contains("did you mean \"10.0.0.0/16\""));
        assert!(service_ipv4_cidr("172.20.0.0/16").is_ok());
        assert!(service_ipv4_cidr("10.100.0.0/16").is_ok());
        assert!(service_ipv4_cidr("100.64.0.0/16").is_err());
        assert!(service_ipv4_cidr("10.0.0.0/8").is_err());
        assert!(service_ipv4_cidr("10.0.0.0/25").is_err());
    }

    #[test]
    fn arns_of_roles_and_keys() {
        assert!(iam_role_arn("arn:aws:iam::123456789012:role/eks").is_ok());
        assert!(iam_role_arn("arn:aws:iam::123456789012:user/eks").is_err());
        assert!(kms_key_arn("arn:aws:kms:eu-west-1:123456789012:key/abcd").is_ok());
        assert!(kms_key_arn("arn:aws:kms:eu-west-1:123456789012:alias/abcd").is_err());
        assert!(thumbprint(&"a".repeat(40)).is_ok());
        assert!(thumbprint("abc").is_err());
        assert!(ec2_id("subnet")(&"subnet-0a1b2c3d".to_string()).is_ok());
        assert!(ec2_id("subnet")(&"subnet-0123456789abcdef0".to_string()).is_ok());
        assert!(ec2_id("sg")(&"sg-0123456789abcdef0".to_string()).is_ok());
        assert!(ec2_id("subnet")(&"sg-0a1b2c3d".to_string()).is_err());
        for bad in [
            "sg-",
            "sg-1",
            "sg-0a1b",
            "sg-0A1B2C3D",
            "sg-0123456789ABCDEF0",
            "sg-0a1b2c3d4",
            "sg-0a1b2c3g",
        ] {
            let err = ec2_id("sg")(&bad.to_string()).unwrap_err();
            assert!(err.contains("8 or 17 lowercase hex digits"), "{bad}: {err}");
        }
    }

    #[test]
    fn dns_labels() {
        for ok in ["a", "kube-system", "a1", "x".repeat(63).as_str()] {
            assert!(dns1123_label(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Kube", "-a", "a-", "a_b", "a.b", &"x".repeat(64), "a*"] {
            assert!(dns1123_label(bad).is_err(), "{bad}");
        }
        assert!(dns1123_label_pattern("team-*").is_ok());
        assert!(dns1123_label_pattern("*").is_ok());
        let err = dns1123_label("Kube").unwrap_err();
        assert!(err.contains("DNS-1123 label"), "{err}");
    }

    #[test]
    fn dns_subdomains() {
        for ok in ["external-dns", "a.b-c", "app-*", "*"] {
            assert!(dns1123_subdomain_pattern(ok).is_ok(), "{ok}");
        }
        for bad in ["", "A", "a..b", ".a", "a_b", &"a".repeat(254)] {
            assert!(dns1123_subdomain_pattern(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn role_names() {
        assert!(iam_role_name("my-role_1+=,.@").is_ok());
        assert!(iam_role_name(&"r".repeat(64)).is_ok());
        assert!(iam_role_name(&"r".repeat(65)).is_err());
        assert!(iam_role_name("").is_err());
        assert!(iam_role_name("has space").is_err());
        assert!(iam_role_name("slash/no").is_err());
        assert!(iam_role_name_prefix(&"p".repeat(38)).is_ok());
        assert!(iam_role_name_prefix(&"p".repeat(39)).is_err());
    }

    #[test]
    fn paths() {
        assert!(iam_path("/").is_ok());
        assert!(iam_path("/platform/irsa/").is_ok());
        for bad in ["", "platform/", "/platform", "//", "/a b/"] {
            assert!(iam_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn oidc_provider_arns() {
        assert_eq!(
            oidc_provider_arn("arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF")
                .unwrap(),
            "oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF"
        );
        assert!(oidc_provider_arn(
            "arn:aws-cn:iam::123456789012:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/X"
        )
        .is_ok());
        for bad in [
            "",
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC",
            "arn:aws:iam::123456789012:role/x",
            "arn:aws:iam::12345:oidc-provider/oidc.example.com",
            "arn:aws:iam:us-east-1:123456789012:oidc-provider/oidc.example.com",
            "arn:aws:iam::123456789012:oidc-provider/",
            "arn:aws:iam::123456789012:oidc-provider/https://oidc.example.com",
            "arn:aws:s3::123456789012:oidc-provider/oidc.example.com",
        ] {
            assert!(oidc_provider_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn policy_arns() {
        assert!(iam_policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess").is_ok());
        assert!(iam_policy_arn("arn:aws:iam::123456789012:policy/team/x").is_ok());
        assert!(iam_policy_arn("arn:aws:iam::123456789012:role/x").is_err());
        assert!(iam_policy_arn("ReadOnlyAccess").is_err());
    }

    #[test]
    fn policy_documents() {
        assert!(policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#).is_ok());
        let err = policy_document("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [,]\n}").unwrap_err();
        assert!(err.contains("line 3, column 17"), "{err}");
        assert_eq!(err.matches("line").count(), 1, "{err}");
        assert!(policy_document("\"x\"").is_err());
    }

    #[test]
    fn ranges_and_tags() {
        let check = int_between(3600, 43200);
        assert!(check(&3600).is_ok());
        assert!(check(&43200).is_ok());
        assert!(check(&3599).unwrap_err().contains("between 3600 and 43200"));
        assert!(check(&43201).is_err());
        assert!(tag("team", "platform").is_ok());
        assert!(tag("", "x").is_err());
        assert!(tag("aws:x", "x").is_err());
        assert!(tag("k", &"v".repeat(257)).is_err());
    }

    #[test]
    fn kms_aliases_and_principals() {
        assert!(kms_alias_name("alias/ebs-platform").is_ok());
        assert!(kms_alias_name("alias/team/ebs_1").is_ok());
        assert!(kms_alias_name("ebs").unwrap_err().contains("must start with"));
        assert!(kms_alias_name("alias/aws/ebs").unwrap_err().contains("reserved"));
        assert!(kms_alias_name("alias/").is_err());
        assert!(kms_alias_name("alias/a b").is_err());
        assert!(iam_principal_arn("arn:aws:iam::123456789012:role/admin").is_ok());
        assert!(iam_principal_arn("arn:aws:iam::123456789012:root").is_ok());
        assert!(iam_principal_arn("arn:aws:iam::123456789012:policy/x").is_err());
        assert!(iam_principal_arn("admin").is_err());
        assert!(one_of(&["gp3", "io2"])(&"gp3".to_string()).is_ok());
        assert!(one_of(&["gp3", "io2"])(&"gp9".to_string())
            .unwrap_err()
            .contains("\"gp3\", \"io2\""));
    }

    #[test]
    fn paths_display_like_hcl() {
        let path = AttributePath::new("service_accounts").index(1).attribute("namespace");
        assert_eq!(display_path(&path), "service_accounts[1].namespace");
        let path = AttributePath::new("inline_policies").key("s3");
        assert_eq!(display_path(&path), "inline_policies[\"s3\"]");
    }

    #[test]
    fn tag_maps() {
        use std::collections::BTreeMap;
        use tf_provider::value::Value;
        let map = |n: usize| -> crate::framework::plan::ValueStringMap {
            Value::Value(
                (0..n)
                    .map(|i| (format!("k{i}"), Value::Value("v".to_string())))
                    .collect(),
            )
        };
        let errors = |tags: &crate::framework::plan::ValueStringMap,
                      provider: usize,
                      defaults: Option<&BTreeMap<String, String>>| {
            let mut diags = Diagnostics::default();
            tags_map(
                &mut Validator::new(&mut diags),
                &AttributePath::new("tags"),
                tags,
                provider,
                defaults,
            );
            diags.errors.iter().map(|d| d.summary.clone()).collect::<Vec<_>>()
        };
        assert!(errors(&map(49), 1, None).is_empty());
        let too_many = errors(&map(50), 1, None);
        assert!(
            too_many[0].starts_with("`tags`: must have at most 49 tags, got 50: AWS allows 50 tags per resource"),
            "{too_many:?}"
        );
        let defaults: BTreeMap<String, String> = (0..10).map(|i| (format!("d{i}"), "x".to_string())).collect();
        assert!(errors(&map(40), 0, Some(&defaults)).is_empty());
        assert!(errors(&map(41), 0, Some(&defaults))[0].contains("10 of the provider's `default_tags`"));
        // A default the resource overrides is counted once.
        let overlapping: BTreeMap<String, String> = (0..10).map(|i| (format!("k{i}"), "x".to_string())).collect();
        assert!(errors(&map(50), 0, Some(&overlapping)).is_empty());
        let mut bad = BTreeMap::new();
        bad.insert("a#b".to_string(), Value::Value("v".to_string()));
        bad.insert("ok".to_string(), Value::Value("tab\there".to_string()));
        bad.insert("unknown-value".to_string(), Value::Unknown);
        let found = errors(&Value::Value(bad), 0, None);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("`tags[\"a#b\"]`: tag keys may contain only letters"),
            "{found:?}"
        );
        assert!(found[1].contains("tag values may contain only"), "{found:?}");
        // Keys that differ only in case, among the tags and against the defaults.
        let pairs = |keys: &[&str]| -> crate::framework::plan::ValueStringMap {
            Value::Value(
                keys.iter()
                    .map(|k| (k.to_string(), Value::Value("v".to_string())))
                    .collect(),
            )
        };
        let dup = errors(&pairs(&["Team", "team", "env"]), 0, None);
        assert_eq!(dup.len(), 1, "{dup:?}");
        assert!(
            dup[0].starts_with(
                "`tags[\"Team\"]`: tag keys are case-insensitive in IAM, so \"Team\" and \"team\" are the same key"
            ),
            "{dup:?}"
        );
        let defaults: BTreeMap<String, String> = [("team".to_string(), "x".to_string())].into();
        let clash = errors(&pairs(&["Team"]), 0, Some(&defaults));
        assert_eq!(clash.len(), 1, "{clash:?}");
        assert!(
            clash[0]
                .starts_with("`tags[\"Team\"]`: differs only in case from the provider's `default_tags` key \"team\""),
            "{clash:?}"
        );
        // The same spelling overrides the default; that is fine.
        assert!(errors(&pairs(&["team"]), 0, Some(&defaults)).is_empty());
        assert!(tag("Ünïcödé 名前 _.:/=+-@", "ok").is_ok());
        assert!(tag(&"k".repeat(129), "").unwrap_err().contains("1 to 128 characters"));
        assert!(tag("k", &"é".repeat(256)).is_ok());
    }
}
