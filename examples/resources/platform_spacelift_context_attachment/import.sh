# Import an attachment as <context id>/<stack id>.
terraform import platform_spacelift_context_attachment.apps shared-settings/apps-production
