//! The plugin binary Terraform and OpenTofu start.

use std::process::ExitCode;

use platform_provider::PlatformProvider;

fn main() -> ExitCode {
    // tf-provider captures a backtrace into every diagnostic when
    // RUST_BACKTRACE is set (about 100 frames under each error). Users never
    // want that in Terraform's output: library backtraces are off, panics
    // still honour RUST_BACKTRACE. Set before any thread exists.
    std::env::set_var("RUST_LIB_BACKTRACE", "0");
    // hclog JSON lines on stderr under TF_LOG / TF_LOG_PROVIDER (and
    // PLUGIN_LOG_FILE), before anything logs.
    platform_provider::framework::log::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("terraform-provider-platform: starting the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve())
}

async fn serve() -> ExitCode {
    // ring is the binary's one rustls crypto provider (tonic's mTLS server,
    // the AWS SDK, reqwest, the thumbprint handshake). Installed as the
    // process default for those that take it from there (reqwest, tonic).
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
