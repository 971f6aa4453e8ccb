"""EKS access entries and access policies for the emulator, which moto 5.2.5
answers with 404. An extension of moto's EKS backend, installed after
`eks_ext` (it wraps eks_ext's CreateCluster), following botocore's EKS model
for shapes and error codes and the EKS User Guide ("Create access entries",
"Associate access policies", "Review access policy permissions") for
behaviour:

- CreateAccessEntry / DescribeAccessEntry / UpdateAccessEntry /
  DeleteAccessEntry / ListAccessEntries, AssociateAccessPolicy /
  DisassociateAccessPolicy / ListAssociatedAccessPolicies, and
  ListAccessPolicies (the catalogue of `arn:aws:eks::aws:cluster-access-policy/...`
  policies EKS lists). Lists page with `maxResults` (1 to 100, default 100) and
  an opaque `nextToken`.
- Every access-entry operation on a cluster whose authentication mode is
  CONFIG_MAP is EKS's InvalidRequestException "The cluster's authentication
  mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this
  operation." (quoted in aws-ia/terraform-aws-eks-blueprints#1877).
- One entry per principal: a second is ResourceInUseException. The principal
  must be an IAM role or user (an STS session ARN is "The specified
  principalArn is invalid: invalid principal.", as EKS answers,
  terraform-aws-modules/eks#2969); one of this account must exist in IAM (EKS
  stores its role or user id). Service-linked roles are refused
  (hashicorp/terraform-provider-aws#36447).
- Types STANDARD (default), EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, EC2,
  HYBRID_LINUX, HYPERPOD_LINUX. Only STANDARD takes `kubernetesGroups`, a
  `username` or access policies, and node types take only roles. Groups may
  not start with `system:` ("The kubernetes group name system:masters is
  invalid, it cannot start with system:", terraform-aws-modules/eks#2915);
  usernames may not start with system:, eks:, aws:, amazon: or iam:, and need a
  colon before `{{SessionName}}`. EKS sets the username when none is given:
  the user's ARN, `arn:aws:sts::<account>:assumed-role/<role name>/{{SessionName}}`
  for a role (path removed), `system:node:{{EC2PrivateDNSName}}` for EC2 node
  types (which also get the group `system:nodes`), `system:node:{{SessionName}}`
  for the others.
- Access scopes: `cluster` (listed with `namespaces: []`, as EKS lists it) or
  `namespace` with at least one namespace (`dev-*` wildcards allowed).
  Associating a policy again replaces its scope (`associatedAt` kept).
- clientRequestToken on CreateAccessEntry and UpdateAccessEntry: a repeat with
  the same token (and parameters) answers with the first result.
- TagResource / UntagResource / ListTagsForResource take access-entry ARNs.
- CreateCluster with `bootstrapClusterCreatorAdminPermissions` (default true)
  in API or API_AND_CONFIG_MAP mode gives the caller (moto's caller identity,
  by default `arn:aws:iam::123456789012:user/moto`) an access entry with
  AmazonEKSClusterAdminPolicy at cluster scope, as EKS does. Deleting a
  cluster deletes its access entries (they live on the cluster).

`install()` must run in the emulator process after `eks_ext.install()`.
"""
from __future__ import annotations

import json
import time
import urllib.parse
import uuid
from typing import Any

POLICY_PREFIX = "cluster-access-policy/"
# ListAccessPolicies, as the EKS User Guide lists the catalogue ("Review access
# policy permissions", 2025-11).
ACCESS_POLICIES = sorted([
    "AmazonAIOpsAssistantPolicy",
    "AmazonARCRegionSwitchScalingPolicy",
    "AmazonEKSAdminPolicy",
    "AmazonEKSAdminViewPolicy",
    "AmazonEKSAutoNodePolicy",
    "AmazonEKSBlockStorageClusterPolicy",
    "AmazonEKSBlockStoragePolicy",
    "AmazonEKSClusterAdminPolicy",
    "AmazonEKSClusterInsightsPolicy",
    "AmazonEKSComputeClusterPolicy",
    "AmazonEKSComputePolicy",
    "AmazonEKSEditPolicy",
    "AmazonEKSHybridPolicy",
    "AmazonEKSLoadBalancingClusterPolicy",
    "AmazonEKSLoadBalancingPolicy",
    "AmazonEKSNetworkingClusterPolicy",
    "AmazonEKSNetworkingPolicy",
    "AmazonEKSSecretReaderPolicy",
    "AmazonEKSViewPolicy",
])
TYPES = ["STANDARD", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "EC2", "HYBRID_LINUX", "HYPERPOD_LINUX"]
RESERVED_USERNAME_PREFIXES = ("system:", "eks:", "aws:", "amazon:", "iam:")
AUTH_MODE_MESSAGE = ("The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] "
                     "to perform this operation.")

_installed = False


def policy_arn(name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:eks::aws:{POLICY_PREFIX}{name}"


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True

    from moto.core.responses import ActionResult
    from moto.eks import models, responses, urls
    from moto.eks.exceptions import (InvalidParameterException, InvalidRequestException, ResourceInUseException,
                                     ResourceNotFoundException)

    backend_cls = models.EKSBackend
    response_cls = responses.EKSResponse

    def error(cls: Any, message: str, cluster: str | None = None) -> Exception:
        kwargs = {"clusterName": cluster, "message": message}
        return cls(**{k: v for k, v in kwargs.items() if v is not None})

    def entries_of(cluster: Any) -> dict[str, dict[str, Any]]:
        return cluster.__dict__.setdefault("_platform_access_entries", {})

    def cluster_for_entries(self: Any, name: str) -> Any:
        """The cluster (advanced along the clock by eks_ext's wrapped
        list_clusters), in a mode that has access entries."""
        self.list_clusters(max_results=100, next_token=None)
        cluster = self.clusters.get(name)
        if cluster is None or getattr(cluster, "_platform_gone_at", None) is not None:
            raise error(ResourceNotFoundException, models.CLUSTER_NOT_FOUND_MSG.format(clusterName=name), name)
        mode = (getattr(cluster, "access_config", None) or {}).get("authenticationMode") or "CONFIG_MAP"
        if mode not in ("API", "API_AND_CONFIG_MAP"):
            raise error(InvalidRequestException, AUTH_MODE_MESSAGE, name)
        return cluster

    def entry_of(self: Any, cluster_name: str, principal: str) -> dict[str, Any]:
        cluster = cluster_for_entries(self, cluster_name)
        entry = entries_of(cluster).get(principal)
        if entry is None:
            raise error(ResourceNotFoundException,
                        "The specified principalArn could not be found. You can view your available access "
                        "entries with 'list-access-entries'.", cluster_name)
        return entry

    def parse_principal(self: Any, principal: str, cluster: str) -> tuple[str, str, str, str]:
        """(partition, account, kind 'role' or 'user', resource path and name)."""
        parts = (principal or "").split(":", 5)
        invalid = error(InvalidParameterException, "The specified principalArn is invalid: invalid principal.", cluster)
        if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam" or parts[3] != "":
            raise invalid
        kind, _, rest = parts[5].partition("/")
        if kind not in ("role", "user") or not rest:
            raise invalid
        if kind == "role" and rest.startswith("aws-service-role/"):
            raise error(InvalidParameterException, "The caller is not allowed to modify access entries with a "
                        "principalArn value of a Service Linked Role", cluster)
        if parts[4] == self.account_id:
            from moto.iam.models import iam_backends
            iam = iam_backends[self.account_id][parts[1]]
            name = rest.rsplit("/", 1)[-1]
            exists = (any(r.arn == principal for r in iam.roles.values()) if kind == "role"
                      else name in iam.users and iam.users[name].arn == principal)
            if not exists:
                raise invalid
        return parts[1], parts[4], kind, rest

    def check_groups(groups: list[str] | None, cluster: str) -> None:
        for group in groups or []:
            if group.startswith("system:"):
                raise error(InvalidParameterException,
                            f"The kubernetes group name {group} is invalid, it cannot start with system:", cluster)

    def check_username(username: str | None, cluster: str) -> None:
        if username is None:
            return
        if username.startswith(RESERVED_USERNAME_PREFIXES):
            raise error(InvalidParameterException, "The username must not begin with "
                        + username.split(":", 1)[0] + ":", cluster)
        for marker in ("{{SessionName}}", "{{SessionNameRaw}}"):
            at = username.find(marker)
            if at >= 0 and ":" not in username[:at]:
                raise error(InvalidParameterException, f"The username {username} is invalid: a colon must come "
                            f"before {marker}", cluster)

    def public(entry: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in entry.items() if not k.startswith("_") and v is not None}

    def make_entry(self: Any, cluster: Any, principal: str, entry_type: str, groups: list[str],
                   username: str | None, tags: dict[str, str] | None) -> dict[str, Any]:
        parts = principal.split(":", 5)
        partition, principal_account = parts[1], parts[4]
        kind, _, rest = parts[5].partition("/")
        short_name = rest.rsplit("/", 1)[-1]
        if username is None:
            if entry_type == "STANDARD":
                username = (principal if kind == "user" else
                            f"arn:{partition}:sts::{principal_account}:assumed-role/{short_name}/" + "{{SessionName}}")
            elif entry_type in ("EC2_LINUX", "EC2_WINDOWS", "EC2"):
                username = "system:node:{{EC2PrivateDNSName}}"
            else:
                username = "system:node:{{SessionName}}"
        if entry_type in ("EC2_LINUX", "EC2_WINDOWS"):
            groups = ["system:nodes"]
        now = time.time()
        return {
            "clusterName": cluster.name,
            "principalArn": principal,
            "kubernetesGroups": list(groups or []),
            "accessEntryArn": f"arn:{partition}:eks:{self.region_name}:{self.account_id}:access-entry/{cluster.name}/"
                              f"{kind}/{principal_account}/{short_name}/{uuid.uuid4()}",
            "createdAt": now,
            "modifiedAt": now,
            "tags": dict(tags or {}),
            "username": username,
            "type": entry_type,
            "_policies": {},
        }

    # ---- backend -----------------------------------------------------------------
    def create_access_entry(self: Any, cluster_name: str, principal_arn: str, kubernetes_groups: list[str] | None,
                            tags: dict[str, str] | None, username: str | None, entry_type: str | None) -> dict[str, Any]:
        cluster = cluster_for_entries(self, cluster_name)
        entry_type = entry_type or "STANDARD"
        if entry_type not in TYPES:
            raise error(InvalidParameterException, f"The type {entry_type} is invalid. Valid values are "
                        + ", ".join(TYPES) + ".", cluster_name)
        _, _, kind, _ = parse_principal(self, principal_arn, cluster_name)
        if entry_type != "STANDARD":
            if kind != "role":
                raise error(InvalidParameterException, f"The principalArn must be an IAM role for access entries of type {entry_type}.", cluster_name)
            if kubernetes_groups:
                raise error(InvalidParameterException, f"kubernetesGroups can't be specified for access entries of type {entry_type}.", cluster_name)
            if username is not None:
                raise error(InvalidParameterException, f"username can't be specified for access entries of type {entry_type}.", cluster_name)
        check_groups(kubernetes_groups, cluster_name)
        check_username(username, cluster_name)
        if tags is not None and not 1 <= len(tags) <= 50:
            raise error(InvalidParameterException, "tags must have between 1 and 50 entries.", cluster_name)
        entries = entries_of(cluster)
        if principal_arn in entries:
            raise ResourceInUseException(clusterName=cluster_name, nodegroupName=None, addonName=None,
                                         message="The specified access entry resource is already in use on this cluster.")
        entry = make_entry(self, cluster, principal_arn, entry_type, kubernetes_groups or [], username, tags)
        entries[principal_arn] = entry
        return entry

    def update_access_entry(self: Any, cluster_name: str, principal_arn: str, kubernetes_groups: list[str] | None,
                            username: str | None) -> dict[str, Any]:
        entry = entry_of(self, cluster_name, principal_arn)
        if entry["type"] != "STANDARD" and kubernetes_groups:
            raise error(InvalidParameterException, f"kubernetesGroups can't be specified for access entries of type {entry['type']}.", cluster_name)
        check_groups(kubernetes_groups, cluster_name)
        check_username(username, cluster_name)
        if kubernetes_groups is not None and entry["type"] == "STANDARD":
            entry["kubernetesGroups"] = list(kubernetes_groups)
        if username is not None:
            entry["username"] = username
        entry["modifiedAt"] = time.time()
        return entry

    def delete_access_entry(self: Any, cluster_name: str, principal_arn: str) -> None:
        entry_of(self, cluster_name, principal_arn)
        entries_of(self.clusters[cluster_name]).pop(principal_arn, None)

    def associate_access_policy(self: Any, cluster_name: str, principal_arn: str, policy: str,
                                scope: dict[str, Any]) -> dict[str, Any]:
        entry = entry_of(self, cluster_name, principal_arn)
        if entry["type"] != "STANDARD":
            raise error(InvalidParameterException, f"Access policies can't be associated to access entries of type {entry['type']}.", cluster_name)
        parts = (policy or "").split(":", 5)
        if (len(parts) != 6 or parts[2] != "eks" or parts[4] != "aws"
                or parts[5] not in [POLICY_PREFIX + p for p in ACCESS_POLICIES]):
            raise error(ResourceNotFoundException, f"The specified policyArn {policy} could not be found. You can "
                        "view the available access policies with 'list-access-policies'.", cluster_name)
        scope = dict(scope or {})
        kind = scope.get("type")
        namespaces = list(scope.get("namespaces") or [])
        if kind == "cluster" and namespaces:
            raise error(InvalidParameterException, "namespaces can't be specified for an access scope of type cluster.", cluster_name)
        if kind == "namespace" and not namespaces:
            raise error(InvalidParameterException, "At least one namespace is required for an access scope of type namespace.", cluster_name)
        if kind not in ("cluster", "namespace"):
            raise error(InvalidParameterException, "accessScope.type must be cluster or namespace.", cluster_name)
        now = time.time()
        previous = entry["_policies"].get(policy)
        association = {
            "policyArn": policy,
            "accessScope": {"type": kind, "namespaces": namespaces},
            "associatedAt": previous["associatedAt"] if previous else now,
            "modifiedAt": now,
        }
        entry["_policies"][policy] = association
        return association

    def disassociate_access_policy(self: Any, cluster_name: str, principal_arn: str, policy: str) -> None:
        entry = entry_of(self, cluster_name, principal_arn)
        if entry["_policies"].pop(policy, None) is None:
            raise error(ResourceNotFoundException, f"The specified policyArn {policy} is not associated to the "
                        "access entry.", cluster_name)

    for name, method in [("create_access_entry", create_access_entry), ("update_access_entry", update_access_entry),
                         ("delete_access_entry", delete_access_entry),
                         ("associate_access_policy", associate_access_policy),
                         ("disassociate_access_policy", disassociate_access_policy)]:
        setattr(backend_cls, name, method)

    # ---- the cluster creator's entry -------------------------------------------------
    def caller_principal(resp: Any) -> str:
        """The IAM principal EKS records for the caller: a user's ARN, or an
        assumed role's role ARN."""
        from moto.sts.models import sts_backends
        backend = resp.eks_backend
        try:
            sts = sts_backends[backend.account_id]["global"]
            _, arn, account = sts.get_caller_identity(resp.get_access_key(), backend.region_name)
        except Exception:
            arn, account = f"arn:aws:sts::{backend.account_id}:user/moto", backend.account_id
        partition = arn.split(":")[1]
        resource = arn.split(":", 5)[5]
        if resource.startswith("assumed-role/"):
            return f"arn:{partition}:iam::{account}:role/{resource.split('/')[1]}"
        if resource.startswith("user/"):
            return f"arn:{partition}:iam::{account}:{resource}"
        return arn

    eks_create_cluster = response_cls.create_cluster

    def r_create_cluster(self: Any) -> Any:
        result = eks_create_cluster(self)
        cluster = result.result["cluster"]
        if "_platform_access_entries" not in cluster.__dict__:
            entries = entries_of(cluster)
            access = getattr(cluster, "access_config", None) or {}
            if (access.get("authenticationMode") in ("API", "API_AND_CONFIG_MAP")
                    and access.get("bootstrapClusterCreatorAdminPermissions", True)):
                principal = caller_principal(self)
                entry = make_entry(self.eks_backend, cluster, principal, "STANDARD", [], None, None)
                admin = policy_arn("AmazonEKSClusterAdminPolicy", principal.split(":")[1])
                entry["_policies"][admin] = {"policyArn": admin, "accessScope": {"type": "cluster", "namespaces": []},
                                             "associatedAt": entry["createdAt"], "modifiedAt": entry["createdAt"]}
                entries[principal] = entry
        return result

    response_cls.create_cluster = r_create_cluster

    # ---- tags on access entries ------------------------------------------------------
    def entry_by_arn(self: Any, arn: str) -> dict[str, Any] | None:
        for cluster in self.clusters.values():
            for entry in entries_of(cluster).values():
                if entry["accessEntryArn"] == arn:
                    return entry
        return None

    eks_tag, eks_untag, eks_list_tags = (backend_cls.tag_resource, backend_cls.untag_resource,
                                         backend_cls.list_tags_for_resource)

    def tag_resource(self: Any, resource_arn: str, tags: dict[str, str]) -> None:
        entry = entry_by_arn(self, resource_arn)
        if entry is None:
            return eks_tag(self, resource_arn, tags)
        entry["tags"].update(tags)

    def untag_resource(self: Any, resource_arn: str, tag_keys: list[str]) -> None:
        entry = entry_by_arn(self, resource_arn)
        if entry is None:
            return eks_untag(self, resource_arn, tag_keys)
        for key in tag_keys if isinstance(tag_keys, list) else [tag_keys]:
            entry["tags"].pop(key, None)

    def list_tags_for_resource(self: Any, resource_arn: str) -> dict[str, str]:
        entry = entry_by_arn(self, resource_arn)
        return eks_list_tags(self, resource_arn) if entry is None else entry["tags"]

    backend_cls.tag_resource = tag_resource
    backend_cls.untag_resource = untag_resource
    backend_cls.list_tags_for_resource = list_tags_for_resource

    # ---- idempotency tokens (as eks_ext keeps them) -----------------------------------
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

    def replayed(resp: Any, operation: str) -> Any:
        key = token_key(resp, operation)
        if key is None:
            return None
        seen = resp.eks_backend.__dict__.setdefault("_platform_access_tokens", {}).get((operation, key[0]))
        if seen is None:
            return None
        if seen[0] != key[1]:
            raise error(InvalidParameterException,
                        f"The client request token {key[0]} was already used with different parameters.")
        return seen[1]

    def remember(resp: Any, operation: str, result: Any) -> None:
        key = token_key(resp, operation)
        if key is not None:
            resp.eks_backend.__dict__.setdefault("_platform_access_tokens", {})[(operation, key[0])] = (key[1], result)

    # ---- paging ----------------------------------------------------------------------
    def page(resp: Any, items: list[Any], cluster: str | None = None) -> tuple[list[Any], str | None]:
        raw = resp._get_param("maxResults")
        size = int(raw) if raw is not None else 100
        if not 1 <= size <= 100:
            raise error(InvalidParameterException, "maxResults must be between 1 and 100.", cluster)
        token = resp._get_param("nextToken")
        try:
            start = int(token) if token else 0
        except ValueError:
            raise error(InvalidParameterException, "The nextToken is invalid.", cluster)
        end = start + size
        return items[start:end], (str(end) if end < len(items) else None)

    def principal_param(resp: Any) -> str:
        return urllib.parse.unquote(resp._get_param("principalArn") or "")

    # ---- responses -------------------------------------------------------------------
    def r_create_access_entry(self: Any) -> Any:
        seen = replayed(self, "CreateAccessEntry")
        if seen is None:
            seen = self.eks_backend.create_access_entry(
                cluster_name=self._get_param("name"),
                principal_arn=self._get_param("principalArn"),
                kubernetes_groups=self._get_param("kubernetesGroups"),
                tags=self._get_param("tags"),
                username=self._get_param("username"),
                entry_type=self._get_param("type"),
            )
            remember(self, "CreateAccessEntry", seen)
        return ActionResult({"accessEntry": public(seen)})

    def r_describe_access_entry(self: Any) -> Any:
        entry = entry_of(self.eks_backend, self._get_param("name"), principal_param(self))
        return ActionResult({"accessEntry": public(entry)})

    def r_update_access_entry(self: Any) -> Any:
        seen = replayed(self, "UpdateAccessEntry")
        if seen is None:
            seen = self.eks_backend.update_access_entry(
                cluster_name=self._get_param("name"),
                principal_arn=principal_param(self),
                kubernetes_groups=self._get_param("kubernetesGroups"),
                username=self._get_param("username"),
            )
            remember(self, "UpdateAccessEntry", seen)
        return ActionResult({"accessEntry": public(seen)})

    def r_delete_access_entry(self: Any) -> Any:
        self.eks_backend.delete_access_entry(self._get_param("name"), principal_param(self))
        return ActionResult({})

    def r_list_access_entries(self: Any) -> Any:
        name = self._get_param("name")
        cluster = cluster_for_entries(self.eks_backend, name)
        wanted = self._get_param("associatedPolicyArn")
        principals = [p for p, e in entries_of(cluster).items() if not wanted or wanted in e["_policies"]]
        items, token = page(self, principals, name)
        return ActionResult({"accessEntries": items, **({"nextToken": token} if token else {})})

    def r_associate_access_policy(self: Any) -> Any:
        name, principal = self._get_param("name"), principal_param(self)
        association = self.eks_backend.associate_access_policy(
            name, principal, self._get_param("policyArn"), self._get_param("accessScope"))
        return ActionResult({"clusterName": name, "principalArn": principal, "associatedAccessPolicy": association})

    def r_disassociate_access_policy(self: Any) -> Any:
        self.eks_backend.disassociate_access_policy(
            self._get_param("name"), principal_param(self), urllib.parse.unquote(self._get_param("policyArn") or ""))
        return ActionResult({})

    def r_list_associated_access_policies(self: Any) -> Any:
        name, principal = self._get_param("name"), principal_param(self)
        entry = entry_of(self.eks_backend, name, principal)
        items, token = page(self, list(entry["_policies"].values()), name)
        return ActionResult({"clusterName": name, "principalArn": principal, "associatedAccessPolicies": items,
                             **({"nextToken": token} if token else {})})

    def r_list_access_policies(self: Any) -> Any:
        partition = self.eks_backend.partition
        items, token = page(self, [{"name": p, "arn": policy_arn(p, partition)} for p in ACCESS_POLICIES])
        return ActionResult({"accessPolicies": items, **({"nextToken": token} if token else {})})

    for name, method in [("create_access_entry", r_create_access_entry),
                         ("describe_access_entry", r_describe_access_entry),
                         ("update_access_entry", r_update_access_entry),
                         ("delete_access_entry", r_delete_access_entry),
                         ("list_access_entries", r_list_access_entries),
                         ("associate_access_policy", r_associate_access_policy),
                         ("disassociate_access_policy", r_disassociate_access_policy),
                         ("list_associated_access_policies", r_list_associated_access_policies),
                         ("list_access_policies", r_list_access_policies)]:
        setattr(response_cls, name, method)

    urls.url_paths.update({
        "{0}/access-policies$": response_cls.dispatch,
        "{0}/clusters/(?P<name>[^/]+)/access-entries$": response_cls.dispatch,
        "{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>.+)$": response_cls.dispatch,
    })
