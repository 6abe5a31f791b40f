"""Views counted by the server's clock (issue 16, item 5; docs/API.md, "Views").

A view needs a session the server signed when playback started; it counts once the server's
own clock says the threshold has passed since then, whatever the client says. Anonymous
viewers are bound to their network, which no header changes: a browser counts once per
window, a network at most VIEW_ANONYMOUS_PER_NETWORK times. Concurrent reports (threads
against the database, as concurrent Lambda containers) count exactly as serial ones."""
from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.views import LONG_AGO, report, server_clock_moved, start_session, watch
from tuber_common.ids import parse_video_id


def _view_count(db, video_id: str) -> int:
    return db.videos.find_one({"_id": parse_video_id(video_id)})["viewCount"]


# --- the server's clock -------------------------------------------------------------------

def test_a_session_counts_only_once_the_server_clock_passes_the_threshold(
        video_api, member, published_video, db):
    video_id = published_video(member())  # 2 s long: the threshold is 1 s
    started = video_api.post(f"/video/{video_id}/view/start")
    assert started.status == 201, started.body
    body = started.json
    assert body["countsAfterSeconds"] == 1.0 and body["expiresIn"] == 6 * 3600
    assert body["expiresAt"].endswith("Z")
    session = body["viewSession"]
    # At once: not yet, and the answer says how long is left; nothing is used up.
    early = report(video_api, video_id, session).json
    assert early["counted"] is False and early["viewCount"] == 0
    assert 0 < early["countsInSeconds"] <= 1.0
    assert db.views.count_documents({}) == 0
    with server_clock_moved(+0.5):
        assert report(video_api, video_id, session).json["countsInSeconds"] <= 0.5
    with server_clock_moved(+1.0):
        counted = report(video_api, video_id, session).json
    assert counted == {"viewCount": 1, "counted": True, "countsInSeconds": None}


def test_what_the_client_claims_about_watch_time_counts_for_nothing(video_api, member,
                                                                    published_video):
    video_id = published_video(member())
    session = start_session(video_api, video_id).json["viewSession"]
    answer = video_api.post(f"/video/{video_id}/view",
                            {"viewSession": session, "watchedSeconds": 86_400})
    assert answer.json["counted"] is False and answer.json["countsInSeconds"] > 0
    # The old protocol (watch time alone, no session) is refused.
    assert video_api.post(f"/video/{video_id}/view", {"watchedSeconds": 30}).status == 422
    assert video_api.post(f"/video/{video_id}/view").status == 422


def test_a_long_video_needs_the_minimum_from_the_settings(video_api, member, published_video,
                                                          db, monkeypatch):
    from tuber_common.settings import get_settings

    video_id = published_video(member())
    db.videos.update_one({"_id": parse_video_id(video_id)}, {"$set": {"durationSeconds": 600.0}})
    assert start_session(video_api, video_id).json["countsAfterSeconds"] == 10
    assert watch(video_api, video_id, seconds=9.5).json["counted"] is False
    assert watch(video_api, video_id, seconds=10.1).json["counted"] is True
    monkeypatch.setenv("VIEW_MIN_SECONDS", "30")
    get_settings.cache_clear()
    other = {"source_ip": "198.51.100.2"}
    assert watch(video_api, video_id, seconds=29, **other).json["countsInSeconds"] <= 1.0
    assert watch(video_api, video_id, seconds=30.1, **other).json["counted"] is True


def test_an_expired_session_is_409_and_a_new_one_counts(video_api, member, published_video):
    video_id = published_video(member())
    old = start_session(video_api, video_id, ago=6 * 3600 + 1).json["viewSession"]
    answer = report(video_api, video_id, old)
    assert (answer.status, answer.error_code) == (409, "view_session_expired")
    assert watch(video_api, video_id).json["counted"] is True


# --- the signature and the binding -------------------------------------------------------------

def _resign_payload(token: str, **changes) -> str:
    """The token with its payload changed and the old signature kept (a forgery)."""
    version, payload, mac = token.split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    fields.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")
    return f"{version}.{forged}.{mac}"


def test_a_forged_or_foreign_session_is_400(video_api, member, published_video):
    owner = member()
    video_id, other_video = published_video(owner), published_video(owner)
    session = start_session(video_api, video_id).json["viewSession"]
    for bad in (_resign_payload(session, t=0), _resign_payload(session, x=2 ** 40),
                "v1.e30.AAAA", "v2" + session[2:], "nonsense", "a.b.c", "v1..",
                session + "x", "v1.%s.%s" % ("é" * 10, "é" * 10)):
        answer = report(video_api, video_id, bad)
        assert (answer.status, answer.error_code) == (400, "invalid_view_session"), bad
    # A genuine session for another video.
    answer = report(video_api, other_video, session)
    assert (answer.status, answer.error_code) == (400, "invalid_view_session")
    assert video_api.post(f"/video/{video_id}/view", {"viewSession": "x" * 513}).status == 422


def test_a_session_reported_by_another_viewer_or_network_is_403(video_api, member,
                                                                published_video):
    video_id = published_video(member())
    alice, bob = member(), member()
    cases = [  # (who starts, who reports)
        ({"source_ip": "198.51.100.1"}, {"source_ip": "198.51.100.2"}),
        ({"token": alice.token}, {}),
        ({}, {"token": alice.token}),
        ({"token": alice.token}, {"token": bob.token}),
        ({"source_ip": "2001:db8:1:2::1"}, {"source_ip": "2001:db8:1:3::1"}),  # other /64
    ]
    for starter, reporter in cases:
        session = start_session(video_api, video_id, ago=LONG_AGO, **starter).json["viewSession"]
        answer = report(video_api, video_id, session, **reporter)
        assert (answer.status, answer.error_code) == (403, "view_session_mismatch"), \
            (starter, reporter)
    # A signed-in viewer may change networks; an anonymous one, addresses within its /64;
    # either may change user agents.
    session = start_session(video_api, video_id, ago=LONG_AGO, token=alice.token,
                            source_ip="198.51.100.1").json["viewSession"]
    assert report(video_api, video_id, session, token=alice.token,
                  source_ip="192.0.2.9").json["counted"] is True
    session = start_session(video_api, video_id, ago=LONG_AGO,
                            source_ip="2001:db8:1:2::1").json["viewSession"]
    assert report(video_api, video_id, session, source_ip="2001:db8:1:2:ffff::5",
                  headers={"user-agent": "changed"}).json["counted"] is True


# --- de-duplication -------------------------------------------------------------------------

def test_a_session_counts_once(video_api, member, published_video, db):
    video_id = published_video(member())
    session = start_session(video_api, video_id, ago=LONG_AGO).json["viewSession"]
    answers = [report(video_api, video_id, session).json for _ in range(3)]
    assert [a["counted"] for a in answers] == [True, False, False]
    assert answers[-1] == {"viewCount": 1, "counted": False, "countsInSeconds": None}


def test_thirty_user_agents_from_one_address_count_as_the_cap(video_api, member,
                                                              published_video, db):
    """The issue's attack: 30 user agents from one IP used to count 30 views."""
    video_id = published_video(member())
    counted = [watch(video_api, video_id, headers={"user-agent": f"agent {i}"}).json["counted"]
               for i in range(30)]
    assert counted == [True] * 3 + [False] * 27  # VIEW_ANONYMOUS_PER_NETWORK = 3
    # The same from 30 addresses of one IPv6 /64 (a single host can use them all).
    counted = [watch(video_api, video_id, source_ip=f"2001:db8:aa:bb::{i:x}",
                     headers={"user-agent": f"agent {i}"}).json["counted"] for i in range(30)]
    assert sum(counted) == 3
    # Other networks are not affected; signed-in viewers are counted per account.
    assert watch(video_api, video_id, source_ip="198.51.100.7").json["counted"] is True
    assert watch(video_api, video_id, token=member().token).json["counted"] is True
    assert _view_count(db, video_id) == 8


def test_the_per_network_cap_is_a_setting_and_a_browser_refused_by_it_keeps_its_turn(
        video_api, member, published_video, db, monkeypatch):
    from datetime import timedelta

    from tuber_common.clock import utcnow
    from tuber_common.settings import get_settings

    monkeypatch.setenv("VIEW_ANONYMOUS_PER_NETWORK", "1")
    get_settings.cache_clear()
    video_id = published_video(member())
    first, second = {"headers": {"user-agent": "first"}}, {"headers": {"user-agent": "second"}}
    assert watch(video_api, video_id, **first).json["counted"] is True
    assert watch(video_api, video_id, **second).json["counted"] is False  # the cap
    # The network's window ends (not the browsers'): the second browser, refused only by the
    # cap, counts now; the first one still waits for its own window.
    db.views.update_many({"_id": {"$regex": "^n:"}},
                         {"$set": {"expiresAt": utcnow() - timedelta(seconds=1)}})
    assert watch(video_api, video_id, **first).json["counted"] is False
    assert watch(video_api, video_id, **second).json["counted"] is True
    assert _view_count(db, video_id) == 2


def test_the_views_collection_holds_no_address(video_api, member, published_video, db):
    video_id = published_video(member())
    watch(video_api, video_id, source_ip="198.51.100.77", headers={"user-agent": "ua-77"})
    stored = json.dumps(list(db.views.find({}, {"_id": 1, "videoId": 0})), default=str)
    assert "198.51.100.77" not in stored and "ua-77" not in stored
    assert {doc["videoId"] for doc in db.views.find()} == {parse_video_id(video_id)}


# --- concurrency: threads against the database ------------------------------------------------

def _sessions(db, video_id: str, viewers: list[tuple[str | None, str, str]]) -> list[str]:
    from tuber_video.views import start

    with server_clock_moved(-LONG_AGO):
        return [start(db, video_id, user, ip)["viewSession"] for user, ip, _agent in viewers]


def _report_all(db, video_id: str, viewers, sessions) -> int:
    from tuber_video.views import record_view

    def one(args):
        (user, ip, agent), session = args
        return record_view(db, video_id, session, user, ip, agent)["counted"]

    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        return sum(pool.map(one, zip(viewers, sessions)))


@pytest.mark.parametrize("run", range(3))
def test_concurrent_reports_count_exactly(db, member, published_video, run):
    video_id = published_video(member())
    # 30 user agents from one address at once: exactly the cap.
    agents = [(None, "203.0.113.50", f"agent {i}") for i in range(30)]
    assert _report_all(db, video_id, agents, _sessions(db, video_id, agents)) == 3
    # One session reported from 20 threads at once: once (by another network).
    one = [(None, "203.0.113.51", "one")]
    session = _sessions(db, video_id, one)[0]
    assert _report_all(db, video_id, one * 20, [session] * 20) == 1
    # One account, 20 sessions at once: once.
    fan = member()
    mine = [(fan.id, f"198.51.100.{i}", "browser") for i in range(20)]
    assert _report_all(db, video_id, mine, _sessions(db, video_id, mine)) == 1
    # The counter is exactly the number of answers that said counted.
    assert _view_count(db, video_id) == 5
