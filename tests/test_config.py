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
    (GOOD_WATCH + 'colour = "red"\n', ['watch "sdn": unknown key \'colour\'']),
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


@pytest.mark.parametrize("text, expected", [
    (GOOD_WATCH.replace("location =", "locaton ="),
     'watch "sdn": unknown key \'locaton\' (did you mean \'location\'?)'),
    ('[store]\npth = "s"\n' + GOOD_WATCH, "[store]: unknown key 'pth' (did you mean 'path'?)"),
    ("[alerts]\nretry = 3\n" + GOOD_WATCH,
     "[alerts]: unknown key 'retry' (did you mean 'retries'?)"),
    (GOOD_WATCH + "guard = {max_remove = 0.3}\n",
     'watch "sdn": guard: unknown key \'max_remove\' (did you mean \'max_removed\'?)'),
    (GOOD_WATCH + 'template = {titel = "x"}\n',
     'watch "sdn": template: unknown key \'titel\' (did you mean \'title\'?)'),
    ("[[watches]]\nname = 1\n", "unknown key 'watches' (did you mean 'watch'?)"),
    ("[[watches]]\nname = 1\n" + GOOD_WATCH, "unknown key 'watches'"),  # watch is there
    (GOOD_WATCH + "zzz = 1\n", 'watch "sdn": unknown key \'zzz\''),
    (GOOD_WATCH.replace('id = "ent_num"', 'idd = "ent_num"'),
     'watch "sdn": key options: unknown key \'idd\' (did you mean \'id\'?)'),
])
def test_an_unknown_key_is_named_with_its_table(plugins, tmp_path, text, expected):
    result = run_check(plugins, tmp_path, text)
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: {tmp_path / 'listwatch.toml'}: {expected}\n"


def test_every_unknown_key_is_named_once_in_file_order(plugins, tmp_path):
    text = ('[store]\npth = "s"\n[alerts]\nnotfy = []\n' +
            GOOD_WATCH.replace("location =", "locaton =") + "guard = {max_remove = 0.3}\n" +
            GOOD_WATCH.replace('"sdn"', '"two"').replace("source =", "sorce ="))
    result = run_check(plugins, tmp_path, text)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "required" not in result.stderr
    named = [part.split(": unknown")[0] for part in
             result.stderr.split(": ", 2)[2].strip().split("; ")]
    assert named == ["[store]", "[alerts]", 'watch "sdn"', 'watch "sdn": guard', 'watch "two"']
    assert "(did you mean 'source'?)" in result.stderr


def test_other_errors_beside_unknown_keys_are_counted(plugins, tmp_path):
    text = GOOD_WATCH.replace("location =", "locaton =") + "guard = {max_removed = 2}\n"
    result = run_check(plugins, tmp_path, text)
    assert result.exit_code == 2
    assert result.stderr.rstrip().endswith("(did you mean 'location'?) (and 1 more)")


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


def test_starter_and_readme_show_timeout_and_max_bytes_with_their_defaults(tmp_path):
    """Both keys are in the `init` template (commented) and the README, at the defaults."""
    import re
    import tomllib
    from pathlib import Path

    from listwatch.fetching import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, parse_size

    uncommented = re.sub(r"(?m)^# ((?:timeout|max_bytes) = )", r"\1", STARTER)
    assert uncommented != STARTER
    config = tmp_path / "listwatch.toml"
    config.write_text(uncommented, encoding="utf-8")
    nml = read(config, {}).watch("nml")
    assert (nml.timeout, nml.max_bytes) == (DEFAULT_TIMEOUT, DEFAULT_MAX_BYTES)
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    section = readme.split("## Configuration", 1)[1]
    example = tomllib.loads(section.split("```toml", 1)[1].split("```", 1)[0])
    watch = example["watch"][0]
    assert (watch["timeout"], parse_size(watch["max_bytes"], "README")) == \
        (DEFAULT_TIMEOUT, DEFAULT_MAX_BYTES)


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
