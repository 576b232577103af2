"""Marking Chinese text for screen readers."""

from __future__ import annotations

from tests import factories as f
from tests.conftest import World, login
from tracker.extensions import db
from tracker.text import in_language, mostly_chinese
from tracker.usecases.models import Stage


def test_mostly_chinese():
    assert mostly_chinese("反詐騙助理")
    assert mostly_chinese("第二道防線：合規監察抽樣助理 v2")
    assert not mostly_chinese("Deepfake voice detection 反詐騙")
    assert not mostly_chinese("")
    assert not mostly_chinese("12345")


def test_in_language_escapes_and_marks():
    assert (
        str(in_language("<b>反詐騙</b>")) == '<span lang="zh-Hant">&lt;b&gt;反詐騙&lt;/b&gt;</span>'
    )
    assert str(in_language("Scam & fraud")) == "Scam &amp; fraud"
    assert str(in_language(None)) == ""


def test_chinese_titles_are_marked_on_the_page(client, world: World):
    uc = f.create_use_case(
        world.cohort, world.bank, world.category, stage=Stage.SUBMITTED, title="深度偽造語音偵測"
    )
    db.session.commit()
    login(client, world.reviewer)
    page = client.get(f"/use-cases/{uc.id}").get_data(as_text=True)
    assert '<span lang="zh-Hant">深度偽造語音偵測</span>' in page
