"""EKS Pod Identity associations for the emulator (moto 5.2.5 answers 404 to all of them).

Create / Describe / Update / Delete / ListPodIdentityAssociations, following
the request and response shapes and error codes of botocore's EKS model:

- An association has an `associationId` (`a-` and 17 lowercase letters and
  digits), an `associationArn`
  (`arn:aws:eks:<region>:<account>:podidentityassociation/<cluster>/<id>`),
  `createdAt` / `modifiedAt`, `disableSessionTags` (false by default), and
  with a `targetRoleArn` an `externalId` for the target role's trust policy.
  Creates and updates take effect at once (EKS has no status for them).
- One association per namespace and service account:
  ResourceInUseException "Association already exists: <id>" (the 409 users
  meet, eksctl-io/eksctl#7753, awslabs/crossplane-on-eks#168).
- `roleArn` must be an IAM role of the cluster's account (EKS passes it with
  iam:PassRole, EKS User Guide "pod-id-assign-target-role"), which exists and
  whose trust policy lets `pods.eks.amazonaws.com` call `sts:AssumeRole` and
  `sts:TagSession` (EKS User Guide "pod-id-role"); otherwise
  InvalidParameterException ("Trust policy of the role provided is invalid",
  hashicorp/terraform-provider-aws#41483). A `targetRoleArn` may be in any
  account; it must only be a role ARN. UpdatePodIdentityAssociation with
  `targetRoleArn = ""` removes the target role.
- `clientRequestToken` as eks_ext treats it: the same token with the same
  parameters answers with the association the first request made (in its
  current state); with other parameters, InvalidParameterException.
- ListPodIdentityAssociations filters by `namespace` and `serviceAccount`
  and pages (`maxResults` 1 to 100, `nextToken`).
- Tags: TagResource / UntagResource / ListTagsForResource take association
  ARNs (through eks_ext's `TAGGABLE_FINDERS`).
- Associations live on their cluster and go with it when it is deleted.

`create_association(backend, ...)` is the module-level entry for other
extensions (an addon's `podIdentityAssociations`, with `owner_arn` the
addon's ARN). `install()` must run after eks_ext.install().
"""
from __future__ import annotations

import json
import random
import string
import time
import urllib.parse
import uuid
from typing import Any

PODS_PRINCIPAL = "pods.eks.amazonaws.com"

_installed = False


def _exceptions() -> Any:
    from moto.eks import exceptions
    return exceptions


def _invalid(message: str, cluster: str | None = None) -> Exception:
    return _exceptions().InvalidParameterException(clusterName=cluster, nodegroupName=None, fargateProfileName=None,
                                                   addonName=None, message=message)


def _not_found(message: str, cluster: str | None = None) -> Exception:
    return _exceptions().ResourceNotFoundException(clusterName=cluster, nodegroupName=None, fargateProfileName=None,
                                                   addonName=None, message=message)


def _cluster(backend: Any, name: str) -> Any:
    advance = getattr(backend, "describe_cluster", None)
    if advance is not None:
        try:
            advance(name)  # moves statuses along the clock (eks_ext), so a deleted cluster is gone
        except Exception:
            pass
    cluster = backend.clusters.get(name)
    if cluster is None or getattr(cluster, "_platform_gone_at", None) is not None:
        raise _not_found(f"No cluster found for name: {name}.", name)
    return cluster


def associations_of(cluster: Any) -> dict[str, dict[str, Any]]:
    """The associations of a cluster object, by id."""
    return cluster.__dict__.setdefault("_platform_pod_identity", {})


def _role_parts(arn: Any) -> tuple[str, str, str] | None:
    """(partition, account, role path and name) of a role ARN, or None."""
    if not isinstance(arn, str):
        return None
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam" or parts[3] != "":
        return None
    account, resource = parts[4], parts[5]
    if not (len(account) == 12 and account.isdigit()) or not resource.startswith("role/") or resource == "role/":
        return None
    return parts[1], account, resource[len("role/"):]


def _statements(document: str) -> list[dict[str, Any]]:
    try:
        doc = json.loads(document)
    except ValueError:
        try:
            doc = json.loads(urllib.parse.unquote(document))
        except ValueError:
            return []
    items = doc.get("Statement", []) if isinstance(doc, dict) else []
    return [s for s in (items if isinstance(items, list) else [items]) if isinstance(s, dict)]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def trusts_pods(document: str) -> bool:
    """Whether a trust policy lets pods.eks.amazonaws.com call sts:AssumeRole and sts:TagSession."""
    allowed: set[str] = set()
    for statement in _statements(document):
        if str(statement.get("Effect", "")).lower() != "allow":
            continue
        principal = statement.get("Principal")
        services = _as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
        if PODS_PRINCIPAL not in services:
            continue
        for action in _as_list(statement.get("Action", [])):
            if isinstance(action, str):
                allowed.add(action.lower())
    return {"sts:assumerole", "sts:tagsession"} <= allowed or "sts:*" in allowed or "*" in allowed


def _check_role(backend: Any, cluster: str, role_arn: Any) -> None:
    parts = _role_parts(role_arn)
    if parts is None:
        raise _invalid(f"Invalid role ARN: {role_arn}", cluster)
    _, account, path_and_name = parts
    if account != backend.account_id:
        raise _invalid(f"The role {role_arn} must be in the same account as the cluster ({backend.account_id}): "
                       "EKS passes it to the Pod Identity agent with iam:PassRole", cluster)
    from moto.iam.models import iam_backends
    iam = iam_backends[backend.account_id]["global"]
    name = path_and_name.rsplit("/", 1)[-1]
    try:
        role = iam.get_role(name)
    except Exception:
        role = None
    if role is None or role.arn != role_arn:
        raise _invalid(f"Role provided in the request does not exist: {role_arn}", cluster)
    if not trusts_pods(role.assume_role_policy_document):
        raise _invalid("Trust policy of the role provided is invalid", cluster)


def _check_target(cluster: str, target: Any) -> None:
    if _role_parts(target) is None:
        raise _invalid(f"Invalid target role ARN: {target}", cluster)


def _new_id() -> str:
    return "a-" + "".join(random.choices(string.ascii_lowercase + string.digits, k=17))


def create_association(backend: Any, cluster_name: str, namespace: str, service_account: str, role_arn: str,
                       owner_arn: str | None = None, target_role_arn: str | None = None,
                       disable_session_tags: bool | None = None, tags: dict[str, str] | None = None) -> dict[str, Any]:
    """Creates an association as CreatePodIdentityAssociation does (same checks,
    same errors) and returns it; `owner_arn` marks one an addon owns."""
    cluster = _cluster(backend, cluster_name)
    for field, value in [("namespace", namespace), ("serviceAccount", service_account)]:
        if not isinstance(value, str) or not value:
            raise _invalid(f"{field} must be a non-empty string", cluster_name)
    _check_role(backend, cluster_name, role_arn)
    if target_role_arn:
        _check_target(cluster_name, target_role_arn)
    existing = associations_of(cluster)
    for association in existing.values():
        if association["namespace"] == namespace and association["serviceAccount"] == service_account:
            raise _exceptions().ResourceInUseException(
                clusterName=cluster_name, nodegroupName=None, addonName=None,
                message=f"Association already exists: {association['associationId']}")
    association_id = _new_id()
    now = time.time()
    association = {
        "clusterName": cluster_name,
        "namespace": namespace,
        "serviceAccount": service_account,
        "roleArn": role_arn,
        "associationArn": f"arn:aws:eks:{backend.region_name}:{backend.account_id}:podidentityassociation/"
                          f"{cluster_name}/{association_id}",
        "associationId": association_id,
        "tags": dict(tags or {}),
        "createdAt": now,
        "modifiedAt": now,
        "disableSessionTags": bool(disable_session_tags),
    }
    if owner_arn:
        association["ownerArn"] = owner_arn
    if target_role_arn:
        association["targetRoleArn"] = target_role_arn
        association["externalId"] = str(uuid.uuid4())
    existing[association_id] = association
    return association


def find_association(backend: Any, cluster_name: str, association_id: str) -> dict[str, Any]:
    cluster = _cluster(backend, cluster_name)
    association = associations_of(cluster).get(association_id)
    if association is None:
        raise _not_found(f"No Pod Identity Association found for ID: {association_id}.", cluster_name)
    return association


def update_association(backend: Any, cluster_name: str, association_id: str, role_arn: str | None = None,
                       target_role_arn: str | None = None, disable_session_tags: bool | None = None) -> dict[str, Any]:
    association = find_association(backend, cluster_name, association_id)
    if role_arn is not None:
        _check_role(backend, cluster_name, role_arn)
    if target_role_arn:
        _check_target(cluster_name, target_role_arn)
    if role_arn is not None:
        association["roleArn"] = role_arn
    if target_role_arn is not None:
        if target_role_arn == "":
            association.pop("targetRoleArn", None)
            association.pop("externalId", None)
        else:
            if association.get("targetRoleArn") != target_role_arn or "externalId" not in association:
                association["externalId"] = association.get("externalId") or str(uuid.uuid4())
            association["targetRoleArn"] = target_role_arn
    if disable_session_tags is not None:
        association["disableSessionTags"] = bool(disable_session_tags)
    association["modifiedAt"] = time.time()
    return association


def delete_association(backend: Any, cluster_name: str, association_id: str) -> dict[str, Any]:
    association = find_association(backend, cluster_name, association_id)
    associations_of(backend.clusters[cluster_name]).pop(association_id, None)
    return association


def summary(association: dict[str, Any]) -> dict[str, Any]:
    keys = ["clusterName", "namespace", "serviceAccount", "associationArn", "associationId", "ownerArn"]
    return {k: association[k] for k in keys if k in association}


def find_by_arn(backend: Any, arn: str) -> dict[str, Any] | None:
    """The association with this ARN, as a taggable object (for eks_ext)."""
    for cluster in backend.clusters.values():
        for association in associations_of(cluster).values():
            if association["associationArn"] == arn:
                return _Taggable(association)
    return None


class _Taggable:
    """An association as eks_ext's tag operations see it: an object with `tags`."""

    def __init__(self, association: dict[str, Any]) -> None:
        self.tags = association["tags"]


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True

    from moto.core.responses import ActionResult
    from moto.eks import responses, urls

    from platform_acc import eks_ext

    response_cls = responses.EKSResponse
    eks_ext.TAGGABLE_FINDERS.append(find_by_arn)

    # ---- idempotency tokens (as eks_ext's) ----------------------------------------
    def token_key(resp: Any, operation: str) -> tuple[str, str] | None:
        try:
            body = json.loads(resp.body or "{}")
        except ValueError:
            body = {}
        token = body.pop("clientRequestToken", None) if isinstance(body, dict) else None
        if not token:
            return None
        path = urllib.parse.urlsplit(resp.uri).path if getattr(resp, "uri", None) else ""
        return token, json.dumps({"operation": operation, "path": path, "body": body}, sort_keys=True)

    def replay(resp: Any, operation: str) -> Any:
        key = token_key(resp, operation)
        if key is None:
            return None
        seen = resp.eks_backend.__dict__.setdefault("_platform_pia_tokens", {}).get((operation, key[0]))
        if seen is None:
            return None
        fingerprint, association = seen
        if fingerprint != key[1]:
            raise _invalid(f"The client request token {key[0]} was already used with different parameters.")
        return association

    def remember(resp: Any, operation: str, association: dict[str, Any]) -> None:
        key = token_key(resp, operation)
        if key is not None:
            resp.eks_backend.__dict__.setdefault("_platform_pia_tokens", {})[(operation, key[0])] = (key[1], association)

    def public(association: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in association.items() if not k.startswith("_")}

    # ---- responses -------------------------------------------------------------
    def r_create(self: Any) -> Any:
        seen = replay(self, "CreatePodIdentityAssociation")
        if seen is None:
            seen = create_association(
                self.eks_backend,
                cluster_name=self._get_param("name"),
                namespace=self._get_param("namespace"),
                service_account=self._get_param("serviceAccount"),
                role_arn=self._get_param("roleArn"),
                target_role_arn=self._get_param("targetRoleArn"),
                disable_session_tags=self._get_param("disableSessionTags"),
                tags=self._get_param("tags"),
            )
            remember(self, "CreatePodIdentityAssociation", seen)
        return ActionResult({"association": public(seen)})

    def r_describe(self: Any) -> Any:
        association = find_association(self.eks_backend, self._get_param("name"), self._get_param("associationId"))
        return ActionResult({"association": public(association)})

    def r_update(self: Any) -> Any:
        seen = replay(self, "UpdatePodIdentityAssociation")
        if seen is None:
            seen = update_association(
                self.eks_backend,
                cluster_name=self._get_param("name"),
                association_id=self._get_param("associationId"),
                role_arn=self._get_param("roleArn"),
                target_role_arn=self._get_param("targetRoleArn"),
                disable_session_tags=self._get_param("disableSessionTags"),
            )
            remember(self, "UpdatePodIdentityAssociation", seen)
        return ActionResult({"association": public(seen)})

    def r_delete(self: Any) -> Any:
        association = delete_association(self.eks_backend, self._get_param("name"), self._get_param("associationId"))
        return ActionResult({"association": public(association)})

    def r_list(self: Any) -> Any:
        name = self._get_param("name")
        cluster = _cluster(self.eks_backend, name)
        namespace = self._get_param("namespace")
        service_account = self._get_param("serviceAccount")
        raw_max = self._get_param("maxResults")
        try:
            max_results = int(raw_max) if raw_max is not None else 100
        except ValueError:
            raise _invalid(f"maxResults must be an integer, got {raw_max}", name)
        if not 1 <= max_results <= 100:
            raise _invalid("maxResults must be between 1 and 100", name)
        matching = [a for a in associations_of(cluster).values()
                    if (not namespace or a["namespace"] == namespace)
                    and (not service_account or a["serviceAccount"] == service_account)]
        matching.sort(key=lambda a: (a["createdAt"], a["associationId"]))
        start = 0
        token = self._get_param("nextToken")
        if token:
            ids = [a["associationId"] for a in matching]
            if token not in ids:
                raise _invalid(f"Invalid nextToken: {token}", name)
            start = ids.index(token)
        page = matching[start:start + max_results]
        result: dict[str, Any] = {"associations": [summary(a) for a in page]}
        if start + max_results < len(matching):
            result["nextToken"] = matching[start + max_results]["associationId"]
        return ActionResult(result)

    response_cls.create_pod_identity_association = r_create
    response_cls.describe_pod_identity_association = r_describe
    response_cls.update_pod_identity_association = r_update
    response_cls.delete_pod_identity_association = r_delete
    response_cls.list_pod_identity_associations = r_list

    urls.url_paths.update({
        "{0}/clusters/(?P<name>[^/]+)/pod-identity-associations$": response_cls.dispatch,
        "{0}/clusters/(?P<name>[^/]+)/pod-identity-associations/(?P<associationId>[^/]+)$": response_cls.dispatch,
    })
