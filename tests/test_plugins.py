"""The plugin manager: registration, clashes, broken plugins, autoload and disabling."""

from __future__ import annotations

import sys
import textwrap

import pytest

import listwatch
from listwatch.errors import PluginError
from listwatch.plugins import DISABLE_ENV, GROUP, make_plugins, register
from listwatch.sources import collect_sources

BUILTINS = ("listwatch_table", "listwatch_ustr_nml", "listwatch_feed")


def loaded(plugins) -> set[str]:
    """Names of the plugins actually registered (a blocked name maps to None)."""
    return {name for name, plugin in plugins.pm.list_name_plugin() if plugin is not None}


def source(name, schema=None, title="a test source"):
    """A Source instance with the given name and options schema."""

    class Test(listwatch.Source):
        def fetch(self, location, options, ctx):
            return listwatch.Draft(list={"id": name}, entries=[{"id": "a", "name": "A"}])

    Test.name, Test.title = name, title
    if schema is not None:
        Test.options_schema = schema
    return Test()


def plugin_registering(*sources):
    class Plugin:
        @listwatch.hookimpl
        def register_sources(self, register):
            for s in sources:
                register(s)

    return Plugin()


@pytest.fixture
def echo(plugins):
    """The built-ins plus a test plugin `listwatch_echo` (package listwatch-echo 1.2.3)."""
    register(plugins, plugin_registering(source("echo")), "listwatch_echo",
             package=("listwatch-echo", "1.2.3"))
    return plugins


def test_hook_register_sources(echo):
    found = collect_sources(echo, warn=pytest.fail)
    assert {"echo", "table"} <= set(found)
    reg = found["echo"]
    assert (reg.plugin, reg.package, reg.version) == ("listwatch_echo", "listwatch-echo", "1.2.3")
    assert found["table"].package == "listwatch"
    # a plugin module with a plain function works too, and may register several sources
    module = type(sys)("listwatch_two")
    module.register_sources = listwatch.hookimpl(
        lambda register: [register(source("one")), register(source("two"))])
    register(echo, module, "listwatch_two")
    assert {"one", "two"} <= set(collect_sources(echo, warn=pytest.fail))


def test_duplicate_source_names_name_both_packages(echo):
    register(echo, plugin_registering(source("echo")), "other_plugin",
             package=("listwatch-other", "0.9"))
    warnings: list[str] = []
    found = collect_sources(echo, warn=warnings.append)
    assert "echo" not in found and "table" in found  # ambiguous, not fatal
    (line,) = warnings
    assert "'echo'" in line and "listwatch-echo" in line and "listwatch-other" in line
    with pytest.raises(PluginError) as err:
        found["echo"]  # noqa: B018
    message = str(err.value)
    assert "listwatch-echo" in message and "listwatch-other" in message
    assert "\n" not in message


def test_duplicate_of_a_builtin(plugins):
    register(plugins, plugin_registering(source("table")), "mine", package=("my-tables", "1"))
    warnings: list[str] = []
    found = collect_sources(plugins, warn=warnings.append)
    assert len(warnings) == 1 and "'table'" in warnings[0]
    with pytest.raises(PluginError, match="'table'") as err:
        found["table"]  # noqa: B018
    assert "listwatch (plugin listwatch_table)" in str(err.value)
    assert "my-tables (plugin mine)" in str(err.value)
    assert found["my-tables:table"].plugin == "mine"


@pytest.mark.parametrize("name", ["Bad Name", "UPPER", "", "-dash", "with space", "a/b", None, 3])
def test_invalid_source_name(plugins, name):
    thing = source("placeholder")
    thing.name = name
    register(plugins, plugin_registering(thing, source("fine")), "naming",
             package=("naming-pkg", "1"))
    warnings: list[str] = []
    found = collect_sources(plugins, warn=warnings.append)
    (line,) = warnings
    assert "invalid name" in line and "naming-pkg" in line
    assert {"fine", "table"} <= set(found)  # only the bad source is skipped


def test_valid_source_names(plugins):
    names = ["a", "ustr-nml2", "feed-x", "entity_list", "ofac-sdn-2"]
    register(plugins, plugin_registering(*map(source, names)), "names")
    assert set(names) <= set(collect_sources(plugins, warn=pytest.fail))


@pytest.mark.parametrize("schema", [
    {"type": "objekt"},
    {"type": "object", "properties": {"x": {"type": 5}}},
    {"type": "object", "required": "x"},
    {"minLength": -1},
])
def test_invalid_options_schema(plugins, schema):
    register(plugins, plugin_registering(source("badschema", schema)), "bad",
             package=("bad-pkg", "1"))
    warnings: list[str] = []
    found = collect_sources(plugins, warn=warnings.append)
    (line,) = warnings
    assert "invalid options schema" in line and "'badschema'" in line and "bad-pkg" in line
    assert "badschema" not in found and "table" in found


def test_a_hook_that_raises_is_skipped_with_one_warning(echo):
    class Kaput:
        @listwatch.hookimpl
        def register_sources(self, register):
            register(source("half"))  # registered before the crash: must not leak through
            raise RuntimeError("kaput\nsecond line")

    register(echo, Kaput(), "listwatch_kaput", package=("listwatch-kaput", "0.1"))
    warnings: list[str] = []
    found = collect_sources(echo, warn=warnings.append)
    assert {"echo", "table"} <= set(found) and "half" not in found
    assert len(warnings) == 1
    (line,) = warnings
    assert "listwatch_kaput" in line and "listwatch-kaput" in line and "kaput" in line
    assert "\n" not in line


def test_misspelled_hook_is_a_plugin_error(plugins):
    class Typo:
        @listwatch.hookimpl
        def register_source(self, register):  # missing "s"
            pass

    with pytest.raises(PluginError, match="register_source") as err:
        register(plugins, Typo(), "typo_plugin")
    assert "typo_plugin" in str(err.value)
    assert not plugins.pm.has_plugin("typo_plugin")  # unregistered again
    plugins.pm.check_pending()  # and the manager stays usable


def test_wrong_hook_arguments_is_a_plugin_error(plugins):
    class Wrong:
        @listwatch.hookimpl
        def register_sources(self, register, extra):
            pass

    with pytest.raises(PluginError, match="wrong_args") as err:
        register(plugins, Wrong(), "wrong_args")
    assert "extra" in str(err.value) and "\n" not in str(err.value)
    assert not plugins.pm.has_plugin("wrong_args")


def test_register_twice_is_a_plugin_error(plugins):
    with pytest.raises(PluginError):
        register(plugins, sys.modules["listwatch_table"], "listwatch_table")


def test_autoload_finds_the_builtin_entry_points(monkeypatch):
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    warnings: list[str] = []
    plugins = make_plugins(warn=warnings.append)
    names = loaded(plugins)
    missing = set(BUILTINS) - names
    assert not missing, (f"entry points {missing} not found: is the project installed "
                         f"(pip install -e '.[test]')? warnings: {warnings}")
    for name in BUILTINS:
        assert plugins.dists[name] == ("listwatch", listwatch.__version__)
    assert not [w for w in warnings if "listwatch_" in w], warnings
    assert collect_sources(plugins, warn=warnings.append)["table"].package == "listwatch"


def test_each_run_gets_a_fresh_manager(monkeypatch):
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    first, second = make_plugins(warn=pytest.fail), make_plugins(warn=pytest.fail)
    assert first.pm is not second.pm
    register(first, plugin_registering(source("only-here")), "only_first")
    assert "only-here" not in collect_sources(second, warn=pytest.fail)


@pytest.mark.parametrize("value", ["listwatch_table", " listwatch_feed , listwatch_table ",
                                   "listwatch_table,"])
def test_disable_plugins_from_the_environment(monkeypatch, value):
    monkeypatch.setenv(DISABLE_ENV, value)
    plugins = make_plugins(warn=pytest.fail)
    names = loaded(plugins)
    assert "listwatch_table" not in names and "listwatch_ustr_nml" in names
    assert "table" not in collect_sources(plugins, warn=pytest.fail)
    # registering it explicitly is blocked too
    register(plugins, sys.modules.get("listwatch_table") or object(), "listwatch_table")
    assert not plugins.pm.has_plugin("listwatch_table")


def test_disable_plugins_argument(monkeypatch):
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    plugins = make_plugins(disabled=["listwatch_feed"], warn=pytest.fail)
    names = loaded(plugins)
    assert "listwatch_feed" not in names and "listwatch_table" in names


def test_a_disabled_plugin_is_listed_as_disabled_with_its_package(tmp_path, monkeypatch):
    fake_distribution(tmp_path, "listwatch-off", {"lw_off": "lw_off_mod"},
                      {"lw_off_mod": "raise RuntimeError('must not be imported')\n"})
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv(DISABLE_ENV, "lw_off,listwatch_feed,not_installed_anywhere")
    plugins = make_plugins(warn=pytest.fail)
    rows = {r["name"]: r for r in plugins.describe(collect_sources(plugins, warn=pytest.fail),
                                                   builtins=True)}
    assert rows["lw_off"] == {"name": "lw_off", "package": "listwatch-off", "version": "0.3",
                              "hooks": [], "sources": [], "disabled": True}
    assert rows["listwatch_feed"]["disabled"] is True
    assert rows["listwatch_feed"]["version"] == listwatch.__version__
    assert "disabled" not in rows["listwatch_table"]
    assert "not_installed_anywhere" not in rows  # a name that is no installed plugin
    hidden = plugins.describe({}, builtins=False)
    assert [r["name"] for r in hidden] == ["lw_off"]


def fake_distribution(root, package, entry_points, modules):
    """A dist-info on ``root`` (put on sys.path) whose ``listwatch`` entry points are given."""
    info = root / f"{package.replace('-', '_')}-0.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 0.3\n")
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{lines}")
    for module, code in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(code))


def test_broken_entry_point_is_skipped_with_one_warning(tmp_path, monkeypatch):
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    fake_distribution(tmp_path, "listwatch-broken", {"lw_broken": "lw_broken_mod"},
                      {"lw_broken_mod": """
                          import this_dependency_is_not_installed_anywhere
                      """})
    monkeypatch.syspath_prepend(str(tmp_path))
    warnings: list[str] = []
    plugins = make_plugins(warn=warnings.append)
    broken = [w for w in warnings if "lw_broken" in w]
    assert len(broken) == 1, warnings
    (line,) = broken
    assert "listwatch-broken" in line and "ModuleNotFoundError" in line and "\n" not in line
    assert [(e.name, e.package) for e in plugins.load_errors] == [("lw_broken",
                                                                   "listwatch-broken")]
    names = loaded(plugins)
    assert set(BUILTINS) <= names and "lw_broken" not in names
    assert "table" in collect_sources(plugins, warn=pytest.fail)


def test_entry_point_raising_on_import_and_misspelled_hook(tmp_path, monkeypatch):
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    fake_distribution(
        tmp_path, "listwatch-two-broken",
        {"lw_raises": "lw_raises_mod", "lw_typo": "lw_typo_mod", "lw_fine": "lw_fine_mod"},
        {"lw_raises_mod": 'raise RuntimeError("boom at import\\nmore")\n',
         "lw_typo_mod": """
             import listwatch

             @listwatch.hookimpl
             def register_source(register):
                 pass
         """,
         "lw_fine_mod": """
             import listwatch

             class Fine(listwatch.Source):
                 name = "fine"

             @listwatch.hookimpl
             def register_sources(register):
                 register(Fine())
         """})
    monkeypatch.syspath_prepend(str(tmp_path))
    for module in ("lw_raises_mod", "lw_typo_mod", "lw_fine_mod"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    warnings: list[str] = []
    plugins = make_plugins(warn=warnings.append)
    raises = [w for w in warnings if "lw_raises" in w]
    typo = [w for w in warnings if "lw_typo" in w]
    assert len(raises) == 1 and "boom at import" in raises[0] and "more" not in raises[0]
    assert len(typo) == 1 and "register_source" in typo[0] and "listwatch-two-broken" in typo[0]
    assert all("\n" not in w for w in warnings)
    found = collect_sources(plugins, warn=pytest.fail)
    assert found["fine"].package == "listwatch-two-broken" and found["fine"].version == "0.3"
    assert not plugins.pm.has_plugin("lw_typo")
