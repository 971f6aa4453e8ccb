"""Fills a gap in moto's IAM: AddClientIDToOpenIDConnectProvider and
RemoveClientIDFromOpenIDConnectProvider (real IAM has both; moto 5.2.5 answers
neither). Same request parameters, empty responses and NoSuchEntity for an
unknown provider, as in botocore's IAM model. `install()` runs in the emulator
process before moto serves requests."""
from __future__ import annotations

from typing import Any

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    from moto.core.responses import EmptyResult
    from moto.iam.responses import IamResponse

    def add_client_id_to_open_id_connect_provider(self: Any) -> Any:
        provider = self.backend.get_open_id_connect_provider(self._get_param("OpenIDConnectProviderArn"))
        client_id = self._get_param("ClientID")
        if client_id not in provider.client_id_list:
            provider.client_id_list.append(client_id)
        return EmptyResult()

    def remove_client_id_from_open_id_connect_provider(self: Any) -> Any:
        provider = self.backend.get_open_id_connect_provider(self._get_param("OpenIDConnectProviderArn"))
        client_id = self._get_param("ClientID")
        provider.client_id_list = [c for c in provider.client_id_list if c != client_id]
        return EmptyResult()

    IamResponse.add_client_id_to_open_id_connect_provider = add_client_id_to_open_id_connect_provider
    IamResponse.remove_client_id_from_open_id_connect_provider = remove_client_id_from_open_id_connect_provider
