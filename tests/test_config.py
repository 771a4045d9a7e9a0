"""Config errors: each is one line naming file, watch and key, and exits 2."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from listwatch.cli import App, cli
from listwatch.config import STARTER, read
from listwatch.errors import ConfigError

GOOD_WATCH = '''
[[watch]]
name = "sdn"
source = "table"
location = "list.csv"
options = {id = "ent_num", name = "SDN_Name"}
'''


def run_check(plugins, tmp_path, text, env=None):
    config = tmp_path / "listwatch.toml"
    config.write_text(text, encoding="utf-8")
    (tmp_path / "list.csv").write_text("ent_num,SDN_Name\n1,A\n", encoding="utf-8")
    result = CliRunner(env=env or {}).invoke(cli, ["--config", str(config), "check"],
                                             obj=App(plugins=plugins))
    return result


@pytest.mark.parametrize("text, expected", [
    (GOOD_WATCH + 'colour = "red"\n', ['watch "sdn"', "key colour", "unknown key"]),
    (GOOD_WATCH.replace('location = "list.csv"', "location = 3"),
     ['watch "sdn"', "key location", "not of type"]),
    (GOOD_WATCH.replace('"table"', '"tabel"'),
     ['watch "sdn"', "key source", "unknown source 'tabel'", "table"]),
    (GOOD_WATCH.replace('id = "ent_num"', "id = 5"), ['watch "sdn"', "key options.id"]),
    (GOOD_WATCH.replace('"list.csv"', '"${LISTWATCH_TEST_UNSET}/list.csv"'),
     ['watch "sdn"', "key location", "LISTWATCH_TEST_UNSET is not set"]),
    (GOOD_WATCH + GOOD_WATCH, ['watch "sdn"', "duplicate watch name"]),
    (GOOD_WATCH + 'strict = "no"\n', ['watch "sdn"', "key strict", "not of type 'boolean'"]),
    ("[[watch]\nname=", ["not valid TOML"]),
    ("[store]\npath = 1\n", ["key store.path"]),
    (GOOD_WATCH + "guard = {max_removed = 2}\n", ['watch "sdn"', "key guard.max_removed"]),
    (GOOD_WATCH + 'report = ["deleted"]\n', ['watch "sdn"', "key report[0]"]),
    ('[alerts]\nnotify = "json://user:hunter2@127.0.0.1/x"\n', ["key alerts.notify"]),
])
def test_config_error_is_one_line_naming_file_watch_key(plugins, tmp_path, text, expected):
    result = run_check(plugins, tmp_path, text)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(tmp_path / "listwatch.toml") in lines[0]
    for part in expected:
        assert part in lines[0]
    assert "Traceback" not in result.output
    assert "hunter2" not in result.stderr


def test_env_values_are_expanded(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(GOOD_WATCH.replace('"list.csv"', '"${DIR}/list.csv"') +
                      'notify = ["json://${HOOK}"]\n', encoding="utf-8")
    cfg = read(config, {"DIR": "/data", "HOOK": "127.0.0.1/x"})
    assert cfg.watches[0].location == "/data/list.csv"
    assert cfg.watches[0].notify == ["json://127.0.0.1/x"]
    assert cfg.store == tmp_path / ".listwatch"


def test_missing_and_non_utf8_config(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        read(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"name = \"\xff\"\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        read(bad)


def test_init_writes_a_starter_that_validates(plugins, tmp_path):
    runner = CliRunner()
    target = tmp_path / "listwatch.toml"
    result = runner.invoke(cli, ["init", str(target)], obj=App(plugins=plugins))
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == STARTER
    cfg = read(target, {})
    assert [w.name for w in cfg.watches] == ["nml", "nml-news"]
    from listwatch.config import check_sources
    from listwatch.sources import collect_sources

    check_sources(cfg, collect_sources(plugins))
    again = runner.invoke(cli, ["init", str(target)], obj=App(plugins=plugins))
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_unknown_watch_name_on_command_line(plugins, tmp_path):
    config = tmp_path / "listwatch.toml"
    config.write_text(GOOD_WATCH, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "check", "nope"],
                                obj=App(plugins=plugins))
    assert result.exit_code == 2
    assert "no watch named 'nope'" in result.stderr and "sdn" in result.stderr


def test_relative_locations_are_relative_to_the_config_file(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    config = sub / "listwatch.toml"
    config.write_text(GOOD_WATCH + GOOD_WATCH.replace('"sdn"', '"web"').replace(
        '"list.csv"', '"https://example.org/list.csv"'), encoding="utf-8")
    cfg = read(config, {})
    assert cfg.watches[0].location == str(sub / "list.csv")
    assert cfg.watches[1].location == "https://example.org/list.csv"


def test_strict_is_per_watch_and_on_by_default(tmp_path):
    config = tmp_path / "listwatch.toml"
    config.write_text(GOOD_WATCH + GOOD_WATCH.replace('"sdn"', '"lax"') + "strict = false\n",
                      encoding="utf-8")
    assert [(w.name, w.strict) for w in read(config).watches] == [("sdn", True), ("lax", False)]
