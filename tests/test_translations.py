"""The Simplified Chinese catalogue is complete, and the pages speak it unless asked not to."""

import ast
import contextlib
import re
from collections import Counter
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from grids.models import Grid
from incidents.models import Incident

PO = Path(django_settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES" / "django.po"
# %(name)s, %(area).0f, %s, %d, and the {count} that the map's script fills in.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[sdif]|\{\w+\}")
KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$')


def parse_po(text: str) -> list[dict]:
    """Each entry as {"flags": set, "msgid": str, "msgid_plural": str, "msgstr": [str]}.

    Enough of the PO format for a catalogue written by makemessages: entries separated by
    blank lines, strings on one or more quoted lines. Obsolete entries (#~), which gettext
    ignores, come back as {"obsolete": True}.
    """
    entries = []
    for block in text.strip().split("\n\n"):
        lines = block.strip().split("\n")
        if all(line.startswith("#~") for line in lines if not line.startswith("#:")):
            entries.append({"obsolete": True, "text": block})
            continue
        entry = {"flags": set(), "msgstr": {}}
        key = None
        for line in lines:
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif match := KEYWORD.match(line):
                key = match.group(1)
                value = ast.literal_eval(match.group(2))
                if key.startswith("msgstr"):
                    entry["msgstr"][key] = value
                else:
                    entry[key] = value
            elif key.startswith("msgstr"):
                entry["msgstr"][key] += ast.literal_eval(line)
            else:
                entry[key] += ast.literal_eval(line)
        entry["msgstr"] = [entry["msgstr"][name] for name in sorted(entry["msgstr"])]
        entries.append(entry)
    return entries


@pytest.fixture
def catalogue(settings) -> list[dict]:
    """The parsed catalogue, compiled first when its .mo is missing or older than the .po."""
    compiled = PO.with_suffix(".mo")
    if not compiled.exists() or compiled.stat().st_mtime < PO.stat().st_mtime:
        # From inside locale/ compilemessages finds no other catalogue than LOCALE_PATHS'.
        with contextlib.chdir(PO.parents[2]):
            call_command("compilemessages", locale=["zh_Hans"], verbosity=0)
    # Setting LOCALE_PATHS again makes Django drop the catalogues it had already loaded.
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)
    return parse_po(PO.read_text(encoding="utf-8"))


def messages(catalogue: list[dict]) -> list[dict]:
    return [entry for entry in catalogue if not entry.get("obsolete") and entry["msgid"]]


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def test_the_parser_reads_flags_plurals_and_strings_over_several_lines():
    text = (
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\nmsgid "Hello %(name)s"\nmsgstr ""\n'
        '"你好 "\n"%(name)s"\n\n'
        'msgid "%(count)d case"\nmsgid_plural "%(count)d cases"\nmsgstr[0] ""\n\n'
        '#~ msgid "Gone"\n#~ msgstr "已删除"'
    )

    header, greeting, cases, gone = parse_po(text)

    assert header["msgstr"] == ["Plural-Forms: nplurals=1; plural=0;\n"]
    assert greeting == {
        "flags": {"fuzzy", "python-format"},
        "msgid": "Hello %(name)s",
        "msgstr": ["你好 %(name)s"],
    }
    assert cases["msgid_plural"] == "%(count)d cases"
    assert cases["msgstr"] == [""]
    assert gone["obsolete"] is True


def test_the_catalogue_has_one_plural_form_and_no_fuzzy_header(catalogue):
    header = catalogue[0]

    assert header["msgid"] == ""
    assert "fuzzy" not in header["flags"]
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header["msgstr"][0]
    assert "Language: zh_Hans\n" in header["msgstr"][0]


def test_every_message_of_the_catalogue_is_translated_and_none_is_fuzzy(catalogue):
    entries = messages(catalogue)

    assert len(entries) > 300
    assert [entry["msgid"] for entry in entries if not all(entry["msgstr"])] == []
    assert [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]] == []


def test_chinese_plurals_have_exactly_one_form(catalogue):
    plurals = [entry for entry in messages(catalogue) if "msgid_plural" in entry]

    assert plurals
    assert [entry["msgid"] for entry in plurals if len(entry["msgstr"]) != 1] == []


def test_every_translation_keeps_the_placeholders_of_its_english_text(catalogue):
    mismatched = [
        (entry["msgid"], translated)
        for entry in messages(catalogue)
        for translated in entry["msgstr"]
        if placeholders(translated) != placeholders(entry.get("msgid_plural", entry["msgid"]))
    ]

    assert mismatched == []


def test_the_placeholder_pattern_sees_every_kind_the_code_uses():
    text = "%(count)d of %(name)s, %(area).0f m², %s and {count}"

    assert placeholders(text) == Counter(["%(count)d", "%(name)s", "%(area).0f", "%s", "{count}"])


def page_title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


@pytest.mark.django_db
def test_the_login_page_is_in_chinese_by_default(client, catalogue):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert page_title(response) == "登录 · 网格化社会治理平台"
    assert '<html lang="zh-hans">' in response.content.decode()
    assert '<button type="submit" class="button">登录</button>' in response.content.decode()


@pytest.mark.django_db
def test_the_login_page_is_in_chinese_when_the_browser_asks_for_it(client, catalogue):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")

    assert page_title(response) == "登录 · 网格化社会治理平台"


@pytest.mark.django_db
def test_the_login_page_is_in_english_when_the_browser_asks_for_it(client, catalogue):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")

    assert page_title(response) == "Log in · Grid governance platform"
    assert '<html lang="en">' in response.content.decode()
    assert "登录" not in response.content.decode()


def test_models_speak_chinese_under_zh_hans(catalogue):
    with translation.override("zh-hans"):
        assert str(Grid._meta.verbose_name) == "网格"
        assert str(Incident._meta.verbose_name) == "事件"
        assert str(Incident.Status.HANDLED.label) == "已处置，待核查"


def test_models_speak_english_under_en(catalogue):
    with translation.override("en"):
        assert str(Grid._meta.verbose_name) == "grid"
        assert str(Incident.Status.HANDLED.label) == "Handled, awaiting verification"


def test_a_chinese_plural_is_used_for_any_count(catalogue):
    with translation.override("zh-hans"):
        one = translation.ngettext(
            "Ended %(count)d assignment.", "Ended %(count)d assignments.", 1
        ) % {"count": 1}
        many = translation.ngettext(
            "Ended %(count)d assignment.", "Ended %(count)d assignments.", 3
        ) % {"count": 3}

    assert (one, many) == ("已结束 1 项网格分配。", "已结束 3 项网格分配。")


@pytest.mark.slow
def test_the_catalogue_holds_every_message_of_the_code(settings, tmp_path, monkeypatch):
    """makemessages, run on a copy of the catalogue, finds no message that is not in it yet:
    a string added without its Chinese would otherwise reach users in English."""
    root = Path(django_settings.BASE_DIR)
    skip = {"locale", "tests", "bench", "var", ".venv", ".git", "node_modules"}
    for source in root.iterdir():
        if source.name not in skip and not source.name.startswith("."):
            (tmp_path / source.name).symlink_to(source)
    copied = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    copied.parent.mkdir(parents=True)
    copied.write_bytes(PO.read_bytes())
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)

    call_command("makemessages", locale=["zh_Hans"], symlinks=True, verbosity=0)

    def msgids(path: Path) -> set[str]:
        return {e["msgid"] for e in messages(parse_po(path.read_text(encoding="utf-8")))}

    assert sorted(msgids(copied) - msgids(PO)) == []


def test_the_admin_names_the_sign_in_throttle_and_two_factor_apps_in_chinese(catalogue):
    """Stop 23's walk: the admin's Axes and OTP headings were in English."""
    with translation.override("zh-hans"):
        names = {
            label: str(apps.get_app_config(label).verbose_name)
            for label in ("axes", "otp_totp", "otp_static")
        }
        models = {
            str(model._meta.verbose_name_plural)
            for label in ("axes", "otp_totp", "otp_static")
            for model in apps.get_app_config(label).get_models()
        }
    assert names == {
        "axes": "登录防护",
        "otp_totp": "双重认证（验证器）",
        "otp_static": "双重认证（备用码）",
    }
    assert not [name for name in models if re.search("[A-Za-z]", name)], models
    with translation.override("en"):
        assert str(apps.get_app_config("otp_totp").verbose_name) == "Two-factor authenticator apps"
