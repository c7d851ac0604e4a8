"""The one control surface: POST /__emulator/call/<control> over the allow-list, its answers to bad input,
the client with the same names (local_stack.tiktok_admin), and the docs that list the controls."""

import inspect
import re
from pathlib import Path

import pytest
from emulator_controls_doc import DOC, doc_block, render
from emulator_http import Shop, control, raw_request
from local_stack.tiktok_admin import ControlRefused, TikTokAdmin
from tiktok_emulator import AuthorizedShop, Fault, TikTokEmulator
from tiktok_emulator.controls import CONTROLS

CANCEL_ID = "5760001"
ROOT = Path(__file__).resolve().parents[2]


# --- the allow-list ----------------------------------------------------------------------------------------


def test_every_control_is_a_documented_public_method_of_the_emulator():
    for name in CONTROLS:
        method = getattr(TikTokEmulator, name)
        assert inspect.isfunction(method), f"{name} is no method"
        assert not name.startswith("_")
        assert inspect.getdoc(method), f"{name} says nothing of what it does"
    assert len(set(CONTROLS)) == len(CONTROLS)


@pytest.mark.parametrize(
    "name",
    [
        "stop",
        "start",
        "respond",
        "describe",
        "signed_query",
        "recorder",
        "_resolve",
        "__init__",
        "nothing",
        "seed/x",
    ],
)
def test_a_method_not_on_the_allow_list_answers_404_and_never_runs(tiktok_emulator, name):
    tiktok_emulator.seed({CANCEL_ID: "pending"})

    status, answer = control(tiktok_emulator, name)

    assert status == 404
    assert f"no control {name!r}" in answer["error"]
    assert "seed" in answer["error"]  # the controls there are
    assert tiktok_emulator.cancellations() == {CANCEL_ID: "pending"}
    assert Shop(tiktok_emulator).approve(CANCEL_ID).code == 0  # still serving: stop() never ran


def test_get_lists_the_controls_with_their_arguments(tiktok_emulator):
    reply = raw_request(tiktok_emulator.url, "GET", "/__emulator/call")

    assert reply.status == 200
    listed = reply.json()["controls"]
    assert [entry["name"] for entry in listed] == list(CONTROLS)
    assert listed[0]["call"].startswith("seed(cancellations: Mapping[str, str] | None = None, ")
    assert all(entry["summary"] for entry in listed)


def test_every_control_without_required_arguments_answers_json(tiktok_emulator):
    """Each result, whatever its type, goes through the one serialiser."""
    for name in CONTROLS:
        parameters = inspect.signature(getattr(tiktok_emulator, name)).parameters.values()
        if all(parameter.default is not parameter.empty for parameter in parameters):
            assert control(tiktok_emulator, name)[0] == 200, name


# --- bad input: a 400 naming the problem, and the server goes on -------------------------------------------


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("seed", b"{not json", "seed: the body is not JSON"),
        ("seed", b"\xff\xfe", "seed: the body is not JSON"),
        ("seed", b"[1, 2]", "seed: the body must be a JSON object of arguments, got [1, 2]"),
        ("seed", b'"pending"', "seed: the body must be a JSON object of arguments"),
        ("seed", b'{"cancelations": {}}', "seed takes no argument cancelations; its arguments: cancellations, shop_cipher, sellers"),
        ("seed", b'{"app_key": "k", "cancellations": {}}', "seed takes no argument app_key"),
        ("withdraw", b"{}", "withdraw needs the argument cancel_id"),
        ("withdraw", b'{"cancel_id": 5760001}', "withdraw: cancel_id must be str, got 5760001"),
        ("seed", b'{"cancellations": {"1": 5}}', "seed: cancellations must be Mapping[str, str] | None, got {'1': 5}"),
        ("seed", b'{"cancellations": ["1"]}', "seed: cancellations must be Mapping[str, str] | None"),
        ("seed", b'{"cancellations": {"1": "lost"}}', "seed: state of 1 must be one of"),
        ("forget_not_found", b'{"cancel_ids": "5760001"}', "forget_not_found: cancel_ids must be Sequence[str], got '5760001'"),
        ("forget_not_found", b'{"cancel_ids": [1]}', "forget_not_found: cancel_ids must be Sequence[str], got [1]"),
        ("inject_fault", b'{"fault": "drop"}', "inject_fault: fault must be an object"),
        ("inject_fault", b'{"fault": {"kind": "drop", "times": 2}}', "inject_fault: fault has unknown keys ['times']"),
        ("inject_fault", b'{"fault": {"kind": "drop"}, "times": true}', "inject_fault: times must be int | None, got True"),
        ("inject_fault", b'{"fault": {"kind": "drop"}, "times": 1.5}', "inject_fault: times must be int | None, got 1.5"),
        ("set_rate_limit", b'{"limit": "fast"}', "set_rate_limit: limit must be float | None, got 'fast'"),
        ("set_rate_limit", b'{"limit": -1}', "set_rate_limit: the rate limit must be a positive number"),
        ("set_repeated_key_mode", b'{"mode": "sometimes"}', "set_repeated_key_mode: repeated_key must be 'replay' or 'reprocess'"),
        ("issue_auth_code", b'{"lifetime": 0}', "issue_auth_code: lifetime must be a positive number of seconds"),
        ("set_authorized_shops", b'{"shops": [{"cipher": "A", "x": "y"}]}', "set_authorized_shops: shops[0] has unknown keys"),
        ("add_sellers", b'{"sellers": [{"shops": [{"cipher": "X"}]}]}', r"add_sellers: sellers[0] needs an open_id"),
    ],
)  # fmt: skip
def test_bad_input_answers_400_naming_the_problem_and_changes_nothing(tiktok_emulator, name, body, message):
    tiktok_emulator.seed({CANCEL_ID: "pending"})
    before = (tiktok_emulator.cancellations(), tiktok_emulator.sellers(), tiktok_emulator.faults())

    reply = raw_request(tiktok_emulator.url, "POST", f"/__emulator/call/{name}", body=body)

    assert reply.status == 400
    assert message in reply.json()["error"]
    assert (tiktok_emulator.cancellations(), tiktok_emulator.sellers(), tiktok_emulator.faults()) == before
    assert Shop(tiktok_emulator).approve(CANCEL_ID).code == 0


def test_arguments_go_in_the_body_not_the_query(tiktok_emulator):
    reply = raw_request(tiktok_emulator.url, "POST", "/__emulator/call/authorized_shops?seller=x")

    assert reply.status == 400
    assert "its arguments go in the body" in reply.json()["error"]


@pytest.mark.parametrize(
    ("method", "path", "status", "message"),
    [
        ("GET", "/__emulator/call/cancellations", 405, "a control is called with POST"),
        ("PUT", "/__emulator/call/seed", 405, "a control is called with POST"),
        ("GET", "/__emulator/calls", 404, "the controls are POST /__emulator/call/<control>"),
        ("POST", "/__emulator/faults", 404, "listed by GET /__emulator/call"),
    ],
)
def test_other_methods_and_paths_say_where_the_controls_are(tiktok_emulator, method, path, status, message):
    reply = raw_request(tiktok_emulator.url, method, path)

    assert reply.status == status
    assert message in reply.json()["error"]


def test_a_control_that_fails_answers_500_and_the_server_goes_on(tiktok_emulator, monkeypatch):
    monkeypatch.setattr(tiktok_emulator, "approvals", lambda: 1 / 0)
    monkeypatch.setattr(tiktok_emulator, "cancellations", lambda: {"state": object()})

    assert control(tiktok_emulator, "approvals") == (
        500,
        {"error": "approvals failed: ZeroDivisionError: division by zero"},
    )
    assert control(tiktok_emulator, "cancellations") == (
        500,
        {"error": "cancellations failed: TypeError: object has no JSON form (no to_json)"},
    )
    assert control(tiktok_emulator, "faults") == (200, [])


# --- the client: the same names, the same arguments ---------------------------------------------------------


def test_the_client_calls_each_control_by_its_name_with_the_emulators_arguments(tiktok_emulator):
    tiktok = TikTokAdmin(tiktok_emulator.url)

    tiktok.seed({CANCEL_ID: "pending"})
    tiktok.inject_fault(Fault("http_429"), CANCEL_ID, 2)  # positional, as in process
    tiktok.set_authorized_shops([AuthorizedShop("A"), {"cipher": "B"}])  # the emulator's types, or JSON

    assert tiktok.cancellations() == {CANCEL_ID: "pending"}
    assert tiktok.faults() == [
        {"kind": "http_429", "delay": None, "status": None, "cancel_id": CANCEL_ID, "times": 2}
    ]
    assert tiktok.authorized_shops() == [AuthorizedShop("A").to_json(), AuthorizedShop("B").to_json()]
    assert tiktok.cancellation_state(cancel_id=CANCEL_ID) == "pending"


def test_the_client_raises_the_emulators_refusal(tiktok_emulator):
    tiktok = TikTokAdmin(tiktok_emulator.url)

    with pytest.raises(ControlRefused, match="expire_token: unknown access token") as refused:
        tiktok.expire_token("never-issued")

    assert isinstance(refused.value, ValueError)  # as the call in process raises


def test_the_client_knows_only_the_allow_list_and_binds_arguments_before_sending():
    tiktok = TikTokAdmin("http://127.0.0.1:9")  # nothing listens: nothing must be sent

    with pytest.raises(AttributeError, match="'stop' is not one of the emulator's controls"):
        tiktok.stop()
    with pytest.raises(TypeError, match="unexpected keyword argument 'cancelations'"):
        tiktok.seed(cancelations={})
    with pytest.raises(TypeError, match="missing a required argument: 'cancel_id'"):
        tiktok.withdraw()
    assert tiktok.seed.__doc__ == TikTokEmulator.seed.__doc__


def test_no_control_is_hidden_by_the_clients_own_attributes():
    client = TikTokAdmin("http://127.0.0.1:9")
    assert not set(CONTROLS) & (set(vars(client)) | set(vars(TikTokAdmin)))


# --- the docs -------------------------------------------------------------------------------------------------


def test_the_docs_list_of_controls_is_generated_from_the_allow_list():
    assert doc_block(DOC.read_text(encoding="utf-8")) == render(), "run `make emulator-controls-doc`"


def test_every_emulator_path_in_the_docs_and_the_local_code_names_a_control():
    texts = [
        ROOT / "README.md",
        ROOT / "tests/README.md",
        *(ROOT / "docs").glob("*.md"),
        *(ROOT / "mk").glob("*.mk"),
        *(ROOT / "local").rglob("*.py"),
        *(ROOT / "scripts").rglob("*.py"),
        *(ROOT / "benchmarks").rglob("*.py"),
    ]
    named = {
        f"{path.relative_to(ROOT)}: {match}"
        for path in texts
        for match in re.findall(r"/__emulator/[\w<>/-]*", path.read_text(encoding="utf-8"))
    }
    allowed = {"/__emulator/", "/__emulator/call", "/__emulator/call/<control>"}
    allowed |= {f"/__emulator/call/{name}" for name in CONTROLS}

    assert {entry for entry in named if entry.split(": ")[1] not in allowed} == set()
    assert any(entry == "docs/local-development.md: /__emulator/call/inject_fault" for entry in named)
