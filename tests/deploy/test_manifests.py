"""The Kubernetes manifests, images and compose file, checked offline.

Renders every Kustomize overlay with the real kustomize, validates core resources against the Kubernetes
schemas (kubernetes-validate, strict), checks the Strimzi/CNPG/KEDA resources structurally, and checks
the cross-references that break deployments: env vars the services read, topics, images, probes.
"""

from __future__ import annotations

import importlib
import os
import re
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


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_core_resources_are_valid_kubernetes(overlay):
    core = [d for d in render(overlay) if d["apiVersion"] == "v1" or d["apiVersion"].startswith(CORE_GROUPS)]
    assert {d["kind"] for d in core} >= {"Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy", "ConfigMap"}
    for doc in core:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


# The parts of the operators' CRD schemas this project relies on (required fields and their types).
CRD_SHAPES: dict[str, dict[str, type]] = {
    "Kafka": {"spec.kafka.version": str, "spec.kafka.listeners": list, "spec.entityOperator": dict},
    "KafkaNodePool": {"spec.replicas": int, "spec.roles": list, "spec.storage.type": str},
    "KafkaTopic": {"spec.topicName": str, "spec.partitions": int, "spec.replicas": int, "spec.config": dict},
    "KafkaUser": {"spec.authentication.type": str, "spec.authorization.acls": list},
    "Cluster": {"spec.instances": int, "spec.storage.size": str, "spec.bootstrap.initdb.database": str},
    "ScheduledBackup": {"spec.schedule": str, "spec.cluster.name": str},
    "ScaledObject": {"spec.scaleTargetRef.name": str, "spec.maxReplicaCount": int, "spec.triggers": list},
    "TriggerAuthentication": {"spec.secretTargetRef": list},
    "ServiceMonitor": {"spec.selector.matchLabels": dict, "spec.endpoints": list},
    "PrometheusRule": {"spec.groups": list},
}
API_VERSIONS = {
    "Kafka": "kafka.strimzi.io/v1beta2",
    "KafkaNodePool": "kafka.strimzi.io/v1beta2",
    "KafkaTopic": "kafka.strimzi.io/v1beta2",
    "KafkaUser": "kafka.strimzi.io/v1beta2",
    "Cluster": "postgresql.cnpg.io/v1",
    "ScheduledBackup": "postgresql.cnpg.io/v1",
    "ScaledObject": "keda.sh/v1alpha1",
    "TriggerAuthentication": "keda.sh/v1alpha1",
    "ServiceMonitor": "monitoring.coreos.com/v1",
    "PrometheusRule": "monitoring.coreos.com/v1",
}


def dig(doc: dict[str, Any], dotted: str) -> Any:
    value: Any = doc
    for part in dotted.split("."):
        assert isinstance(value, dict) and part in value, f"{doc['kind']}/{doc['metadata']['name']}: missing {dotted}"
        value = value[part]
    return value


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_operator_resources_have_the_fields_their_crds_require(overlay):
    docs = render(overlay)
    for doc in docs:
        kind = doc["kind"]
        if kind not in CRD_SHAPES:
            continue
        assert doc["apiVersion"] == API_VERSIONS[kind], f"{kind}: {doc['apiVersion']}"
        for path, typ in CRD_SHAPES[kind].items():
            assert isinstance(dig(doc, path), typ), f"{kind}/{doc['metadata']['name']}: {path} is not {typ.__name__}"


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
