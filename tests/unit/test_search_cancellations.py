"""Search Cancellations in the layer: the signed request with its JSON body, input checks, typed results."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from tiktok_shop import (
    Cancellation,
    CancelStatus,
    TikTokAPIError,
    TikTokShopClient,
    TikTokValidationError,
    sign,
)
from tiktok_shop.cancellations import SEARCH_CANCELLATIONS_PATH, parse_page, search_body, search_query

SAMPLE = {
    "code": 0,
    "message": "Success",
    "request_id": "202203070749000101890810281E8C70B7",
    "data": {
        "cancellations": [
            {
                "order_id": "577087614418520388",
                "cancel_type": "BUYER_CANCEL",
                "cancel_status": "CANCELLATION_REQUEST_PENDING",
                "role": "BUYER",
                "cancel_reason": "ecom_order_to_ship_canceled_reason_created_by_mistakes",
                "cancel_reason_text": "Order created by mistake",
                "create_time": 1690451136,
                "update_time": 1690451136,
                "seller_next_action_response": [{"action": "SELLER_RESPOND_CANCEL", "deadline": 1690554680}],
                "refund_amount": {"currency": "USD", "refund_total": "1.23", "refund_tax": "0.03"},
                "cancel_line_items": [{"cancel_line_item_id": "4035227913481196964"}],
                "cancel_id": "4035318504086604100",
            }
        ],
        "total_count": 100,
        "next_page_token": "aDU2dHIz",
    },
}


def make_client(base_url: str = "https://tiktok.test") -> TikTokShopClient:
    return TikTokShopClient(
        app_key="app-key",
        app_secret="app-secret",
        base_url=base_url,
        access_token="access-token",
        shop_cipher="ROW_cipher",
    )


def test_the_request_is_signed_with_its_json_body():
    body = search_body(
        {"cancel_ids": ["4035318504086604100"], "cancel_status": ["CANCELLATION_REQUEST_PENDING"]}
    )
    query = search_query(page_size=5, page_token=None, sort_field="update_time", sort_order="DESC")
    sent = make_client().prepare_request(
        "POST", SEARCH_CANCELLATIONS_PATH, query=query, body=body, timestamp=1700000000
    )
    url = urlsplit(sent.url or "")
    wire = dict(parse_qsl(url.query))
    assert sent.method == "POST"
    assert url.path == SEARCH_CANCELLATIONS_PATH
    assert (wire["page_size"], wire["sort_field"], wire["sort_order"]) == ("5", "update_time", "DESC")
    assert wire["shop_cipher"] == "ROW_cipher"
    assert (
        sent.body
        == b'{"cancel_ids":["4035318504086604100"],"cancel_status":["CANCELLATION_REQUEST_PENDING"]}'
    )
    unsigned = {k: v for k, v in wire.items() if k != "sign"}
    assert wire["sign"] == sign("app-secret", url.path, unsigned, sent.body)
    assert sent.headers["content-type"] == "application/json"


def test_the_published_sample_pages():
    page = parse_page(SAMPLE)
    assert page.total_count == 100
    assert page.next_page_token == "aDU2dHIz"
    assert page.request_id == "202203070749000101890810281E8C70B7"


def test_the_published_sample_reads_into_typed_fields():
    [cancellation] = parse_page(SAMPLE).cancellations
    assert cancellation.cancel_id == "4035318504086604100"
    assert cancellation.cancel_status == CancelStatus.PENDING
    assert cancellation.pending
    assert not cancellation.approved
    assert cancellation.order_id == "577087614418520388"
    assert (cancellation.cancel_type, cancellation.role) == ("BUYER_CANCEL", "BUYER")
    assert (cancellation.create_time, cancellation.update_time) == (1690451136, 1690451136)
    assert cancellation.response_deadline == 1690554680
    assert cancellation.seller_next_action_response[0].action == "SELLER_RESPOND_CANCEL"
    assert cancellation.refund_amount == {"currency": "USD", "refund_total": "1.23", "refund_tax": "0.03"}
    assert cancellation.cancel_line_items == ({"cancel_line_item_id": "4035227913481196964"},)
    assert (cancellation.refund_total, cancellation.refund_currency) == ("1.23", "USD")


@pytest.mark.parametrize(
    "refund_amount",
    [None, "1.23", [], {}, {"refund_total": "", "currency": ""}, {"refund_total": None, "currency": None}],
)
def test_a_missing_or_malformed_refund_amount_is_no_total_and_no_currency(refund_amount):
    cancellation = Cancellation.from_json(
        {"cancel_id": "1", "cancel_status": "CANCELLATION_REQUEST_PENDING", "refund_amount": refund_amount}
    )
    assert (cancellation.refund_total, cancellation.refund_currency) == (None, None)


def test_a_missing_deadline_and_reason_are_none():
    cancellation = Cancellation.from_json(
        {
            "cancel_id": "1",
            "cancel_status": "CANCELLATION_REQUEST_PENDING",
            "seller_next_action_response": [{"action": "SELLER_RESPOND_CANCEL"}, "junk"],
            "cancel_reason": "",
        }
    )
    assert cancellation.response_deadline is None
    assert cancellation.cancel_reason is None


@pytest.mark.parametrize(
    ("raw", "status", "approved"),
    [
        ("CANCELLATION_REQUEST_SUCCESS", CancelStatus.SUCCESS, True),
        ("CANCELLATION_REQUEST_COMPLETE", CancelStatus.COMPLETE, True),
        ("CANCELLATION_REQUEST_CANCELLED", CancelStatus.CANCELLED, False),
        ("CANCELLATION_REQUEST_CANCEL", CancelStatus.CANCELLED, False),  # the filter list's spelling
        ("SOMETHING_NEW", "SOMETHING_NEW", False),
    ],
)
def test_statuses_are_normalised(raw: str, status: str, approved: bool):
    cancellation = Cancellation.from_json({"cancel_id": "1", "cancel_status": raw})
    assert cancellation.cancel_status == status
    assert cancellation.approved is approved


def test_an_empty_page_and_a_missing_data_are_no_cancellations():
    assert parse_page({"code": 0, "data": {"cancellations": []}}).cancellations == ()
    assert parse_page({"code": 0, "data": None}).find("1") is None


@pytest.mark.parametrize(
    "cancellations",
    [{"cancel_id": "1"}, [{"cancel_id": "1"}], [{"cancel_status": "CANCELLATION_REQUEST_PENDING"}], ["1"]],
)
def test_a_malformed_list_is_an_api_error(cancellations):
    with pytest.raises(TikTokAPIError, match="not a list of cancellations"):
        parse_page({"code": 0, "request_id": "r-1", "data": {"cancellations": cancellations}})


@pytest.mark.parametrize(
    "query",
    [
        {"page_size": 0},
        {"page_size": 51},
        {"page_size": True},
        {"page_token": ""},
        {"sort_field": "cancel_id"},
        {"sort_order": "asc"},
    ],
)
def test_bad_paging_is_refused_before_sending(query):
    arguments = {"page_size": None, "page_token": None, "sort_field": None, "sort_order": None, **query}
    with pytest.raises(TikTokValidationError):
        search_query(**arguments)


@pytest.mark.parametrize(
    "filters",
    [
        {"cancel_ids": "4035318504086604100"},
        {"cancel_ids": []},
        {"cancel_ids": ["../1"]},
        {"order_ids": [1]},
        {"create_time_ge": -1},
        {"create_time_ge": "1690340825"},
        {"locale": ""},
        {"buyer": ["x"]},
    ],
)
def test_bad_filters_are_refused_before_sending(filters):
    with pytest.raises(TikTokValidationError):
        search_body(filters)
    if "buyer" not in filters:
        # Port 9 on loopback refuses connections: had anything been sent, this would be a transport error.
        client = make_client("http://127.0.0.1:9")
        with pytest.raises(TikTokValidationError):
            client.return_refund.search_cancellations(**filters)
