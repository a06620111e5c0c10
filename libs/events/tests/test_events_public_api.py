import inspect
import typing
from pathlib import Path

import helpdesk_events as he
import pytest
from pydantic import BaseModel

pytestmark = pytest.mark.unit


def test_all_lists_exactly_the_public_names():
    public = [name for name, value in vars(he).items() if not name.startswith("_") and not inspect.ismodule(value)]
    assert he.__all__ == sorted(public, key=str.casefold)


def _union_members(alias: object) -> set[type]:
    union, _discriminator = typing.get_args(alias)
    return set(typing.get_args(union))


def test_unions_cover_the_registries():
    assert _union_members(he.TicketEvent) == set(he.TICKET_EVENT_TYPES.values())
    assert _union_members(he.DirectoryEvent) == set(he.DIRECTORY_EVENT_TYPES.values())
    assert _union_members(he.AnyEvent) == set(he.EVENT_TYPES.values())
    assert len(he.EVENT_TYPES) == len(he.TICKET_EVENT_TYPES) + len(he.DIRECTORY_EVENT_TYPES)


@pytest.mark.parametrize("name", sorted(he.EVENT_TYPES))
def test_each_event_is_frozen_named_and_has_a_data_model(name):
    cls = he.EVENT_TYPES[name]
    assert cls.__name__ == name
    assert cls.model_fields["type"].default == name
    assert cls.model_config["frozen"] is True
    data = cls.model_fields["data"].annotation
    assert isinstance(data, type) and issubclass(data, BaseModel)
    assert data.__name__ == f"{name}Data"
    assert data.model_config["frozen"] is True
    assert data.model_config["extra"] == "ignore"


@pytest.mark.parametrize("name", sorted(he.EVENT_TYPES))
def test_current_schema_version_is_reachable_by_upcasting(name):
    assert he.EVENT_TYPES[name].model_fields["schema_version"].default == he.UPCASTERS.latest_version(name)


def test_directory_events_are_keyed_by_entity_ticket_events_by_ticket():
    for cls in he.TICKET_EVENT_TYPES.values():
        assert issubclass(cls, he.EventBase)
    for directory_cls in he.DIRECTORY_EVENT_TYPES.values():
        assert issubclass(directory_cls, he.DirectoryEventBase)
        assert "ticket_id" not in directory_cls.model_fields


def test_the_readme_lists_every_event_type():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")

    assert [name for name in he.EVENT_TYPES if f"| `{name}`" not in readme] == []
