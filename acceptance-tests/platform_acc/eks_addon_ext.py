"""EKS add-ons for the emulator: moto 5.2.5 answers 404 to every add-on operation.

Follows botocore's EKS model (shapes, error codes) for CreateAddon,
DescribeAddon, UpdateAddon, DeleteAddon, ListAddons, DescribeAddonVersions
and DescribeAddonConfiguration:

- A small catalogue (`CATALOGUE`): vpc-cni, coredns, kube-proxy,
  aws-ebs-csi-driver and eks-pod-identity-agent, a few versions each with the
  Kubernetes versions they run on and exactly one `defaultVersion` per
  Kubernetes version, and a draft-07 configuration schema per add-on (as
  DescribeAddonConfiguration publishes them: `$ref` into `definitions`,
  `additionalProperties: false`).
- CreateAddon: ResourceNotFoundException for a missing cluster,
  ResourceInUseException for an add-on of that name ("Addon already exists."),
  InvalidParameterException for an add-on or version not offered for the
  cluster's Kubernetes version, for configurationValues that are not JSON or
  do not validate against the version's schema (checked with the `jsonschema`
  package, draft 7), and for a malformed role ARN. No version: the default for
  the cluster's Kubernetes version.
- Statuses change with the cluster's delay (eks_ext's `delay-seconds` tag):
  CREATING -> ACTIVE, UPDATING -> ACTIVE, DELETING -> gone. UpdateAddon
  returns an Update of type `AddonUpdate` (InProgress -> Successful, or Failed
  with eks_ext's `fail-updates` switch), readable with DescribeUpdate and
  ListUpdates given `addonName`; the change lands when it succeeds.
  A second update while one is InProgress is a ResourceInUseException.
- `clientRequestToken`: CreateAddon and UpdateAddon sent again with a token
  already used (same parameters) answer with the first answer; other
  parameters with the same token are an InvalidParameterException.
- Add-ons go with their cluster, as on EKS: DeleteCluster is not refused
  because of add-ons, they report DELETING meanwhile, and are gone with it.
- Tags: TagResource, UntagResource and ListTagsForResource take add-on ARNs.
- `podIdentityAssociations` (CreateAddon, UpdateAddon): stored, and reported
  as association ARNs on the add-on. They are not (yet) visible through the
  pod identity association operations.
- Switches, as tags on the cluster:
  `platform-emulator/addons-degraded-without-nodes = "true"` makes the
  add-ons whose pods need nodes (coredns, aws-ebs-csi-driver: Deployments)
  DEGRADED with EKS's health issue `InsufficientNumberOfReplicas` ("The add-on
  is unhealthy because it doesn't have the desired number of replicas.") until
  a node group of the cluster is ACTIVE; then ACTIVE.
  `platform-emulator/addon-health-issue = "<IssueCode>"` makes every add-on
  of the cluster DEGRADED with that issue (e.g. `ConfigurationConflict`).

`install()` runs after `eks_ext.install()` (it calls it), before moto serves.
"""
from __future__ import annotations

import json
import time
import urllib.parse
import uuid
from typing import Any, Callable

from platform_acc import eks_ext

NO_NODES_TAG = "platform-emulator/addons-degraded-without-nodes"
ISSUE_TAG = "platform-emulator/addon-health-issue"

NO_NODES_ISSUE = {
    "code": "InsufficientNumberOfReplicas",
    "message": "The add-on is unhealthy because it doesn't have the desired number of replicas.",
}
ISSUE_MESSAGES = {
    "ConfigurationConflict": "Conflicts found when trying to apply. Will not continue due to resolve conflicts mode. "
                             "Conflicts:\nConfigMap coredns - .data.Corefile",
    "AccessDenied": "The add-on's service account role cannot be assumed.",
}
# Add-ons whose pods are a Deployment: without nodes they have no replicas.
NEEDS_NODES = {"coredns", "aws-ebs-csi-driver"}

KUBERNETES = ["1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35"]


def _versions(*rows: tuple[str, str, str, tuple[str, ...]]) -> list[dict[str, Any]]:
    """(version, first Kubernetes, last Kubernetes, Kubernetes versions it is the default for)."""
    out = []
    for version, first, last, default_for in rows:
        ks = KUBERNETES[KUBERNETES.index(first):KUBERNETES.index(last) + 1]
        out.append({"version": version, "kubernetes": ks, "default_for": set(default_for)})
    return out


def _obj(props: dict[str, Any], title: str) -> dict[str, Any]:
    return {"additionalProperties": False, "properties": props, "title": title, "type": "object"}


_RESOURCES = {
    "Limits": _obj({"cpu": {"type": "string"}, "memory": {"type": "string"}}, "Limits"),
    "Resources": _obj({"limits": {"$ref": "#/definitions/Limits"}, "requests": {"$ref": "#/definitions/Limits"}},
                      "Resources"),
}
_TOLERATIONS = {"description": "Tolerations of the pods", "items": {"type": "object"}, "type": "array"}
_STRING_MAP = {"additionalProperties": {"type": "string"}, "type": "object"}


def _schema(root: str, props: dict[str, Any]) -> dict[str, Any]:
    return {"$ref": f"#/definitions/{root}", "$schema": "http://json-schema.org/draft-07/schema#",
            "definitions": {root: _obj(props, root), **_RESOURCES}}


SCHEMAS = {
    "coredns": _schema("Coredns", {
        "affinity": {"description": "Affinity of the coredns pods", "type": ["object", "null"]},
        "computeType": {"type": "string"},
        "corefile": {"description": "Entire corefile contents to use with installation", "type": "string"},
        "nodeSelector": _STRING_MAP,
        "podAnnotations": _STRING_MAP,
        "podLabels": _STRING_MAP,
        "replicaCount": {"minimum": 1, "type": "integer"},
        "resources": {"$ref": "#/definitions/Resources"},
        "tolerations": _TOLERATIONS,
    }),
    "vpc-cni": _schema("VpcCni", {
        "env": {"additionalProperties": {"type": "string"}, "type": "object"},
        "enableNetworkPolicy": {"enum": ["true", "false"], "type": "string"},
        "init": {"properties": {"env": _STRING_MAP}, "type": "object"},
        "nodeAgent": {"properties": {"enablePolicyEventLogs": {"type": "string"}}, "type": "object"},
        "resources": {"$ref": "#/definitions/Resources"},
        "tolerations": _TOLERATIONS,
    }),
    "kube-proxy": _schema("KubeProxy", {
        "ipvs": {"properties": {"scheduler": {"type": "string"}}, "type": "object"},
        "mode": {"enum": ["iptables", "ipvs"], "type": "string"},
        "podAnnotations": _STRING_MAP,
        "resources": {"$ref": "#/definitions/Resources"},
    }),
    "aws-ebs-csi-driver": _schema("AwsEbsCsiDriver", {
        "controller": {"properties": {
            "replicaCount": {"minimum": 1, "type": "integer"},
            "resources": {"$ref": "#/definitions/Resources"},
            "tolerations": _TOLERATIONS,
            "extraVolumeTags": _STRING_MAP,
        }, "additionalProperties": False, "type": "object"},
        "defaultStorageClass": {"properties": {"enabled": {"type": "boolean"}}, "type": "object"},
        "node": {"properties": {"tolerateAllTaints": {"type": "boolean"}}, "type": "object"},
    }),
    "eks-pod-identity-agent": _schema("EksPodIdentityAgent", {
        "agent": {"properties": {"additionalArgs": _STRING_MAP}, "type": "object"},
        "resources": {"$ref": "#/definitions/Resources"},
        "tolerations": _TOLERATIONS,
    }),
}

CATALOGUE: dict[str, dict[str, Any]] = {
    "vpc-cni": {"type": "networking", "sa": ("aws-node", "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"),
                "versions": _versions(
                    ("v1.18.5-eksbuild.1", "1.29", "1.31", ("1.29", "1.30")),
                    ("v1.19.2-eksbuild.1", "1.29", "1.33", ("1.31", "1.32")),
                    ("v1.20.4-eksbuild.2", "1.30", "1.35", ("1.33", "1.34", "1.35")))},
    "coredns": {"type": "networking", "versions": _versions(
        ("v1.11.1-eksbuild.13", "1.29", "1.30", ("1.29", "1.30")),
        ("v1.11.3-eksbuild.2", "1.29", "1.31", ("1.31",)),
        ("v1.11.4-eksbuild.2", "1.29", "1.32", ("1.32",)),
        ("v1.12.1-eksbuild.2", "1.33", "1.35", ("1.33",)),
        ("v1.12.2-eksbuild.4", "1.33", "1.35", ("1.34", "1.35")))},
    "kube-proxy": {"type": "networking", "versions": _versions(
        ("v1.29.10-eksbuild.3", "1.29", "1.29", ("1.29",)),
        ("v1.30.6-eksbuild.3", "1.30", "1.30", ()),
        ("v1.30.9-eksbuild.3", "1.30", "1.30", ("1.30",)),
        ("v1.31.3-eksbuild.2", "1.31", "1.31", ("1.31",)),
        ("v1.32.0-eksbuild.2", "1.32", "1.32", ("1.32",)),
        ("v1.33.0-eksbuild.2", "1.33", "1.33", ("1.33",)),
        ("v1.33.3-eksbuild.4", "1.33", "1.33", ()),
        ("v1.34.0-eksbuild.2", "1.34", "1.34", ("1.34",)),
        ("v1.35.0-eksbuild.2", "1.35", "1.35", ("1.35",)))},
    "aws-ebs-csi-driver": {"type": "storage",
                           "sa": ("ebs-csi-controller-sa",
                                  "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"),
                           "versions": _versions(
                               ("v1.35.0-eksbuild.1", "1.29", "1.31", ("1.29", "1.30")),
                               ("v1.41.0-eksbuild.1", "1.29", "1.33", ("1.31", "1.32", "1.33")),
                               ("v1.48.0-eksbuild.2", "1.30", "1.35", ("1.34", "1.35")))},
    "eks-pod-identity-agent": {"type": "security", "versions": _versions(
        ("v1.3.4-eksbuild.1", "1.29", "1.33", ("1.29", "1.30", "1.31", "1.32")),
        ("v1.3.8-eksbuild.2", "1.29", "1.35", ("1.33", "1.34", "1.35")))},
}


def version_info(addon: str, version: str) -> dict[str, Any] | None:
    return next((v for v in CATALOGUE.get(addon, {}).get("versions", []) if v["version"] == version), None)


def default_version(addon: str, kubernetes: str) -> str | None:
    return next((v["version"] for v in CATALOGUE.get(addon, {}).get("versions", [])
                 if kubernetes in v["default_for"]), None)


def schema_errors(addon: str, values: Any) -> list[str]:
    """What the add-on's draft-07 schema finds wrong with `values`, as "$.path: message"."""
    import jsonschema
    validator = jsonschema.Draft7Validator(SCHEMAS[addon])
    errors = []
    for error in sorted(validator.iter_errors(values), key=lambda e: list(e.absolute_path)):
        path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        errors.append(f"{path}: {error.message}")
    return errors


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    eks_ext.install()

    from moto.core.responses import ActionResult
    from moto.eks import models, responses, urls
    from moto.eks.exceptions import InvalidParameterException, ResourceInUseException, ResourceNotFoundException

    backend_cls = models.EKSBackend
    response_cls = responses.EKSResponse

    def not_found(message: str, cluster: str | None, addon: str | None) -> Exception:
        return ResourceNotFoundException(clusterName=cluster, nodegroupName=None, fargateProfileName=None,
                                         addonName=addon, message=message)

    def invalid(message: str, cluster: str | None = None, addon: str | None = None) -> Exception:
        return InvalidParameterException(clusterName=cluster, nodegroupName=None, fargateProfileName=None,
                                         addonName=addon, message=message)

    def in_use(message: str, cluster: str, addon: str) -> Exception:
        return ResourceInUseException(clusterName=cluster, nodegroupName=None, addonName=addon, message=message)

    def live_cluster(backend: Any, name: str, deleting_ok: bool = False) -> Any:
        """The cluster, moved along the clock (eks_ext); ResourceNotFoundException when missing (or
        deleting, unless `deleting_ok`: its add-ons are read as DELETING meanwhile)."""
        backend.list_clusters(max_results=100, next_token=None)  # eks_ext advances every cluster on reads
        cluster = backend.clusters.get(name)
        if cluster is None or (getattr(cluster, "_platform_gone_at", None) is not None and not deleting_ok):
            raise not_found(models.CLUSTER_NOT_FOUND_MSG.format(clusterName=name), name, None)
        return cluster

    def delay_of(cluster: Any) -> float:
        try:
            return float((cluster.tags or {}).get(eks_ext.DELAY_TAG, eks_ext.DEFAULT_DELAY))
        except ValueError:
            return eks_ext.DEFAULT_DELAY

    def addons_of(cluster: Any) -> dict[str, dict[str, Any]]:
        return cluster.__dict__.setdefault("_platform_addons", {})

    def updates_of(cluster: Any) -> dict[str, dict[str, Any]]:
        return cluster.__dict__.setdefault("_platform_addon_updates", {})

    def health_issues(cluster: Any, addon: dict[str, Any]) -> list[dict[str, Any]]:
        tags = cluster.tags or {}
        code = tags.get(ISSUE_TAG)
        if code:
            return [{"code": code, "message": ISSUE_MESSAGES.get(code, f"the add-on reports {code}"),
                     "resourceIds": [f"kube-system/{addon['addonName']}"]}]
        if tags.get(NO_NODES_TAG, "").lower() == "true" and addon["addonName"] in NEEDS_NODES:
            if not any(ng.status == "ACTIVE" for ng in cluster.nodegroups.values()):
                return [dict(NO_NODES_ISSUE)]
        return []

    def advance(cluster: Any) -> None:
        now = time.time()
        addons = addons_of(cluster)
        for update in updates_of(cluster).values():
            if update["status"] == "InProgress" and now >= update["_done_at"]:
                if update["_fail"]:
                    update["status"] = "Failed"
                    update["errors"] = [{
                        "errorCode": "Unknown",
                        "errorMessage": "the update failed (emulator switch platform-emulator/fail-updates)",
                        "resourceIds": [update["_addon"]],
                    }]
                else:
                    if update["_addon"] in addons:
                        update["_apply"]()
                    update["status"] = "Successful"
        deleting_cluster = cluster.status == "DELETING"
        for name, addon in list(addons.items()):
            busy = any(u["status"] == "InProgress" and u["_addon"] == name for u in updates_of(cluster).values())
            gone_at = addon.get("_gone_at")
            issues: list[dict[str, Any]] = []
            if gone_at is not None and now >= gone_at:
                addons.pop(name)
                continue
            if gone_at is not None or deleting_cluster:
                status = "DELETING"
            elif now < addon["_ready_at"]:
                status = "CREATING"
            elif busy:
                status = "UPDATING"
            else:
                issues = health_issues(cluster, addon)
                status = "DEGRADED" if issues else "ACTIVE"
            addon["status"] = status
            addon["health"] = {"issues": issues}

    def find_addon(backend: Any, cluster_name: str, name: str, deleting_ok: bool = False) -> tuple[Any, dict[str, Any]]:
        cluster = live_cluster(backend, cluster_name, deleting_ok)
        advance(cluster)
        addon = addons_of(cluster).get(name)
        if addon is None:
            raise not_found(f"No addon: {name} found in cluster: {cluster_name}", cluster_name, name)
        return cluster, addon

    def public(obj: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in obj.items() if not k.startswith("_") and v is not None}

    def check_version(cluster: Any, name: str, version: str | None) -> str:
        entry = CATALOGUE.get(name)
        if entry is None or not any(cluster.version in v["kubernetes"] for v in entry["versions"]):
            raise invalid(f"Addon {name} specified is not supported in {cluster.version} kubernetes version",
                          cluster.name, name)
        if version is None:
            return default_version(name, cluster.version) or ""
        info = version_info(name, version)
        if info is None or cluster.version not in info["kubernetes"]:
            raise invalid(f"Addon version specified is not supported: {name} {version} on Kubernetes "
                          f"{cluster.version}", cluster.name, name)
        return version

    def check_configuration(cluster: Any, name: str, values: str | None) -> None:
        if not values:
            return
        try:
            parsed = json.loads(values)
        except ValueError as err:
            raise invalid(f"ConfigurationValue provided in request is not supported: Json schema validation "
                          f"failed with error: [not valid JSON: {err}]", cluster.name, name)
        errors = schema_errors(name, parsed)
        if errors:
            raise invalid("ConfigurationValue provided in request is not supported: Json schema validation "
                          f"failed with error: [{', '.join(errors)}]", cluster.name, name)

    def check_role(cluster: Any, name: str, arn: str | None) -> None:
        if arn and not (arn.startswith("arn:aws") and ":iam::" in arn and ":role/" in arn):
            raise invalid(f"Role ARN {arn} is not a valid IAM role ARN", cluster.name, name)

    def association_arns(backend: Any, cluster: Any, pairs: list[dict[str, Any]]) -> list[str]:
        return [f"arn:aws:eks:{backend.region_name}:{backend.account_id}:podidentityassociation/{cluster.name}/"
                f"a-{uuid.uuid4().hex[:17]}" for _ in pairs]

    def check_pairs(cluster: Any, name: str, pairs: list[dict[str, Any]] | None) -> None:
        for pair in pairs or []:
            if not pair.get("serviceAccount") or not pair.get("roleArn"):
                raise invalid("podIdentityAssociations need serviceAccount and roleArn", cluster.name, name)
            check_role(cluster, name, pair["roleArn"])

    # ---- backend -----------------------------------------------------------------
    def create_addon(self: Any, cluster_name: str, addon_name: str, addon_version: str | None,
                     service_account_role_arn: str | None, configuration_values: str | None,
                     pod_identity_associations: list[dict[str, Any]] | None,
                     tags: dict[str, str] | None) -> dict[str, Any]:
        cluster = live_cluster(self, cluster_name)
        advance(cluster)
        if addon_name in addons_of(cluster):
            raise in_use("Addon already exists.", cluster_name, addon_name)
        version = check_version(cluster, addon_name, addon_version)
        check_configuration(cluster, addon_name, configuration_values)
        check_role(cluster, addon_name, service_account_role_arn)
        check_pairs(cluster, addon_name, pod_identity_associations)
        now = time.time()
        addon = {
            "addonName": addon_name,
            "clusterName": cluster_name,
            "status": "CREATING",
            "addonVersion": version,
            "health": {"issues": []},
            "addonArn": f"arn:aws:eks:{self.region_name}:{self.account_id}:addon/{cluster_name}/{addon_name}/"
                        f"{uuid.uuid4()}",
            "createdAt": now,
            "modifiedAt": now,
            "serviceAccountRoleArn": service_account_role_arn or None,
            "tags": dict(tags or {}),
            "publisher": "eks",
            "owner": "aws",
            "configurationValues": configuration_values or None,
            "podIdentityAssociations": association_arns(self, cluster, pod_identity_associations or []),
            "_pairs": list(pod_identity_associations or []),
            "_ready_at": now + delay_of(cluster),
        }
        addons_of(cluster)[addon_name] = addon
        advance(cluster)
        return addon

    def describe_addon(self: Any, cluster_name: str, addon_name: str) -> dict[str, Any]:
        return find_addon(self, cluster_name, addon_name, deleting_ok=True)[1]

    def delete_addon(self: Any, cluster_name: str, addon_name: str) -> dict[str, Any]:
        cluster, addon = find_addon(self, cluster_name, addon_name)
        if addon.get("_gone_at") is None:
            addon["_gone_at"] = time.time() + delay_of(cluster)
        advance(cluster)
        return addon

    def list_addons(self: Any, cluster_name: str) -> list[str]:
        cluster = live_cluster(self, cluster_name, deleting_ok=True)
        advance(cluster)
        return sorted(addons_of(cluster))

    def update_addon(self: Any, cluster_name: str, addon_name: str, addon_version: str | None,
                     service_account_role_arn: str | None, configuration_values: str | None,
                     pod_identity_associations: list[dict[str, Any]] | None) -> dict[str, Any]:
        cluster, addon = find_addon(self, cluster_name, addon_name)
        if addon.get("_gone_at") is not None:
            raise in_use(f"Addon {addon_name} is being deleted", cluster_name, addon_name)
        updates = updates_of(cluster)
        if any(u["status"] == "InProgress" and u["_addon"] == addon_name for u in updates.values()):
            raise in_use(f"Addon {addon_name} has an update in progress", cluster_name, addon_name)
        params = []
        version = addon["addonVersion"]
        if addon_version is not None:
            version = check_version(cluster, addon_name, addon_version)
            params.append({"type": "AddonVersion", "value": version})
        if configuration_values is not None:
            check_configuration(cluster, addon_name, configuration_values)
            params.append({"type": "ConfigurationValues", "value": configuration_values})
        if service_account_role_arn is not None:
            check_role(cluster, addon_name, service_account_role_arn)
            params.append({"type": "ServiceAccountRoleArn", "value": service_account_role_arn})
        if pod_identity_associations is not None:
            check_pairs(cluster, addon_name, pod_identity_associations)
            params.append({"type": "PodIdentityAssociations", "value": json.dumps(pod_identity_associations)})

        def apply() -> None:
            addon["addonVersion"] = version
            if configuration_values is not None:
                addon["configurationValues"] = configuration_values or None
            if service_account_role_arn is not None:
                addon["serviceAccountRoleArn"] = service_account_role_arn or None
            if pod_identity_associations is not None:
                addon["_pairs"] = list(pod_identity_associations)
                addon["podIdentityAssociations"] = association_arns(self, cluster, pod_identity_associations)
            addon["modifiedAt"] = time.time()

        update = {
            "id": str(uuid.uuid4()),
            "status": "InProgress",
            "type": "AddonUpdate",
            "params": params,
            "createdAt": time.time(),
            "errors": [],
            "_done_at": time.time() + delay_of(cluster),
            "_fail": eks_ext_fails(cluster),
            "_apply": apply,
            "_addon": addon_name,
        }
        updates[update["id"]] = update
        advance(cluster)
        return update

    def eks_ext_fails(cluster: Any) -> bool:
        return (cluster.tags or {}).get(eks_ext.FAIL_TAG, "").lower() == "true"

    def describe_addon_update(self: Any, name: str, update_id: str, addon_name: str) -> dict[str, Any]:
        cluster = live_cluster(self, name)
        advance(cluster)
        update = updates_of(cluster).get(update_id)
        if update is None or update["_addon"] != addon_name:
            raise not_found(f"No update found for ID: {update_id}.", name, addon_name)
        return update

    backend_cls.create_addon = create_addon
    backend_cls.describe_addon = describe_addon
    backend_cls.delete_addon = delete_addon
    backend_cls.list_addons = list_addons
    backend_cls.update_addon = update_addon

    # Tags on add-ons, beside eks_ext's clusters and node groups.
    def addon_by_arn(self: Any, arn: str) -> dict[str, Any] | None:
        for cluster in list(self.clusters.values()):
            advance(cluster)
            for addon in addons_of(cluster).values():
                if addon["addonArn"] == arn:
                    return addon
        return None

    def with_addons(name: str, on_addon: Callable[[dict[str, Any], Any], Any]) -> None:
        original = getattr(backend_cls, name)

        def method(self: Any, resource_arn: str, *args: Any) -> Any:
            addon = addon_by_arn(self, resource_arn)
            if addon is None:
                return original(self, resource_arn, *args)
            return on_addon(addon, *args)
        setattr(backend_cls, name, method)

    def untag(addon: dict[str, Any], keys: Any) -> None:
        for key in keys if isinstance(keys, list) else [keys]:
            addon["tags"].pop(key, None)

    with_addons("tag_resource", lambda addon, tags: addon["tags"].update(tags))
    with_addons("untag_resource", untag)
    with_addons("list_tags_for_resource", lambda addon: addon["tags"])

    # ---- tokens ----------------------------------------------------------------
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

    def idempotent(operation: str, start: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
        def run(resp: Any) -> dict[str, Any]:
            key = token_key(resp, operation)
            seen = resp.eks_backend.__dict__.setdefault("_platform_addon_tokens", {})
            if key is not None and (operation, key[0]) in seen:
                fingerprint, result = seen[(operation, key[0])]
                if fingerprint != key[1]:
                    raise invalid(f"The client request token {key[0]} was already used with different parameters.")
                for cluster in list(resp.eks_backend.clusters.values()):
                    advance(cluster)
                return result
            result = start(resp)
            if key is not None:
                seen[(operation, key[0])] = (key[1], result)
            return result
        return run

    # ---- responses -------------------------------------------------------------
    create = idempotent("CreateAddon", lambda self: self.eks_backend.create_addon(
        cluster_name=self._get_param("name"),
        addon_name=self._get_param("addonName"),
        addon_version=self._get_param("addonVersion"),
        service_account_role_arn=self._get_param("serviceAccountRoleArn"),
        configuration_values=self._get_param("configurationValues"),
        pod_identity_associations=self._get_param("podIdentityAssociations"),
        tags=self._get_param("tags"),
    ))
    update = idempotent("UpdateAddon", lambda self: self.eks_backend.update_addon(
        cluster_name=self._get_param("name"),
        addon_name=self._get_param("addonName"),
        addon_version=self._get_param("addonVersion"),
        service_account_role_arn=self._get_param("serviceAccountRoleArn"),
        configuration_values=self._get_param("configurationValues"),
        pod_identity_associations=self._get_param("podIdentityAssociations"),
    ))

    def r_create_addon(self: Any) -> Any:
        return ActionResult({"addon": public(create(self))})

    def r_update_addon(self: Any) -> Any:
        return ActionResult({"update": public(update(self))})

    def r_describe_addon(self: Any) -> Any:
        addon = self.eks_backend.describe_addon(self._get_param("name"), self._get_param("addonName"))
        return ActionResult({"addon": public(addon)})

    def r_delete_addon(self: Any) -> Any:
        addon = self.eks_backend.delete_addon(self._get_param("name"), self._get_param("addonName"))
        return ActionResult({"addon": public(addon)})

    def r_list_addons(self: Any) -> Any:
        names = self.eks_backend.list_addons(self._get_param("name"))
        return ActionResult({"addons": names})

    def r_describe_addon_versions(self: Any) -> Any:
        wanted = self._get_param("addonName")
        kubernetes = self._get_param("kubernetesVersion")
        out = []
        for name, entry in sorted(CATALOGUE.items()):
            if wanted and name != wanted:
                continue
            versions = []
            for v in reversed(entry["versions"]):
                ks = [k for k in v["kubernetes"] if kubernetes in (None, k)]
                if not ks:
                    continue
                versions.append({
                    "addonVersion": v["version"],
                    "architecture": ["amd64", "arm64"],
                    "computeTypes": ["ec2"],
                    "compatibilities": [{"clusterVersion": k, "platformVersions": ["*"],
                                         "defaultVersion": k in v["default_for"]} for k in ks],
                    "requiresConfiguration": False,
                    "requiresIamPermissions": "sa" in entry,
                })
            if versions:
                out.append({"addonName": name, "type": entry["type"], "addonVersions": versions,
                            "publisher": "eks", "owner": "aws", "defaultNamespace": "kube-system"})
        return ActionResult({"addons": out})

    def r_describe_addon_configuration(self: Any) -> Any:
        name, version = self._get_param("addonName"), self._get_param("addonVersion")
        if version_info(name, version) is None:
            raise invalid(f"Addon version specified is not supported: {name} {version}", None, name)
        result: dict[str, Any] = {"addonName": name, "addonVersion": version,
                                  "configurationSchema": json.dumps(SCHEMAS[name])}
        if "sa" in CATALOGUE[name]:
            sa, policy = CATALOGUE[name]["sa"]
            result["podIdentityConfiguration"] = [{"serviceAccount": sa, "recommendedManagedPolicies": [policy]}]
        return ActionResult(result)

    original_describe_update = response_cls.describe_update
    original_list_updates = response_cls.list_updates

    def r_describe_update(self: Any) -> Any:
        addon = self._get_param("addonName")
        if not addon:
            return original_describe_update(self)
        update = describe_addon_update(self.eks_backend, self._get_param("name"), self._get_param("updateId"), addon)
        return ActionResult({"update": public(update)})

    def r_list_updates(self: Any) -> Any:
        addon = self._get_param("addonName")
        if not addon:
            return original_list_updates(self)
        cluster = live_cluster(self.eks_backend, self._get_param("name"))
        advance(cluster)
        return ActionResult({"updateIds": [u["id"] for u in updates_of(cluster).values() if u["_addon"] == addon]})

    response_cls.create_addon = r_create_addon
    response_cls.describe_addon = r_describe_addon
    response_cls.update_addon = r_update_addon
    response_cls.delete_addon = r_delete_addon
    response_cls.list_addons = r_list_addons
    response_cls.describe_addon_versions = r_describe_addon_versions
    response_cls.describe_addon_configuration = r_describe_addon_configuration
    response_cls.describe_update = r_describe_update
    response_cls.list_updates = r_list_updates

    urls.url_paths.update({
        "{0}/clusters/(?P<name>[^/]+)/addons$": response_cls.dispatch,
        "{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>[^/]+)$": response_cls.dispatch,
        "{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>[^/]+)/update$": response_cls.dispatch,
        "{0}/addons/supported-versions$": response_cls.dispatch,
        "{0}/addons/configuration-schemas$": response_cls.dispatch,
    })
