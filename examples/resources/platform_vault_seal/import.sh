# Import a Vault seal by its KMS alias name. The seal's name and role are read
# from the key's `platform:vault-seal` and `platform:vault-seal-role` tags.
terraform import platform_vault_seal.main alias/vault-main
