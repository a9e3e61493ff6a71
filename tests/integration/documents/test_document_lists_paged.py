"""Seed 2 §4.4, §4.5, §7.1: a unit that receives more documents than a page holds reads every
one of them. The documents page's received, sent and library tabs and the API's list of my
documents go page by page, unread and urgent first across the pages, each document once;
the pager keeps the tab and the library's search; a page past the end shows the last one;
a client asking the API for a page it cannot have is told which parameter is wrong."""

from __future__ import annotations

import html
import re

import pytest

from oa_platform.documents import commands, queries
from oa_platform.documents.models import Document
from oa_platform.documents.receipts import URGENCY_RANK
from oa_platform.extensions import db
from tests.api_client import JwtClient
from tests.conftest import login, user
from tests.document_helpers import draft, issued, sign_through
from tests.integration.platform.test_pseudo_locale import (  # noqa: F401 (the fixture)
    assert_every_word_marked,
    data_corpus,
    pseudo,
)

BOTH_DATABASES = True
PAGE = 3  # a page of three documents instead of fifty: eight documents make three pages
URGENCIES = ["routine", "urgent", "especially_urgent", "routine", "urgent", "routine", "urgent"]


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(queries, "PAGE", PAGE)


def distribute() -> list[Document]:
    """The Group Office's clerk issues seven notices on claims to Sales (staff's department),
    then a meeting notice that does not mention claims: eight documents, in issue order."""
    documents = [
        issued(sign_through(draft(title=f"关于规范费用报销的通知（第{n}号）", urgency=urgency)))
        for n, urgency in enumerate(URGENCIES, start=1)
    ]
    meeting = draft(
        kind="meeting_notice",
        title="关于召开年度工作会议的通知",
        body="<p>定于下周一召开年度工作会议，请各部门负责人参加。</p>",
        urgency="routine",
    )
    return [*documents, issued(sign_through(meeting))]


def signed_in(demo, username: str):
    client = demo.test_client()
    login(client, username)
    return client


def rows(page: str, table: str) -> list[int]:
    """The document ids of the table's rows, in the page's order."""
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return [int(found) for found in re.findall(r'data-oa-document="(\d+)"', body)]


def page_through(client, address: str, table: str) -> tuple[list[int], list[str]]:
    """Follow the pager's Next link from ``address`` to the end: every row's document id
    and the addresses visited. Each page holds at most a page of rows and says where it is."""
    seen, visited = [], []
    while address:
        visited.append(address)
        answer = client.get(address)
        assert answer.status_code == 200, address
        page = answer.get_data(as_text=True)
        found = rows(page, table)
        assert 0 < len(found) <= PAGE, (address, found)
        seen += found
        assert f"page {len(visited)} of " in page, address
        following = re.search(r'<a href="([^"]+)" id="page-next">', page)
        address = html.unescape(following.group(1)) if following else ""
    return seen, visited


def list_order(documents: list[Document], acknowledged: set[int]) -> list[int]:
    """The order every received list promises: unread first, then urgent first, then newest."""
    newest_first = list(reversed(documents))
    return [
        d.id
        for d in sorted(newest_first, key=lambda d: (d.id in acknowledged, URGENCY_RANK[d.urgency]))
    ]


def test_a_unit_reads_every_document_page_by_page_on_the_page_and_through_the_api(
    demo, small_pages
):
    documents = distribute()
    # staff has already signed for two of them: those go to the end, across the pages.
    for read in (documents[1], documents[2]):
        commands.acknowledge(db.session, user("staff"), read.id)
    expected = list_order(documents, {documents[1].id, documents[2].id})

    staff = signed_in(demo, "staff")
    seen, visited = page_through(staff, "/documents/", "documents-received")
    assert seen == expected  # none missing, none twice, the order kept across pages
    assert len(visited) == 3
    first = staff.get("/documents/").get_data(as_text=True)
    assert "8 in all, page 1 of 3." in first and 'id="page-previous">' in first
    chinese = staff.get("/documents/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "共 8 条，第 1/3 页。" in chinese and "下一页" in chinese
    # A page past the end (the list shrank since the link was made) shows the last page.
    beyond = staff.get("/documents/?page=99").get_data(as_text=True)
    assert rows(beyond, "documents-received") == expected[6:]
    assert "8 in all, page 3 of 3." in beyond
    # A page number that is not one is the first page, not an error.
    for nonsense in ("abc", "0", "-2"):
        answer = staff.get(f"/documents/?page={nonsense}")
        assert answer.status_code == 200
        assert rows(answer.get_data(as_text=True), "documents-received") == expected[:PAGE]

    # The phone app, with only a JWT, gets the same documents in the same order.
    api = JwtClient(staff)
    api("GET", "staff", "/definitions")  # logs in for a token
    token = {"Authorization": f"Bearer {api.tokens['staff']}"}
    through_api = []
    for number in (1, 2, 3, 4):
        answer = staff.get(f"/api/v1/documents/?page={number}&page_size=3", headers=token)
        assert answer.status_code == 200
        body = answer.get_json()
        assert (body["count"], body["page"], body["page_size"]) == (8, number, 3)
        through_api += [document["id"] for document in body["result"]]
    assert through_api == expected  # page 4 is past the end: empty, with the count
    bigger = staff.get("/api/v1/documents/?page_size=100", headers=token).get_json()
    assert [d["id"] for d in bigger["result"]] == expected and bigger["page"] == 1
    default = staff.get("/api/v1/documents/", headers=token).get_json()
    assert default["page_size"] == queries.PAGE and len(default["result"]) == PAGE

    # The clerk who issued them pages through the sent tab: all eight, once each.
    clerk = signed_in(demo, "clerk")
    sent, visited = page_through(clerk, "/documents/?tab=sent", "documents-sent")
    assert sorted(sent) == sorted(d.id for d in documents) and len(sent) == 8
    assert all("tab=sent" in address for address in visited[1:])


def test_the_library_search_pages_and_its_pager_keeps_the_search(demo, small_pages):
    documents = distribute()
    claims = [d for d in documents if d.kind == "document"]  # the meeting notice is not
    staff = signed_in(demo, "staff")

    search = "/documents/?tab=library&q=%E6%8A%A5%E9%94%80&kind=document"  # q=报销
    found, visited = page_through(staff, search, "library-results")
    assert found == [d.id for d in reversed(claims)]  # newest first, none twice
    assert len(visited) == 3
    for address in visited[1:]:
        assert "tab=library" in address and "kind=document" in address
        assert "q=%E6%8A%A5%E9%94%80" in address
    # Without the search the library holds all eight.
    everything, _visited = page_through(staff, "/documents/?tab=library", "library-results")
    assert sorted(everything) == sorted(d.id for d in documents)


def test_the_api_refuses_a_page_it_cannot_give_and_names_the_parameter(demo):
    client = demo.test_client()
    api = JwtClient(client)
    api("GET", "staff", "/definitions")
    token = {"Authorization": f"Bearer {api.tokens['staff']}"}
    for query, parameter in [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=-1", "page"),
        ("page=1.5", "page"),
        ("page=99999999999999999999", "page"),
        ("page_size=1000", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=", "page_size"),
        ("page=2&page_size=ten", "page_size"),
    ]:
        answer = client.get(f"/api/v1/documents/?{query}", headers=token)
        assert answer.status_code == 400, query
        message = answer.get_json()["message"]
        assert message.startswith(f"{parameter}: give a whole number from 1 to "), query
    chinese = client.get(
        "/api/v1/documents/?page_size=1000", headers={**token, "Accept-Language": "zh-CN"}
    )
    assert chinese.status_code == 400
    assert chinese.get_json()["message"] == "page_size：须为 1 至 100 的整数。"
    assert client.get("/api/v1/documents/?page=1&page_size=100", headers=token).status_code == 200


def test_the_paged_tabs_show_no_word_outside_gettext(pseudo, client, small_pages):  # noqa: F811
    app = client.application
    distribute()
    corpus = data_corpus(app)
    tabs = ["/documents/?page=2", "/documents/?tab=sent&page=2"]
    library = "/documents/?tab=library&q=%E6%8A%A5%E9%94%80&kind=document&page=2"
    assert_every_word_marked(app, {"staff": [*tabs[:1], library], "clerk": tabs[1:]}, corpus)
