//! No input may panic the provider: arbitrary strings go into every parser
//! and validator that sees user input (durations, ARNs, CIDRs, names, policy
//! documents). Each must answer `Ok` or `Err`, nothing else.

use platform_provider::framework::{policy, validate, wait};
use proptest::prelude::*;

/// Strings shaped like the inputs: mostly ASCII with the separators ARNs,
/// CIDRs and durations use, plus arbitrary Unicode now and then.
fn input() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9:/.*\\-_ hms]{0,80}",
        "arn:[a-z-]{0,8}:[a-z0-9-]{0,8}:[a-z0-9-]{0,12}:[0-9]{0,14}:[a-zA-Z0-9/_.+=,@*-]{0,40}",
        "[0-9]{0,25}(\\.[0-9]{0,25})?(h|m|s|ms)?([0-9]{0,25}(h|m|s|ms))?",
        "[0-9]{0,4}\\.[0-9]{0,4}\\.[0-9]{0,4}\\.[0-9]{0,4}/[0-9]{0,3}",
        "\\PC{0,60}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parsers_and_validators_never_panic(s in input(), t in input()) {
        let _ = wait::parse_duration(&s);
        let _ = validate::parse_arn(&s);
        let _ = validate::oidc_provider_arn(&s);
        let _ = validate::iam_policy_arn(&s);
        let _ = validate::iam_principal_arn(&s);
        let _ = validate::iam_role_arn(&s);
        let _ = validate::kms_key_arn(&s);
        let _ = validate::kms_alias_name(&s);
        let _ = validate::iam_role_name(&s);
        let _ = validate::iam_role_name_prefix(&s);
        let _ = validate::iam_policy_name(&s);
        let _ = validate::iam_path(&s);
        let _ = validate::dns1123_label(&s);
        let _ = validate::dns1123_label_pattern(&s);
        let _ = validate::dns1123_subdomain_pattern(&s);
        let _ = validate::ec2_id("subnet-")(&s);
        let _ = validate::thumbprint(&s);
        let _ = validate::ipv4_cidr(&s);
        let _ = validate::service_ipv4_cidr(&s);
        let _ = validate::policy_document(&s);
        let _ = validate::tag(&s, &t);
        let _ = policy::parse(&s);
        let _ = policy::decode_iam_document(&s);
        let _ = policy::equivalent(&s, &t);
    }

    #[test]
    fn durations_are_bounded(n in any::<u64>(), unit in prop::sample::select(vec!["h", "m", "s", "ms"])) {
        let text = format!("{n}{unit}");
        match wait::parse_duration(&text) {
            Ok(d) => prop_assert!(d <= wait::MAX_DURATION),
            Err(e) => prop_assert!(e.contains("at most"), "{}: {}", text, e),
        }
    }
}
