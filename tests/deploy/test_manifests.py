"""The Kubernetes manifests, images and compose file, checked offline.

Renders every Kustomize overlay with the real kustomize, validates core resources against the Kubernetes
schemas (kubernetes-validate, strict) and the Strimzi/CNPG/KEDA/prometheus-operator resources against the
operators' CRD schemas (deploy/k8s/schemas/validate.mjs, strict about undeclared fields), and checks the
cross-references that break deployments: env vars the services read, topics, images, probes.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from helpdesk_events.topics import TOPIC_SPECS

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
KUSTOMIZE = ROOT / ".cache" / "bin" / "kustomize"
SCHEMAS = ROOT / "deploy" / "k8s" / "schemas"
OVERLAYS = ["dev", "prod"]
SERVICES = {"projections": 8080, "intake": 8081, "routing": 8082, "sla": 8083, "escalation": 8084}
K8S_VERSION = "1.31.0"
CORE_GROUPS = ("v1", "apps/", "policy/", "networking.k8s.io/", "batch/", "autoscaling/")


@cache
def render(overlay: str) -> list[dict[str, Any]]:
    if not KUSTOMIZE.exists():
        pytest.fail(f"{KUSTOMIZE} missing: `make setup` installs it (go install sigs.k8s.io/kustomize)")
    out = subprocess.run(
        [
            str(KUSTOMIZE),
            "build",
            "--load-restrictor",
            "LoadRestrictionsNone",
            str(ROOT / "deploy/k8s/overlays" / overlay),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def is_core(doc: dict[str, Any]) -> bool:
    return bool(doc["apiVersion"] == "v1" or doc["apiVersion"].startswith(CORE_GROUPS))


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_core_resources_are_valid_kubernetes(overlay):
    core = [d for d in render(overlay) if is_core(d)]
    assert {d["kind"] for d in core} >= {"Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy", "ConfigMap"}
    for doc in core:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


# Every custom resource the manifests ship, with the API version the operators serve it under.
CRD_KINDS = {
    "Kafka": "kafka.strimzi.io/v1",
    "KafkaNodePool": "kafka.strimzi.io/v1",
    "KafkaTopic": "kafka.strimzi.io/v1",
    "KafkaUser": "kafka.strimzi.io/v1",
    "Cluster": "postgresql.cnpg.io/v1",
    "ScheduledBackup": "postgresql.cnpg.io/v1",
    "ScaledObject": "keda.sh/v1alpha1",
    "TriggerAuthentication": "keda.sh/v1alpha1",
    "ServiceMonitor": "monitoring.coreos.com/v1",
    "PrometheusRule": "monitoring.coreos.com/v1",
}


def run_validator(stdin: str) -> tuple[int, dict[str, Any]]:
    """deploy/k8s/schemas/validate.mjs: the operators' real CRD schemas (the pinned @kubernetes-models/*
    packages), including fields the schemas do not declare. Returns its exit status and its report."""
    node = shutil.which("node")
    if node is None or not (SCHEMAS / "node_modules").is_dir():
        pytest.fail(f"node or {SCHEMAS}/node_modules missing: `make setup` installs the schemas (npm ci)")
    proc = subprocess.run(
        [node, str(SCHEMAS / "validate.mjs")], input=stdin, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode in (0, 1), f"validate.mjs exited {proc.returncode}: {proc.stderr}"
    report: dict[str, Any] = json.loads(proc.stdout)
    assert report["ok"] == (proc.returncode == 0), proc.stdout
    return proc.returncode, report


def validate_custom_resources(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    _, report = run_validator(json.dumps(docs))
    results: list[dict[str, Any]] = report["results"]
    assert len(results) == len(docs)
    return results


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_custom_resources_are_valid_against_the_operators_crd_schemas(overlay):
    custom = [d for d in render(overlay) if not is_core(d)]
    for doc in custom:
        assert CRD_KINDS.get(doc["kind"]) == doc["apiVersion"], f"{doc['apiVersion']}/{doc['kind']}"
    assert {d["kind"] for d in custom} == set(CRD_KINDS)
    results = validate_custom_resources(custom)
    errors = [
        f"{r['kind']}/{r['name']}: {e['instancePath'] or '/'} {e['message']} ({e['keyword']})"
        for r in results
        for e in r["errors"]
    ]
    assert not errors, "\n".join(errors)
    assert [(r["kind"], r["name"]) for r in results] == [(d["kind"], d["metadata"]["name"]) for d in custom]


DELETE = object()
# Mistakes the real schemas must catch: (kind, name, path in the document, new value or DELETE) and the
# error expected (JSON pointer, ajv keyword; unknownField: a field the schema does not declare).
MISTAKES = {
    "topic partitions not a number": (
        ("KafkaTopic", "helpdesk-inbound", "spec/partitions", "twelve"),
        ("/spec/partitions", "type"),
    ),
    "topic field misspelt": (
        ("KafkaTopic", "helpdesk-inbound", "spec/partitons", 12),
        ("/spec/partitons", "unknownField"),
    ),
    "metadata field misspelt": (
        ("KafkaTopic", "helpdesk-tickets", "metadata/label", {}),
        ("/metadata/label", "unknownField"),
    ),
    "kafka listener type": (
        ("Kafka", "helpdesk", "spec/kafka/listeners/0/type", "intern"),
        ("/spec/kafka/listeners/0/type", "enum"),
    ),
    "kafka without listeners": (("Kafka", "helpdesk", "spec/kafka/listeners", DELETE), ("/spec/kafka", "required")),
    "node pool role": (("KafkaNodePool", "dual-role", "spec/roles/1", "brokers"), ("/spec/roles/1", "enum")),
    "user acl operation": (
        ("KafkaUser", "intake", "spec/authorization/acls/0/operations/0", "Reed"),
        ("/spec/authorization/acls/0/operations/0", "enum"),
    ),
    "cluster instances as string": (("Cluster", "helpdesk-pg", "spec/instances", "3"), ("/spec/instances", "type")),
    "cluster field from another kind": (
        ("Cluster", "helpdesk-pg", "spec/replicas", 3),
        ("/spec/replicas", "unknownField"),
    ),
    "postgresql parameter as number": (
        ("Cluster", "helpdesk-pg", "spec/postgresql/parameters/max_connections", 300),
        ("/spec/postgresql/parameters/max_connections", "type"),
    ),
    "managed role ensure": (
        ("Cluster", "helpdesk-pg", "spec/managed/roles/0/ensure", "yes"),
        ("/spec/managed/roles/0/ensure", "enum"),
    ),
    "backup owner reference": (
        ("ScheduledBackup", "helpdesk-pg-daily", "spec/backupOwnerReference", "me"),
        ("/spec/backupOwnerReference", "enum"),
    ),
    "trigger field misspelt": (
        ("ScaledObject", "intake", "spec/triggers/0/authRef", {"name": "keda-kafka"}),
        ("/spec/triggers/0/authRef", "unknownField"),
    ),
    "trigger metadata as number": (
        ("ScaledObject", "intake", "spec/triggers/0/metadata/lagThreshold", 500),
        ("/spec/triggers/0/metadata/lagThreshold", "type"),
    ),
    "scaled object without target": (("ScaledObject", "routing", "spec/scaleTargetRef", DELETE), ("/spec", "required")),
    "trigger authentication field": (
        ("TriggerAuthentication", "keda-kafka", "spec/secretTargetRef/0/secret", "keda-kafka"),
        ("/spec/secretTargetRef/0/secret", "unknownField"),
    ),
    "scrape interval": (
        ("ServiceMonitor", "intake", "spec/endpoints/0/interval", "15 seconds"),
        ("/spec/endpoints/0/interval", "pattern"),
    ),
    "alert without expr": (
        ("PrometheusRule", "helpdesk", "spec/groups/0/rules/0/expr", DELETE),
        ("/spec/groups/0/rules/0", "required"),
    ),
}


def mistaken(docs: list[dict[str, Any]], kind: str, name: str, path: str, value: Any) -> dict[str, Any]:
    [doc] = [copy.deepcopy(d) for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    *parents, last = path.split("/")
    node: Any = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if value is DELETE:
        del node[key]
    else:
        node[key] = value
    return doc


@cache
def mistakes_report() -> dict[str, dict[str, Any]]:
    docs = render("dev")
    cases = [mistaken(docs, *change) for change, _ in MISTAKES.values()]
    # Controls: an undeclared kind, and a free-form map (x-kubernetes-preserve-unknown-fields) that is fine.
    cases.append({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledThing", "metadata": {"name": "x"}})
    cases.append(mistaken(docs, "Kafka", "helpdesk", "spec/kafka/config/log.retention.check.interval.ms", 1000))
    names = [*MISTAKES, "unknown kind", "free-form kafka config"]
    return dict(zip(names, validate_custom_resources(cases), strict=True))


@pytest.mark.parametrize("mistake", MISTAKES)
def test_the_crd_schemas_catch_mistakes(mistake):
    _, expected = MISTAKES[mistake]
    result = mistakes_report()[mistake]
    assert not result["ok"]
    assert [(e["instancePath"], e["keyword"]) for e in result["errors"]] == [expected], result["errors"]


def test_the_crd_validation_reports_unknown_kinds_and_accepts_free_form_fields():
    report = mistakes_report()
    assert report["unknown kind"]["errors"] == [
        {"instancePath": "", "keyword": "unknownKind", "message": "no schema for keda.sh/v1alpha1/ScaledThing"}
    ]
    assert report["free-form kafka config"]["ok"], report["free-form kafka config"]["errors"]


def test_the_crd_validator_reads_a_stream_of_documents_and_fails_if_any_is_invalid():
    [topic] = [d for d in of_kind(render("dev"), "KafkaTopic") if d["metadata"]["name"] == "helpdesk-inbound"]
    bad = mistaken([topic], "KafkaTopic", "helpdesk-inbound", "spec/replicas", "three")
    status, report = run_validator("\n".join(json.dumps(d) for d in (topic, bad, topic)))
    assert status == 1 and [r["ok"] for r in report["results"]] == [True, False, True]
    assert report["results"][1]["errors"][0]["message"] == "must be integer"
    assert run_validator(json.dumps(topic))[0] == 0


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_topic_a_service_uses_has_a_kafkatopic_with_the_local_partitions_and_configs(overlay):
    topics = {d["spec"]["topicName"]: d["spec"] for d in of_kind(render(overlay), "KafkaTopic")}
    for spec in TOPIC_SPECS:
        assert spec.name in topics, f"no KafkaTopic for {spec.name}"
        assert topics[spec.name]["partitions"] == spec.partitions
        for key, value in spec.configs.items():
            assert str(topics[spec.name]["config"][key]) == value, f"{spec.name} {key}"


def settings_env_names(service: str) -> set[str]:
    """Every environment variable the service's Settings class reads."""
    config = importlib.import_module(f"{service}.config")
    cls = next(v for k, v in vars(config).items() if k.endswith("Settings") and k != "ServiceSettings")
    names = set()
    for name, field in cls.model_fields.items():
        alias = field.validation_alias
        choices = getattr(alias, "choices", None)
        names.update(str(c) for c in choices) if choices else names.add(f"HELPDESK_{name.upper()}")
    return names


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_env_var_in_a_manifest_is_read_by_its_service_and_the_essential_ones_are_set(overlay):
    for deployment in of_kind(render(overlay), "Deployment"):
        service = deployment["metadata"]["name"]
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        env = {e["name"] for e in container["env"]}
        reads = settings_env_names(service)
        unknown = {n for n in env if n.startswith("HELPDESK_")} - reads
        assert not unknown, f"{service} manifest sets env vars its settings do not read: {unknown}"
        essential = {
            "HELPDESK_ENV",
            "HELPDESK_KAFKA_BOOTSTRAP",
            "HELPDESK_PG_DSN",
            "HELPDESK_CONFIG_DIR",
            "HELPDESK_API_KEYS_FILE",
            f"HELPDESK_{service.upper()}_HTTP_PORT",
        }
        assert essential <= env, f"{service} misses {essential - env}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_probes_hit_real_endpoints_on_the_service_port(overlay, monkeypatch):
    from helpdesk_runtime.service import Runner

    monkeypatch.setenv("HELPDESK_ENV", "development")
    monkeypatch.setenv("HELPDESK_CONFIG_DIR", str(ROOT / "deploy/config/sample"))
    for deployment in of_kind(render(overlay), "Deployment"):
        service = deployment["metadata"]["name"]
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports["http"] == SERVICES[service]
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env[f"HELPDESK_{service.upper()}_HTTP_PORT"] == str(SERVICES[service])
        config = importlib.import_module(f"{service}.config")
        cls = next(v for k, v in vars(config).items() if k.endswith("Settings") and k != "ServiceSettings")
        app = Runner(importlib.import_module(f"{service}.bootstrap").bootstrap(cls())).build_app()
        paths = set(app.openapi()["paths"])
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            assert container[probe]["httpGet"]["path"] in paths, f"{service} {probe}"
            assert container[probe]["httpGet"]["port"] == "http"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_run_hardened_and_scale_within_partitions(overlay):
    docs = render(overlay)
    partitions = {s.name: s.partitions for s in TOPIC_SPECS}
    for deployment in of_kind(docs, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            ctx = container["securityContext"]
            assert ctx["readOnlyRootFilesystem"] is True and ctx["allowPrivilegeEscalation"] is False
            assert "limits" in container["resources"] and "requests" in container["resources"]
            for env in container["env"]:
                assert not re.search(r"password|secret", env["name"], re.I) or "valueFrom" in env, env["name"]
    names = {d["metadata"]["name"] for d in of_kind(docs, "Deployment")}
    assert names == set(SERVICES)
    assert {d["metadata"]["name"] for d in of_kind(docs, "PodDisruptionBudget")} == names
    for scaled in of_kind(docs, "ScaledObject"):
        [trigger] = scaled["spec"]["triggers"]
        assert scaled["spec"]["maxReplicaCount"] <= partitions[trigger["metadata"]["topic"]]
        assert scaled["spec"]["scaleTargetRef"]["name"] in names


def dockerfile_targets() -> set[str]:
    text = (ROOT / "deploy/docker/Dockerfile").read_text()
    return set(re.findall(r"^FROM \S+ AS (\S+)$", text, re.M))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_image_is_built_by_a_dockerfile_target(overlay):
    targets = dockerfile_targets()
    for deployment in of_kind(render(overlay), "Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            name = container["image"].split(":")[0]
            assert name.startswith("helpdesk/") and name.removeprefix("helpdesk/") in targets, container["image"]
    compose = yaml.safe_load((ROOT / "deploy/compose.yaml").read_text())
    for name, svc in compose["services"].items():
        if "build" in svc:
            assert svc["build"].get("target") in targets, name


def test_dockerfile_passes_hadolint():
    hadolint = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "hadolint"
    result = subprocess.run([str(hadolint), str(ROOT / "deploy/docker/Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
