"""Names in any script (domain.md §13): Chinese, Japanese and Korean print in Noto Sans CJK;
a character no font here has is refused, naming the field, never printed as an empty box.

Noto Sans CJK comes from Debian's fonts-noto-cjk (tests/install-deps installs it).
"""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops

from compounding import OrderError
from compounding.documents import fallback, label_pdf, worksheet_pdf

from . import pdf
from .helpers import make_order
from .test_label import LABELLED, PROFILE
from .test_records import ORDER
from .test_web_api import check_error

NAMES = {"Chinese": ("张伟", "李娜"), "Japanese": ("山田さくら", "佐藤ひなた"),
         "Korean": ("김민준", "이서연")}
LACKING = "Jane 𓀀 Doe"  # U+13000, an Egyptian hieroglyph: in neither DejaVu nor Noto CJK


@pytest.fixture(autouse=True)
def noto_installed():
    assert fallback.installed(False) and fallback.installed(True), \
        "Noto Sans CJK is missing: bash tests/install-deps"


def _order(name: str) -> dict:
    return make_order(**{**LABELLED, "patient": {"name": name, "date_of_birth": "1970-04-01"}})


def _picture(document: bytes, folder) -> Image.Image:
    folder.mkdir()
    return Image.open(pdf.render(document, folder, dpi=150)[0]).convert("L")


@pytest.mark.parametrize("script", sorted(NAMES))
def test_a_name_prints_on_the_label_and_the_worksheet(script, tmp_path):
    first, second = NAMES[script]
    for build in (label_pdf, worksheet_pdf):
        one, other = build(_order(first), PROFILE), build(_order(second), PROFILE)
        assert first in pdf.text(one) and second in pdf.text(other)
        assert any(font.startswith("NotoCJK") for font in pdf.fonts(one))
        # drawn, not boxes: two names of as many characters look different (every missing
        # glyph is the same empty box)
        assert len(first) <= len(second)
        difference = ImageChops.difference(_picture(one, tmp_path / f"{build.__name__}-1"),
                                           _picture(other, tmp_path / f"{build.__name__}-2"))
        assert difference.getbbox() is not None


def test_the_face_follows_the_script():
    assert fallback.font_for("김민준", "DejaVuSans").startswith("NotoCJKKR-")
    assert fallback.font_for("山田さくら", "DejaVuSans").startswith("NotoCJKJP-")
    assert fallback.font_for("张伟", "DejaVuSans-Bold").startswith("NotoCJKSC-")
    assert fallback.font_for("张伟", "DejaVuSans-Bold").endswith("-Bold")
    assert fallback.font_for("Zoë Łukasz Ольга", "DejaVuSans") == "DejaVuSans"


def test_a_character_no_font_has_is_refused_naming_the_field():
    for build in (label_pdf, worksheet_pdf):
        with pytest.raises(OrderError) as caught:
            build(_order(LACKING), PROFILE)
        [error] = caught.value.errors
        assert (error.code, error.field) == ("CHARACTER_NOT_PRINTABLE", "patient.name")
        assert "“𓀀” (U+13000) cannot be printed" in error.message


def test_every_field_is_looked_at():
    order = make_order(**{**LABELLED, "directions": "Take 1 capsule at bedtime 🌙"})
    with pytest.raises(OrderError) as caught:
        label_pdf(order, PROFILE)
    assert [e.field for e in caught.value.errors] == ["directions"]


def test_without_noto_cjk_a_chinese_name_is_refused(monkeypatch):
    monkeypatch.setattr(fallback, "_fallback_chars", lambda: frozenset())
    monkeypatch.setattr(fallback, "installed", lambda bold=False: None)
    with pytest.raises(OrderError) as caught:
        label_pdf(_order("张伟"), PROFILE)
    assert caught.value.errors[0].field == "patient.name"
    assert "fonts-noto-cjk" in caught.value.errors[0].message


def test_the_api_refuses_before_keeping_a_record(client):
    order = {**ORDER, "patient": {**ORDER["patient"], "name": LACKING}}
    errors = check_error(client.post("/api/v1/worksheet", json=order), 422)
    assert [(e["code"], e["field"]) for e in errors] == [("CHARACTER_NOT_PRINTABLE",
                                                          "patient.name")]
    assert client.get("/api/v1/records").get_json()["records"] == []
    errors = check_error(client.post("/api/v1/label", json=order), 422)
    assert errors[0]["field"] == "patient.name"
    chinese = {**ORDER, "patient": {**ORDER["patient"], "name": "张伟"}}
    made = client.post("/api/v1/worksheet", json=chinese)
    assert made.status_code == 201 and "张伟" in pdf.text(made.data)


def test_a_bench_entry_no_font_can_print_is_refused(client):
    # a bench entry's only text is its lots, and a lot is printable ASCII (a letter of
    # another script is refused as a look-alike before any font is asked)
    from .test_records import BENCH

    lot = client.post("/api/v1/worksheet", json=ORDER).headers["X-Lot-Number"]
    errors = check_error(client.post(f"/api/v1/records/{lot}/bench",
                                     json={**BENCH, "source_lot": "N456-𓀀"}), 422)
    assert [(e["code"], e["field"]) for e in errors] == [("LOT_CONFUSABLE", "source_lot")]
    assert client.get(f"/api/v1/records/{lot}").get_json()["status"] == "printed"


def test_the_subsets_kept_are_bounded(monkeypatch):
    # every new name used to keep its subset in reportlab's registry for the life of the process
    from reportlab.pdfbase import pdfmetrics

    monkeypatch.setattr(fallback, "FAMILIES", 4)
    fallback.font_for("张伟", "DejaVuSans")
    for surname in "王李刘陈杨黄赵吴周":
        fallback.font_for(f"{surname}芳", "DejaVuSans")
    noto = [name for name in pdfmetrics.getRegisteredFontNames() if name.startswith("NotoCJK")]
    assert len(noto) <= 2 * 4 and len(fallback._families) == 4
    assert "张伟" in pdf.text(label_pdf(_order("张伟"), PROFILE))  # forgotten, then made again
