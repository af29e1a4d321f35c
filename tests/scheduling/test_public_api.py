from __future__ import annotations

import prolo.scheduling as scheduling


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in vars(scheduling) if not name.startswith("_")}
    modules = {
        name
        for name, value in vars(scheduling).items()
        if type(value).__name__ == "module"
    }
    assert set(scheduling.__all__) == public - modules


def test_every_listed_name_exists() -> None:
    for name in scheduling.__all__:
        assert hasattr(scheduling, name), name
