"""``helpdesk topics create|describe``."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from helpdesk_events.topics import TOPIC_SPECS
from helpdesk_runtime.settings import ServiceSettings
from helpdesk_runtime.topics_admin import ensure_topics


async def topics(settings: ServiceSettings, action: str) -> int:
    if action == "create":
        created = await ensure_topics(
            settings.kafka_bootstrap, settings.topic_prefix, kafka_options=settings.kafka_options()
        )
        for spec in TOPIC_SPECS:
            name = settings.topic(spec.name)
            state = "created" if name in created else "exists"
            print(f"{name:32} {state:8} partitions={spec.partitions} {spec.configs}")
        return 0
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, **settings.kafka_options())
    await admin.start()
    try:
        names = [settings.topic(s.name) for s in TOPIC_SPECS]
        described = await admin.describe_topics(names)
        configs = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names])
        keep = {"retention.ms", "cleanup.policy", "min.insync.replicas"}
        by_name: dict[str, dict[str, str]] = {}
        for resp in configs:
            for res in getattr(resp, "resources", []):
                # (error_code, error_message, resource_type, resource_name, config_entries)
                by_name[res[3]] = {entry[0]: entry[1] for entry in res[4] if entry[0] in keep}
        for topic in sorted(described, key=lambda t: str(t["topic"])):
            parts = len(topic.get("partitions", []))
            print(f"{topic['topic']:32} partitions={parts} {dict(sorted(by_name.get(topic['topic'], {}).items()))}")
        return 0
    finally:
        await admin.close()
