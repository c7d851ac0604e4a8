"""`make buyer-cancels` (`python -m local_stack buyer-cancel`): one buyer's cancellation request in the running
stack's emulator, its ids printed; the emulator's refusal said as such. A state file naming an emulator
stands in for `make local-up`'s stack."""

import json

import pytest
from local_stack.__main__ import main
from local_stack.stack import StackInfo
from tiktok_emulator import AuthorizedShop


@pytest.fixture
def state_file(tmp_path, tiktok_emulator):
    stack = StackInfo(
        name="up",
        host="127.0.0.1",
        layout="source",
        runtime_python="python3",
        function="ApproveCancellationFunction",
        moto_url="http://127.0.0.1:9",
        tiktok_url=tiktok_emulator.url,
        invoke_url="http://127.0.0.1:9",
        resources={},
        function_env={},
    )
    path = tmp_path / "state.json"
    path.write_text(json.dumps(stack.to_json()), encoding="utf-8")
    return str(path)


def test_it_creates_one_request_and_prints_its_ids(state_file, tiktok_emulator, capsys):
    tiktok_emulator.add_seller("de", [AuthorizedShop("DE_cipher", id="7000000000000000201", region="DE")])

    code = main(
        [
            "--state-file",
            state_file,
            "buyer-cancel",
            "--shop-id",
            "7000000000000000201",
            "--reason",
            "ecom_order_to_ship_canceled_reason_better_price",
            "--amount",
            "9.99",
        ]
    )

    cancel_line, order_line, summary = capsys.readouterr().out.splitlines()
    cancel_id, order_id = cancel_line.removeprefix("cancel_id "), order_line.removeprefix("order_id ")
    assert code == 0
    assert tiktok_emulator.cancellations() == {cancel_id: "pending"}
    order = tiktok_emulator.update_order(order_id, status="AWAITING_SHIPMENT")  # as it was: to read it
    assert (order["payment"]["currency"], order["payment"]["total_amount"]) == ("EUR", "9.99")
    assert "in shop 7000000000000000201 (DE_cipher)" in summary
    assert "to be answered by " in summary


def test_the_emulators_refusal_is_said_and_exits_1(state_file, tiktok_emulator, capsys):
    code = main(["--state-file", state_file, "buyer-cancel", "--amount", "lots"])

    assert code == 1
    assert "make buyer-cancels: the emulator refused: create_buyer_cancellation: refund_total must be" in (
        capsys.readouterr().out
    )
    assert tiktok_emulator.cancellations() == {}


def test_without_a_stack_it_says_so(tmp_path, capsys):
    assert main(["--state-file", str(tmp_path / "none.json"), "buyer-cancel"]) == 1
    assert "no local stack is up" in capsys.readouterr().out
