//! The plugin binary Terraform and OpenTofu start.

use std::process::ExitCode;

use platform_provider::PlatformProvider;

#[tokio::main]
async fn main() -> ExitCode {
    // tonic (ring) and the AWS SDK (aws-lc-rs) both compile a rustls crypto
    // provider in, so rustls cannot choose one; Terraform's mTLS handshake needs it.
    // An error here only means one is already installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match tf_provider::serve("platform", PlatformProvider::default()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("terraform-provider-platform: {err:#}");
            ExitCode::FAILURE
        }
    }
}
