"""Search finds people whatever the case and accents ("Lukasik" and "łukasik" find "Łukasik",
"Wojcik" finds "Wójcik", "SMITH" finds "Smith") on SQLite as on PostgreSQL: the plans list and
the interim-control register, through the folded `users.search_name` (pip_app/folding.py,
pip_app/search.py); free text through the Unicode-aware lower() the app gives SQLite."""

import re
import string
from datetime import date
from urllib.parse import quote

import pytest
from flask_migrate import downgrade, upgrade
from hypothesis import given
from hypothesis import strategies as st

from pip_app import create_app
from pip_app.extensions import db
from pip_app.folding import SEARCH_KEY_LENGTH, fold, search_key
from pip_app.models import Role, format_reference
from pip_app.search import could_be_in_reference
from tests import factories
from tests.factories import make_control
from tests.test_references_and_reviews import scratch_database  # noqa: F401 (a fixture, by name)

START = date(2026, 11, 2)
NAMES = ("Zofia Łukasik", "Renée Dupré", "Sam Jones")


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["FROZEN_TODAY"] = "2026-11-23"


@pytest.fixture
def plans(world, make_plan):
    """One active plan with a control for each staff member, by name."""
    made = {}
    for name in NAMES:
        staff = factories.make_user(Role.STAFF, name=name, services=[world["home"]], line_manager=world["manager"])
        plan = make_plan(staff=staff, manager=world["manager"], service=world["home"], start=START)
        made[name] = (plan, make_control(plan, world["senior"]))
    return made


SEARCHES = [
    ("łukasik", "Zofia Łukasik"),  # stored upper case, typed lower case
    ("ŁUKASIK", "Zofia Łukasik"),
    ("DUPRÉ", "Renée Dupré"),  # stored lower case, typed upper case
    ("renée", "Renée Dupré"),
]


@pytest.mark.parametrize("typed,name", SEARCHES)
def test_plans_list_search_ignores_non_ascii_case(sign_in, world, plans, typed, name):
    page = sign_in(world["manager"]).get(f"/plans/?q={quote(typed)}").text
    found = {n for n, (plan, _) in plans.items() if plan.reference in page}
    assert found == {name}


@pytest.mark.parametrize("typed,name", SEARCHES)
def test_register_search_ignores_non_ascii_case(sign_in, world, plans, typed, name):
    page = sign_in(world["senior"]).get(f"/register?status=all&q={quote(typed)}").text
    shown = {int(i) for i in re.findall(r'<tbody id="register-control-(\d+)"', page)}
    assert shown == {plans[name][1].id}


def test_sql_lower_is_unicode_aware_and_null_safe(app):
    """On SQLite the app's lower() replaces the ASCII-only built-in; PostgreSQL's already is."""
    row = db.session.execute(db.text("SELECT lower('ŁUKASIK Ö É'), lower(CAST(NULL AS TEXT)), lower('MiXeD')")).one()
    assert tuple(row) == ("łukasik ö é", None, "mixed")


# --- Folded names: accents, strokes and case ignored (issue 15, item 5) ---

PEOPLE = ("Zofia Łukasik", "Piotr Wójcik", "Sam Smith", "Aoife O'Neill", "Ørjan Ærø")
FOUND = [
    ("Lukasik", "Zofia Łukasik"),  # ł has no decomposition: folded by the explicit table
    ("lukasik", "Zofia Łukasik"),
    ("ŁUKASIK", "Zofia Łukasik"),
    ("Wojcik", "Piotr Wójcik"),  # ó decomposes (NFKD) and loses its accent
    ("WÓJCIK", "Piotr Wójcik"),
    ("SMITH", "Sam Smith"),
    ("o’neill", "Aoife O'Neill"),  # a phone's apostrophe
    ("orjan aero", "Ørjan Ærø"),
    ("  piotr   WOJ ", "Piotr Wójcik"),  # spaces collapsed
]


@pytest.fixture
def people(world, make_plan):
    """One active plan with a control for each person; each control's responsible person is the
    world's senior, so a name found is the staff member's."""
    made = {}
    for name in PEOPLE:
        staff = factories.make_user(Role.STAFF, name=name, services=[world["home"]], line_manager=world["manager"])
        plan = make_plan(staff=staff, manager=world["manager"], service=world["home"], start=START)
        made[name] = (plan, make_control(plan, world["senior"]))
    return made


def _plans_found(client, typed: str, people) -> set[str]:
    response = client.get(f"/plans/?q={quote(typed)}")
    assert response.status_code == 200
    return {n for n, (plan, _) in people.items() if plan.reference in response.text}


def _register_found(client, typed: str, people) -> set[str]:
    response = client.get(f"/register?status=all&q={quote(typed)}")
    assert response.status_code == 200
    shown = {int(i) for i in re.findall(r'<tbody id="register-control-(\d+)"', response.text)}
    return {n for n, (_, control) in people.items() if control.id in shown}


@pytest.mark.parametrize("typed,name", FOUND)
def test_plans_list_finds_people_whatever_the_accents_and_case(sign_in, world, people, typed, name):
    assert _plans_found(sign_in(world["manager"]), typed, people) == {name}


@pytest.mark.parametrize("typed,name", FOUND)
def test_register_finds_people_whatever_the_accents_and_case(sign_in, world, people, typed, name):
    assert _register_found(sign_in(world["senior"]), typed, people) == {name}


def test_register_finds_the_responsible_person_by_folded_name(sign_in, world, make_plan):
    responsible = factories.make_user(Role.MANAGER, name="Łucja Dąbrowska", services=[world["home"]])
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START)
    control = make_control(plan, responsible)
    page = sign_in(world["senior"]).get("/register?status=all&q=dabrowska").text
    assert {int(i) for i in re.findall(r'<tbody id="register-control-(\d+)"', page)} == {control.id}


@pytest.mark.parametrize("typed", ["%", "_", "\\", "%ukasik", "Ł_kasik"])
def test_like_wildcards_typed_are_taken_literally(sign_in, world, people, typed):
    """Nobody's name holds these characters, so nothing is found (unescaped, % and _ match everything)."""
    assert _plans_found(sign_in(world["manager"]), typed, people) == set()
    assert _register_found(sign_in(world["senior"]), typed, people) == set()


def test_a_reference_is_found_in_any_case(sign_in, world, people):
    plan = people["Piotr Wójcik"][0]
    assert _plans_found(sign_in(world["manager"]), plan.reference.lower(), people) == {"Piotr Wójcik"}
    assert _register_found(sign_in(world["senior"]), plan.reference.lower(), people) == {"Piotr Wójcik"}


@given(st.integers(2000, 2999), st.integers(1, 10**6), st.data())
def test_any_part_of_a_reference_could_be_in_one(year, number, data):
    """A search for any part of a reference, in any case, still looks in the references."""
    reference = format_reference(year, number)
    start = data.draw(st.integers(0, len(reference) - 1))
    end = data.draw(st.integers(start + 1, len(reference)))
    part = reference[start:end]
    assert could_be_in_reference(part) and could_be_in_reference(part.lower())


@pytest.mark.parametrize("text", ["Wójcik", "PIP 2026", "PIP–2026", "ip_", "\u0301", "x"])
def test_text_no_reference_holds_is_not_looked_for_in_them(text):
    """A name, a space, an en dash before folding makes it a hyphen (so that one could be), a
    wildcard, text that folds to nothing."""
    assert could_be_in_reference(text) == (text == "PIP–2026")


def test_text_that_folds_to_nothing_finds_no_name(sign_in, world, people):
    """A lone combining accent folds to an empty string, which must not match every name."""
    assert _plans_found(sign_in(world["manager"]), "\u0301", people) == set()


# --- The folded column is kept current by everything that writes names ---


def test_every_way_of_adding_a_person_stores_the_folded_name(app, world):
    from pip_app.services.users import create_user

    made = create_user(
        world["admin"],
        email="new@example.test",
        name="  Zoë Łukasik ",
        role=Role.STAFF,
        password="a long passphrase 42",
    )
    db.session.flush()
    stored = db.session.execute(db.text("SELECT name, search_name FROM users WHERE id = :id"), {"id": made.id}).one()
    assert tuple(stored) == ("Zoë Łukasik", "zoe lukasik")


def test_renaming_a_person_refolds_the_name(app, world):
    staff = world["staff"]
    staff.name = "Łucja WÓJCIK"
    db.session.flush()
    assert db.session.scalar(db.text("SELECT search_name FROM users WHERE id = :id"), {"id": staff.id}) == (
        "lucja wojcik"
    )


def test_the_scale_seed_fills_the_folded_names(app):
    from pip_app.tools.seed import seed_scale

    seed_scale(10, services=2, staff=6, seed=3)
    db.session.flush()
    rows = db.session.execute(db.text("SELECT name, search_name FROM users")).all()
    assert rows and all(folded == search_key(name) for name, folded in rows)
    assert any("ł" in name.lower() for name, _ in rows)  # the seed's names include an Ł to fold


def _app_on_a_scratch_database(request):
    """The app on an empty database of its own, for a test that runs the migrations up and down."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": request.getfixturevalue("scratch_database"),
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
        }
    )


def test_migration_0011_folds_the_names_already_there(request):
    app = _app_on_a_scratch_database(request)
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as conn:
            for n, name in enumerate(("Zofia Łukasik", "Piotr WÓJCIK", "Sam Smith")):
                conn.execute(
                    db.text(
                        "INSERT INTO users (email, name, role, password_hash, active, session_token, created_at) "
                        "VALUES (:email, :name, 'staff', 'x', true, 't', '2026-11-01 09:00:00')"
                    ),
                    {"email": f"p{n}@example.test", "name": name},
                )
        upgrade()
        with db.engine.connect() as conn:
            got = dict(conn.execute(db.text("SELECT name, search_name FROM users")).all())
        assert got == {"Zofia Łukasik": "zofia lukasik", "Piotr WÓJCIK": "piotr wojcik", "Sam Smith": "sam smith"}
        downgrade(revision="0008")  # and back: the column and its index go
        with db.engine.connect() as conn:
            assert "search_name" not in {c["name"] for c in db.inspect(conn).get_columns("users")}
        db.session.remove()
        db.engine.dispose()


# --- A control's detail: folded as names are, kept current, filled by the seed and migration 0027 ---


def test_register_finds_a_control_by_its_detail_whatever_the_accents_and_case(sign_in, world, make_plan):
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START)
    wanted = make_control(plan, world["manager"], detail="Second signature from Zoë Łukasik on every MAR entry")
    make_control(plan, world["manager"], detail="Buddy on every shift")
    client = sign_in(world["senior"])
    for typed in ("lukasik", "ZOE ŁUKASIK", "mar entry", "Signature"):
        page = client.get(f"/register?status=all&q={typed}").text
        assert {int(i) for i in re.findall(r'<tbody id="register-control-(\d+)"', page)} == {wanted.id}, typed


def test_changing_a_controls_detail_refolds_it(app, world, make_plan):
    plan = make_plan(staff=world["staff"], manager=world["manager"], service=world["home"], start=START)
    control = make_control(plan, world["manager"], detail="Buddy")
    control.detail = "Supervised by Łucja WÓJCIK"
    db.session.flush()
    stored = db.session.scalar(db.text("SELECT search_detail FROM interim_controls WHERE id = :id"), {"id": control.id})
    assert stored == "supervised by lucja wojcik"


def test_the_scale_seed_fills_the_folded_details(app):
    from pip_app.tools.seed import seed_scale

    seed_scale(10, services=2, staff=6, seed=3)
    db.session.flush()
    rows = db.session.execute(db.text("SELECT detail, search_detail FROM interim_controls")).all()
    assert rows and all(folded == fold(detail) for detail, folded in rows)


def test_migration_0027_folds_the_details_already_there(request):
    """Controls written before 0027 get their folded detail when it runs: seeded at the head, taken
    back to 0026 (the column goes), then upgraded again."""
    from pip_app.tools.seed import seed_scale

    app = _app_on_a_scratch_database(request)
    with app.app_context():
        upgrade()
        seed_scale(10, services=2, staff=6, seed=3)
        db.session.commit()
        db.session.remove()
        downgrade(revision="0026")
        with db.engine.connect() as conn:
            assert "search_detail" not in {c["name"] for c in db.inspect(conn).get_columns("interim_controls")}
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(db.text("SELECT detail, search_detail FROM interim_controls")).all()
        assert rows and all(folded == fold(detail) for detail, folded in rows)
        db.session.remove()
        db.engine.dispose()


# --- The folding itself: pure, and a fixed point ---


@pytest.mark.parametrize(
    "text,folded",
    [
        ("Łukasik", "lukasik"),
        ("Wójcik", "wojcik"),
        ("SMITH", "smith"),
        ("Straße", "strasse"),
        ("Ærø", "aero"),
        ("Œuvre", "oeuvre"),
        ("Þór Đorđević", "thor dordevic"),
        ("İstanbul", "istanbul"),
        ("Yıldız", "yildiz"),
        ("ﬁnn", "finn"),
        ("O’Neill", "o'neill"),
        ("Smith–Jones", "smith-jones"),
        ("  Anne \t Marie ", "anne marie"),
    ],
)
def test_fold_examples(text, folded):
    assert fold(text) == folded


@given(st.text())
def test_folding_a_folded_string_changes_nothing(text):
    assert fold(fold(text)) == fold(text)


@given(st.text(alphabet=string.ascii_lowercase))
def test_ascii_lower_case_letters_are_unchanged(text):
    assert fold(text) == text


@given(st.text(alphabet=st.characters(categories=("Lu", "Ll", "Zs"), max_codepoint=0x24F)))
def test_latin_text_folds_alike_in_upper_and_lower_case(text):
    assert fold(text.upper()) == fold(text.lower()) == fold(text)


@given(st.text())
def test_the_stored_key_is_the_folded_text_within_its_bound(text):
    key = search_key(text)
    assert len(key) <= SEARCH_KEY_LENGTH
    assert fold(text).startswith(key)
