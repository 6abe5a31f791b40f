"""Discovery pages in Chromium (issue 18): search results with the matching word prefixes
marked and "Load more"; the category chips, category and tag pages and Trending; the upload
form's tags, category and captions; the My videos edit dialog's tags, category and captions
(a refused file's error code, add, delete). Each test has a page of its own and signs in as it
needs; the videos are made through the API by one module fixture."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from local.seed import upload_to_presigned
from tests.support.axe import assert_accessible
from tests.support.browser_fixtures import Member, new_member, sign_in, wait_status
from tests.support.media import make_clip

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

VTT_OK = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello there\n\n00:00:01.000 --> 00:00:01.800\nGoodbye\n"
VTT_TOO_LONG = "WEBVTT\n\n00:00:00.000 --> 00:10:00.000\nThis cue ends long after the video\n"


def create(member: Member, clip: Path, **fields) -> str:
    """POST /video with `fields` (tags, category, description...), the file to storage, PUBLIC."""
    data = clip.read_bytes()
    created = requests.post(f"{member.base_url}/video", headers=member.auth, timeout=30, json={
        "visibility": "public", "contentType": "video/mp4", "sizeBytes": len(data), **fields})
    assert created.status_code == 201, created.text
    sent = upload_to_presigned(created.json()["upload"], data, "video/mp4")
    assert sent.status_code < 300, sent.text
    video_id = created.json()["video"]["id"]
    wait_status(member, video_id, "PUBLIC")
    return video_id


@pytest.fixture(scope="module")
def discovery(web_base_url, tmp_path_factory):
    """A channel ("Discovery Keeper") with four PUBLIC videos made one after the other (lists
    order by publishedAt). `word` is in no other test's data: A has it in its title, B in its
    description, C in a tag; A and B share a tag, A and C a category; D is for editing."""
    folder = tmp_path_factory.mktemp("discovery")
    keeper = new_member(web_base_url, "Discovery Keeper")
    clip = Path(make_clip(str(folder / "clip.mp4"), 320, 180, seconds=2))
    hexes = uuid.uuid4().hex[:6]
    word = f"quokka{hexes}"
    shared_tag = f"tag{hexes}"
    videos = {
        # Markup in user text must show as text: never parsed.
        "A": {"title": f"{word.capitalize()} crossing <b>at night</b>", "tags": ["Stripes", f"#{shared_tag.upper()}"],
              "category": "pets-animals", "description": "Filmed in the park."},
        "B": {"title": f"Morning walk {hexes}", "tags": [shared_tag], "category": "travel-events",
              "description": f"We saw a {word} at dawn <i>near</i> the lake."},
        "C": {"title": f"Plain field {hexes}", "tags": [f"{word}fish"], "category": "pets-animals",
              "description": "Grass."},
        "D": {"title": f"Edit me {hexes}", "description": "To be edited."},
    }
    for fields in videos.values():
        fields["id"] = create(keeper, clip, **fields)
    return {"keeper": keeper, "videos": videos, "word": word, "tag": shared_tag, "hex": hexes,
            "folder": folder}


def assert_no_console_errors(ui, *expected: str) -> None:
    """Chromium logs every 4xx answer: leave out the `expected` ones."""
    ui.errors[:] = [e for e in ui.errors if not any(x in e for x in expected)]
    ui.assert_no_console_errors()


def card_titles(page, list_name):
    return page.get_by_role("list", name=list_name).locator(".card-title")


def test_search_marks_word_prefixes_and_loads_more(fresh_page, discovery):
    ui, page = fresh_page, fresh_page.page
    videos, word = discovery["videos"], discovery["word"]
    q = word[:9]  # a prefix: "quokka" and three more characters
    page.add_init_script("window.TUBER_SEARCH_PAGE_SIZE = 2")
    ui.open("#/")
    page.get_by_role("searchbox", name="Search videos").fill(q.upper())
    page.get_by_role("searchbox", name="Search videos").press("Enter")
    expect(page).to_have_url(re.compile(rf"#/search\?q={q.upper()}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Results for “{q.upper()}”")

    # The title match first, then the newest: C (a tag) before B (the description).
    results = page.get_by_role("list", name=f"Search results for {q.upper()}")
    status = page.get_by_role("status").filter(has_text="results for")
    expect(status).to_have_text(f"2 results for “{q.upper()}”, more available.")
    expect(results.locator(".card-title")).to_have_text([videos["A"]["title"], videos["C"]["title"]])
    first = results.locator(".card-title").first
    # "Quokka1a2" of "Quokka1a2b3c" is marked, and the title's markup stays text.
    expect(first.locator("mark")).to_have_text([q.capitalize()])
    expect(first.locator("b")).to_have_count(0)
    expect(first).to_contain_text("<b>at night</b>")
    expect(results.locator("[role=listitem]").nth(1).locator(".taxonomy")).to_contain_text(f"#{word}fish")

    page.get_by_role("button", name="Load more").click()
    expect(status).to_have_text(f"3 results for “{q.upper()}”.")
    expect(results.locator(".card-title")).to_have_text(
        [videos["A"]["title"], videos["C"]["title"], videos["B"]["title"]])
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()
    # Focus moves to the first new result; its description shows the match, marked, as text.
    expect(page.get_by_role("link", name=videos["B"]["title"])).to_be_focused()
    snippet = results.locator("[role=listitem]").nth(2).locator(".search-snippet")
    expect(snippet.locator("mark")).to_have_text([q])
    expect(snippet).to_contain_text("<i>near</i>")
    ui.shot("discovery-search")
    # This slice's pages and forms: the page's own content (the shell is scanned by
    # tests/e2e/test_accessibility.py).
    assert_accessible(page, "search results", context="#main")

    # No match: said in the live region and on the page.
    ui.open(f"#/search?q=zz{uuid.uuid4().hex[:8]}")
    expect(page.get_by_role("status").filter(has_text="No results")).to_have_text("No results.")
    expect(page.get_by_role("heading", name="No results")).to_be_visible()
    assert_no_console_errors(ui)


def test_category_chips_category_and_tag_pages_and_trending(fresh_page, discovery, local_stack):
    ui, page = fresh_page, fresh_page.page
    videos, tag = discovery["videos"], discovery["tag"]
    ui.open("#/")
    chips = page.get_by_role("navigation", name="Browse by category")
    expect(chips.get_by_role("link", name="All")).to_have_attribute("aria-current", "page")
    chips.get_by_role("link", name="Pets & Animals").click()
    expect(page).to_have_url(re.compile(r"#/category/pets-animals$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pets & Animals")
    expect(chips.get_by_role("link", name="Pets & Animals")).to_have_attribute("aria-current", "page")
    grid = page.get_by_role("list", name="Pets & Animals videos")
    expect(grid).to_contain_text(videos["C"]["title"])
    expect(grid).to_contain_text(videos["A"]["title"])
    expect(grid).not_to_contain_text(videos["B"]["title"])
    assert_accessible(page, "a category page", context="#main")

    # A card's tag link: the tag's page, newest first (B, then A whose tag was "#TAG...").
    card = grid.locator("article", has_text=videos["A"]["title"])
    expect(card.get_by_role("list", name=f"Category and tags of {videos['A']['title']}")).to_be_visible()
    card.get_by_role("link", name=f"#{tag}").click()
    expect(page).to_have_url(re.compile(rf"#/tag/{tag}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Tag: #{tag}")
    expect(card_titles(page, f"Videos tagged {tag}")).to_have_text([videos["B"]["title"], videos["A"]["title"]])
    # The category link on a card leads to its page.
    page.get_by_role("list", name=f"Videos tagged {tag}").locator("article").first \
        .get_by_role("link", name="Travel & Events").click()
    expect(page).to_have_url(re.compile(r"#/category/travel-events$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Travel & Events")
    # The watch page links the category and every tag (taxonomyLinks, applied by W1).
    ui.open(f"#/watch/{videos['A']['id']}")
    links = page.get_by_role("list", name=f"Category and tags of {videos['A']['title']}")
    expect(links.get_by_role("link")).to_have_text(["Pets & Animals", "#stripes", f"#{tag}"])
    links.get_by_role("link", name="#stripes").click()
    expect(page).to_have_url(re.compile(r"#/tag/stripes$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tag: #stripes")
    # Any spelling of a tag lands on its one address.
    ui.open(f"#/tag/%23{tag.upper()}")
    expect(page).to_have_url(re.compile(rf"#/tag/{tag}$"))
    expect(card_titles(page, f"Videos tagged {tag}")).to_have_count(2)
    ui.shot("discovery-tag")
    assert_accessible(page, "a tag page", context="#main")

    # Trending: C watched more than A in the last hours, scored by the schedule's refresh.
    from pymongo import MongoClient
    from tuber_video import trending

    client = MongoClient(local_stack.mongo_uri, tz_aware=True)  # as tuber_common.db connects
    try:
        db = client[local_stack.extra_env.get("MONGODB_DB") or "tuber"]
        for key, n in (("C", 3), ("A", 1)):
            for _ in range(n):
                trending.count_view(db, videos[key]["id"])
        trending.refresh(db)
    finally:
        client.close()
    page.locator("header.topbar").get_by_role("link", name="Trending").click()
    expect(page).to_have_url(re.compile(r"#/trending$"))
    expect(page.locator("header.topbar").get_by_role("link", name="Trending")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trending")
    titles = card_titles(page, "Trending videos")
    expect(titles.filter(has_text=discovery["hex"])).to_have_text([videos["C"]["title"], videos["A"]["title"]])
    ui.shot("discovery-trending")
    assert_accessible(page, "Trending", context="#main")
    assert_no_console_errors(ui)


def test_upload_form_tags_category_and_captions(fresh_page, discovery, web_base_url):
    ui, page = fresh_page, fresh_page.page
    uploader = new_member(web_base_url, "Discovery Uploader")
    folder = discovery["folder"]
    clip = make_clip(str(folder / "upload.mp4"), 320, 180, seconds=2)
    captions = folder / "english.vtt"
    captions.write_text(VTT_OK)
    sign_in(ui, uploader.username)
    ui.open("#/upload")
    page.locator("#file").set_input_files(clip)
    title = f"Uploaded with tags {discovery['hex']}"
    page.get_by_label("Title").fill(title)
    page.get_by_label("Category", exact=True).select_option(label="Music")

    tags = page.get_by_label("Tags", exact=True)
    tags.fill("Night  Drive")
    tags.press("Enter")
    tags.press_sequentially("#Synth, lo-fi,")
    chips = page.get_by_role("list", name="Tags added").locator(".tag-chip-text")
    expect(chips).to_have_text(["night drive", "synth", "lo-fi"])
    expect(page.locator(".tags-field [role=status]")).to_have_text("Added tag lo-fi. 3 of 15 tags.")
    expect(page.locator("#tags-count")).to_have_text("3 of 15 tags")
    # A refused tag says why, in an alert, and stays in the field.
    tags.fill("a/b")
    tags.press("Enter")
    expect(page.locator("#tags-error")).to_contain_text("letters, digits, spaces")
    expect(tags).to_have_attribute("aria-invalid", "true")
    tags.fill("")
    # Removed by keyboard; focus goes to the next chip's Remove button.
    page.get_by_role("button", name="Remove tag synth").focus()
    page.keyboard.press("Enter")
    expect(chips).to_have_text(["night drive", "lo-fi"])
    expect(page.get_by_role("button", name="Remove tag lo-fi")).to_be_focused()
    expect(page.locator(".tags-field [role=status]")).to_have_text("Removed tag synth. 2 of 15 tags.")

    page.get_by_label("Captions file (WebVTT, .vtt)").set_input_files(captions)
    page.get_by_label("Language").fill("en")
    page.get_by_label("Label (optional)").fill("English")
    ui.shot("discovery-upload-form")
    assert_accessible(page, "the upload form with tags and captions", context="#main")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#caption-status")).to_have_text("Captions added: English.", timeout=120_000)

    mine = requests.get(f"{web_base_url}/video/user/{uploader.id}", headers=uploader.auth, timeout=30).json()
    video_id = next(v["id"] for v in mine["items"] if v["title"] == title)
    video = requests.get(f"{web_base_url}/video/{video_id}", headers=uploader.auth, timeout=30).json()["video"]
    assert video["tags"] == ["night drive", "lo-fi"]
    assert video["category"] == "music"
    assert [(c["language"], c["label"]) for c in video["captions"]] == [("en", "English")]
    assert_no_console_errors(ui)


def test_edit_dialog_tags_category_and_captions(fresh_page, discovery, web_base_url):
    ui, page = fresh_page, fresh_page.page
    keeper, video = discovery["keeper"], discovery["videos"]["D"]
    folder = discovery["folder"]
    (folder / "good.vtt").write_text(VTT_OK)
    (folder / "long.vtt").write_text(VTT_TOO_LONG)
    sign_in(ui, keeper.username)
    ui.open("#/me/videos")
    page.get_by_role("button", name=f"Edit {video['title']}").click()
    dialog = page.get_by_role("dialog", name="Edit video")
    dialog.get_by_label("Category", exact=True).select_option(label="Education")
    tags = dialog.get_by_label("Tags", exact=True)
    tags.fill("lesson, Chalk Board")
    tags.press("Enter")
    expect(dialog.locator(".tag-chip-text")).to_have_text(["lesson", "chalk board"])

    # Captions act at once, each outcome said inside the dialog; a refused file names its code.
    dialog.get_by_label("Captions file (WebVTT, .vtt)").set_input_files(folder / "long.vtt")
    dialog.get_by_label("Language").fill("pt-br")
    dialog.get_by_role("button", name="Upload captions").click()
    alert = dialog.locator(".caption-outcome").get_by_role("alert")
    expect(alert).to_contain_text("(cue_out_of_range)")
    dialog.get_by_label("Captions file (WebVTT, .vtt)").set_input_files(folder / "good.vtt")
    dialog.get_by_label("Label (optional)").fill("Português")
    dialog.get_by_role("button", name="Upload captions").click()
    expect(dialog.locator(".caption-outcome").get_by_role("status")).to_have_text("Captions Português (pt-BR) added.")
    expect(dialog.get_by_role("list", name="Captions of this video")).to_contain_text("Português (pt-BR)")
    ui.shot("discovery-edit-dialog")
    assert_accessible(page, "the edit dialog", context="dialog")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    answer = requests.get(f"{web_base_url}/video/{video['id']}", headers=keeper.auth, timeout=30).json()["video"]
    assert answer["tags"] == ["lesson", "chalk board"]
    assert answer["category"] == "education"
    assert [c["language"] for c in answer["captions"]] == ["pt-BR"]

    # Again: the saved tags and captions are there; delete the captions.
    page.get_by_role("button", name=f"Edit {video['title']}").click()
    expect(dialog.locator(".tag-chip-text")).to_have_text(["lesson", "chalk board"])
    expect(dialog.get_by_label("Category", exact=True)).to_have_value("education")
    dialog.get_by_role("button", name="Delete captions Português (pt-BR)").click()
    expect(dialog.locator(".caption-outcome").get_by_role("status")).to_have_text("Captions Português (pt-BR) deleted.")
    expect(dialog.get_by_text("No captions yet.")).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    answer = requests.get(f"{web_base_url}/video/{video['id']}", headers=keeper.auth, timeout=30).json()["video"]
    assert answer["captions"] == []
    assert_no_console_errors(ui, "status of 400", "status of 422")


def test_phone_category_chips_scroll_sideways(phone_page, discovery):
    ui, page = phone_page, phone_page.page
    ui.open(f"#/tag/{discovery['tag']}")
    expect(card_titles(page, f"Videos tagged {discovery['tag']}")).to_have_count(2)
    ui.open("#/")
    chips = page.get_by_role("navigation", name="Browse by category").get_by_role("list")
    expect(chips.get_by_role("link", name="Nonprofits & Activism")).to_be_attached()
    # One row that scrolls, inside a page that does not.
    box = chips.bounding_box()
    assert box["height"] < 60, box
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    # The last chip is reachable by keyboard: focusing it scrolls it into view.
    chips.get_by_role("link", name="Nonprofits & Activism").focus()
    expect(chips.get_by_role("link", name="Nonprofits & Activism")).to_be_in_viewport()
    ui.shot("discovery-phone-home")
    assert_accessible(page, "home on a phone", context="#main")
    assert_no_console_errors(ui)


TAG_SAMPLES = ["Music", "  #Night   Drive ", "##lo-fi", "Ｆｕｌｌ　Ｗｉｄｔｈ", "Straße", "ΟΔΟΣ", "Café Crème",
               "rock & roll", "it's", "a/b", "50%", "#", "   ", "---", "x" * 30, "x" * 31, "ﬁre", "c++", "Ⅻ"]


def test_client_tags_and_marks_agree_with_the_server(fresh_page, web_base_url):
    """The tags field normalizes and refuses as tuber_common.tags does, so a chip is what the
    video will hold; search marks fold case and accents as tuber_common.search_terms does."""
    from tuber_common.errors import BadRequest
    from tuber_common.tags import normalize_tag

    ui, page = fresh_page, fresh_page.page
    ui.open("#/")
    client = page.evaluate("""async (samples) => {
        const d = await import("./js/discovery.js");
        const tags = samples.map((raw) => { const t = d.normalizeTag(raw); return t && !d.tagProblem(t) ? t : null; });
        const marks = (text, q) => d.highlight(text, d.queryTerms(q))
            .filter((n) => n.nodeName === "MARK").map((n) => n.textContent);
        return { tags, marks: [marks("Zébra crossing, ZEBRAS!", "zeb"), marks("Café au lait", "CAFE LA"),
                               marks("Straßenbahn", "strass"), marks("no match here", "zzz")] };
    }""", TAG_SAMPLES)
    expected = []
    for raw in TAG_SAMPLES:
        try:
            expected.append(normalize_tag(raw))
        except BadRequest:
            expected.append(None)
    assert dict(zip(TAG_SAMPLES, client["tags"])) == dict(zip(TAG_SAMPLES, expected))
    assert client["marks"][0] == ["Zéb", "ZEB"]
    assert client["marks"][1] == ["Café", "la"]
    assert client["marks"][2] == ["Straß"]
    assert client["marks"][3] == []
    assert_no_console_errors(ui)
