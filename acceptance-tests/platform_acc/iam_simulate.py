"""A small IAM policy evaluator behind IAM's real SimulatePrincipalPolicy
(moto 5.2.5 does not implement it): same request parameters and response
shape as botocore's IAM model (EvaluationResults of EvalActionName,
EvalResourceName, EvalDecision, MatchedStatements, MissingContextValues).

It evaluates the identity policies of a role (inline and attached managed),
or of PolicyInputList: Effect, Action/NotAction, Resource/NotResource with
`*`/`?` wildcards, and the condition operators the controller policies use
(String*, Arn*, Bool, Null, with `ForAnyValue:`/`ForAllValues:` and
`IfExists`), with values from ContextEntries. Not modelled: resource
policies, permissions boundaries, policy variables, numeric and date
operators (an unknown operator never matches). Emulator-only; `install()`
runs in the emulator process."""
from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any

_installed = False


def _match(pattern: str, value: str, case: bool) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case else re.IGNORECASE) is not None


def _as_list(v: Any) -> list:
    return v if isinstance(v, list) else [v]


def _op_match(op: str, cond: str, ctx: str) -> bool | None:
    if op in ("StringEquals", "ArnEquals"):
        return cond == ctx
    if op == "StringEqualsIgnoreCase":
        return cond.lower() == ctx.lower()
    if op in ("StringLike", "ArnLike"):
        return _match(cond, ctx, True)
    if op == "Bool":
        return cond.lower() == ctx.lower()
    return None


NEGATED = {"StringNotEquals": "StringEquals", "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike"}


def condition_holds(block: dict, context: dict[str, list[str]], missing: set[str]) -> bool:
    for raw_op, entries in block.items():
        prefix, _, op = raw_op.rpartition(":")
        if_exists = op.endswith("IfExists")
        op = op.removesuffix("IfExists")
        for key, cond_values in entries.items():
            cond_values = [str(v).lower() if isinstance(v, bool) else str(v) for v in _as_list(cond_values)]
            ctx = context.get(key.lower())
            if op == "Null":
                if (ctx is None) != (cond_values[0] == "true"):
                    return False
                continue
            negated = op in NEGATED
            base = NEGATED.get(op, op)
            if ctx is None:
                if prefix == "ForAllValues" or if_exists or negated:
                    continue
                missing.add(key)
                return False

            def one(c: str) -> bool:
                return any(_op_match(base, v, c) for v in cond_values)

            if prefix == "ForAllValues":
                ok = all(one(c) for c in ctx)
            else:
                ok = any(one(c) for c in ctx)
            if negated:
                ok = not ok
            if not ok:
                return False
    return True


def _statement_matches(st: dict, action: str, resource: str, context: dict, missing: set[str]) -> bool:
    if "Action" in st:
        if not any(_match(a, action, False) for a in _as_list(st["Action"])):
            return False
    elif any(_match(a, action, False) for a in _as_list(st.get("NotAction", []))):
        return False
    if "Resource" in st:
        if not any(_match(r, resource, True) for r in _as_list(st["Resource"])):
            return False
    elif any(_match(r, resource, True) for r in _as_list(st.get("NotResource", []))):
        return False
    return condition_holds(st.get("Condition", {}), context, missing)


def evaluate(documents: list[tuple[str, dict]], action: str, resource: str, context: dict[str, list[str]]) -> dict:
    decision = "implicitDeny"
    matched: list[str] = []
    missing: set[str] = set()
    for source_id, doc in documents:
        for st in _as_list(doc.get("Statement", [])):
            if _statement_matches(st, action, resource, context, missing):
                matched.append(source_id)
                if st.get("Effect") == "Deny":
                    decision = "explicitDeny"
                elif decision != "explicitDeny":
                    decision = "allowed"
    return {"decision": decision, "matched": matched, "missing": sorted(missing) if decision != "allowed" else []}


def _parse_doc(text: str) -> dict:
    text = text if text.lstrip().startswith("{") else urllib.parse.unquote(text)
    return json.loads(text)


RESPONSE = """<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <SimulatePrincipalPolicyResult>
    <IsTruncated>false</IsTruncated>
    <EvaluationResults>{results}</EvaluationResults>
  </SimulatePrincipalPolicyResult>
  <ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata>
</SimulatePrincipalPolicyResponse>"""


def _xml(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    from moto.iam.exceptions import NotFoundException
    from moto.iam.responses import IamResponse

    def simulate_principal_policy(self: Any) -> Any:
        qs = self.querystring
        def multi(prefix: str) -> list[str]:
            keys = sorted((k for k in qs if re.fullmatch(re.escape(prefix) + r"\.member\.\d+", k)), key=lambda k: int(k.rsplit(".", 1)[1]))
            return [qs[k][0] for k in keys]
        arn = self._get_param("PolicySourceArn")
        role = next((r for r in self.backend.roles.values() if r.arn == arn), None)
        if role is None:
            raise NotFoundException(f"Role {arn} not found")
        documents = [(f"{role.name}_{name}", _parse_doc(doc)) for name, doc in role.policies.items()]
        for policy in role.managed_policies.values():
            documents.append((policy.arn, _parse_doc(policy.document)))
        for i, doc in enumerate(multi("PolicyInputList"), 1):
            documents.append((f"PolicyInputList.{i}", _parse_doc(doc)))
        context: dict[str, list[str]] = {}
        i = 1
        while f"ContextEntries.member.{i}.ContextKeyName" in qs:
            name = qs[f"ContextEntries.member.{i}.ContextKeyName"][0]
            context[name.lower()] = multi(f"ContextEntries.member.{i}.ContextKeyValues")
            i += 1
        results = []
        for action in multi("ActionNames"):
            for resource in multi("ResourceArns") or ["*"]:
                r = evaluate(documents, action, resource, context)
                matched = "".join(f"<member><SourcePolicyId>{_xml(m)}</SourcePolicyId><SourcePolicyType>IAM Policy</SourcePolicyType></member>" for m in r["matched"])
                missing_ctx = "".join(f"<member>{_xml(m)}</member>" for m in r["missing"])
                results.append(
                    f"<member><EvalActionName>{_xml(action)}</EvalActionName><EvalResourceName>{_xml(resource)}</EvalResourceName>"
                    f"<EvalDecision>{r['decision']}</EvalDecision><MatchedStatements>{matched}</MatchedStatements>"
                    f"<MissingContextValues>{missing_ctx}</MissingContextValues></member>"
                )
        return RESPONSE.format(results="".join(results))

    IamResponse.simulate_principal_policy = simulate_principal_policy
