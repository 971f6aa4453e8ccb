# Import a context by its id (the slug in its URL). Secret values cannot be read
# back: the next plan lists them as "imported-unverified" and apply writes them.
terraform import platform_spacelift_context.platform_outputs platform-outputs
